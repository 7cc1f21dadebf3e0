package ffmpeg

import (
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/media"
)

type readerConfig struct {
	// beforeReceiverBinds, for tests: see withBeforeReceiverBinds.
	beforeReceiverBinds func(port int)

	inputFormat  string
	inputOptions map[string]string
	width        int
	height       int
	format       media.PixelFormat
	passthrough  bool
	conceal      bool
	autorotate   bool
	squarePixels bool
	deinterlace  Deinterlace
	threads      int
	threadsSet   bool // WithReaderThreads was given
	ioTimeout    time.Duration
	frameRate    float64
	now          func() time.Time
	stop         <-chan struct{}
	log          *zerolog.Logger
	logRepeats   any
	stream       int // WithVideoStream's
	streamSet    bool
	resume       int64 // WithPlaylistResume's segment
	resumeSet    bool
	rtpPayload   int    // WithRTPSession's, 0: by the encoding
	rtpEncoding  string // WithRTPSession's, "": H264
}

// WithReaderLogger sends the reader's FFmpeg log lines (its demuxer's, a
// camera's protocol's, its decoder's) to log instead of to SetLogger's, so
// that a line says which source it is about. Lines of the connection
// underneath (a TCP connect that failed) name no reader; those logged
// while the reader opens or reads, on its thread, are its lines too.
func WithReaderLogger(log zerolog.Logger) ReaderOption {
	return func(c *readerConfig) error { c.log = &log; return nil }
}

// WithReaderLogRepeats counts the reader's repeated FFmpeg log lines
// with those of every reader given the same group (a comparable value,
// such as a pointer the caller keeps for one source): a camera opened
// again after it dropped says what it said at the last attempt ("[tcp @
// ...] Connection refused"), and the repeat is held back as the same
// reader's would be, passed on once per 30 s with its count. Without it
// each reader's lines are counted apart.
func WithReaderLogRepeats(group any) ReaderOption {
	return func(c *readerConfig) error { c.logRepeats = group; return nil }
}

// WithStop makes the Reader give up a blocking open or read as soon as stop
// closes (the pipeline stops), instead of at the end of its I/O timeout:
// FFmpeg's interrupt callback ends the call with an error. Once stop has
// closed, the stream ends (io.EOF after the pictures the decoder holds):
// the packets read then may be ones the interrupt cut short, which are not
// counted as damage.
func WithStop(stop <-chan struct{}) ReaderOption {
	return func(c *readerConfig) error { c.stop = stop; return nil }
}

// WithClock sets the clock whose time at opening the stream's first
// picture is stamped with (default time.Now): a file's once it is open;
// that of an input read as it is made (a pipe, a network stream, a
// camera) before FFmpeg's probe reads its first packets (a listening
// URL's once its sender has connected: see listens), and its pictures
// no later than the clock's time as each is read. Those of a live stream
// without timestamps are stamped with that time (see Reader).
func WithClock(now func() time.Time) ReaderOption {
	return func(c *readerConfig) error {
		if now == nil {
			return fmt.Errorf("%w: nil clock", ErrBadOption)
		}
		c.now = now
		return nil
	}
}

// WithAssumedFrameRate sets the frame rate of a stream that states none: a raw
// H.264 file (Annex B, no container) whose SPS has no VUI timing. Its
// pictures are stamped rate frames/s apart (default AssumedFrameRate, as
// ffprobe assumes). A stream that states its rate keeps it.
func WithAssumedFrameRate(rate float64) ReaderOption {
	return func(c *readerConfig) error {
		if !(rate > 0 && rate <= 1000) {
			return fmt.Errorf("%w: frame rate %v (want 0 < rate <= 1000)", ErrBadOption, rate)
		}
		c.frameRate = rate
		return nil
	}
}

// DefaultIOTimeout bounds how long a read from the network waits for data:
// a camera that goes silent (it hangs, or lost power behind a switch, and
// its connection stays open) ends the read with an error instead of hanging
// the source, which can then reconnect. A camera sends a picture every few
// tens of milliseconds, so 3 s of silence is no jitter; and it is shorter
// than pipeline.DefaultStopTimeout, so that a source in a silent read stops
// within the pipeline's stop budget even without WithStop.
const DefaultIOTimeout = 3 * time.Second

// WithIOTimeout sets how long a read from a network URL (rtsp://, http://,
// tcp://, udp://, ...) may wait for data before it fails; 0 waits for ever.
// This includes the open: a udp:// source whose sender has not started
// within d fails too, and an rtp:// port that nothing is sent to fails
// with ErrNothingArrived, as does an .sdp file's (see IsSessionFile).
// Other files and devices are not affected. An explicit
// FFmpeg option (timeout for RTSP, UDP and SRT, listen_timeout in seconds
// for rtp:// and .sdp files, rw_timeout for the others) in
// WithInputOptions wins.
func WithIOTimeout(d time.Duration) ReaderOption {
	return func(c *readerConfig) error {
		if d < 0 {
			return fmt.Errorf("%w: I/O timeout %v", ErrBadOption, d)
		}
		c.ioTimeout = d
		return nil
	}
}

// IsNetwork reports whether url is read from the network (rtsp://,
// http://, tcp://, udp://, ..., or the RTP stream an .sdp file describes:
// see IsSessionFile), not from a file, a pipe or a device. A network
// input is live: it is read as it comes, and a source over it reconnects.
func IsNetwork(url string) bool { return ioTimeoutOption(url) != "" || IsSessionFile(url) }

// ioTimeoutOption names the FFmpeg option that bounds a network read for
// url, or "" when url is not read from the network. RTSP, RTP, UDP and SRT
// have their own (in microseconds), which their readers obey where they
// ignore the generic rw_timeout; the other protocols (http, tcp, rtmp, ...)
// take rw_timeout.
func ioTimeoutOption(url string) string {
	scheme, _, ok := strings.Cut(url, "://")
	if !ok {
		return ""
	}
	switch strings.ToLower(scheme) {
	case "file", "pipe", "fd", "data", "cache", "concat", "subfile", "crypto":
		return ""
	case "rtsp", "rtsps", "rtp", "udp", "srt":
		return "timeout"
	}
	return "rw_timeout"
}

// ReaderOption configures a Reader.
type ReaderOption func(*readerConfig) error

// WithInputFormat forces FFmpeg's demuxer or device by name: "v4l2" for a
// Linux camera, "h264" for a raw Annex B file, "lavfi" for FFmpeg's own
// sources. By default FFmpeg probes the input.
func WithInputFormat(name string) ReaderOption {
	return func(c *readerConfig) error { c.inputFormat = name; return nil }
}

// WithInputOptions passes demuxer or device options, as ffmpeg's -option
// value pairs before -i: e.g. video_size=1280x720, framerate=30,
// input_format=mjpeg for V4L2, rtsp_transport=tcp for RTSP.
func WithInputOptions(opts map[string]string) ReaderOption {
	return func(c *readerConfig) error { c.inputOptions = opts; return nil }
}

// WithVideoStream makes the Reader read the input's nth video stream,
// counted from 0 among its video streams alone, as ffmpeg's -map 0:v:n (a
// file or a camera with two video streams: a main and a sub stream). An
// input with fewer video streams fails to open with ErrBadOption, naming
// how many it has. Without this option the Reader reads the first video
// stream that is not an attached picture (a cover or a thumbnail).
func WithVideoStream(n int) ReaderOption {
	return func(c *readerConfig) error {
		if n < 0 {
			return fmt.Errorf("%w: video stream %d (want 0 or more)", ErrBadOption, n)
		}
		c.stream, c.streamSet = n, true
		return nil
	}
}

// WithSize scales decoded Frames to width x height. By default they keep the
// stream's size.
func WithSize(width, height int) ReaderOption {
	return func(c *readerConfig) error {
		if width <= 0 || height <= 0 || width > media.MaxDimension || height > media.MaxDimension {
			return fmt.Errorf("%w: size %dx%d", ErrBadOption, width, height)
		}
		c.width, c.height = width, height
		return nil
	}
}

// WithPixelFormat sets the pixel format of decoded Frames (YUV420P by default).
func WithPixelFormat(p media.PixelFormat) ReaderOption {
	return func(c *readerConfig) error {
		if !p.Valid() {
			return fmt.Errorf("%w: pixel format %v", ErrBadOption, p)
		}
		c.format = p
		return nil
	}
}

// WithPassthrough makes the Reader hand out the stream's own H.264 access
// units, or the JPEG pictures of an MJPEG stream (a USB camera's
// high-resolution mode), as Packets (ReadPacket) instead of decoded Frames:
// no decoding, no re-encoding. Streams of other codecs fail to open with
// ErrNotH264.
func WithPassthrough() ReaderOption {
	return func(c *readerConfig) error { c.passthrough = true; return nil }
}

// WithDamageConcealed makes a decoding Reader hand out the pictures FFmpeg
// rebuilt from their neighbours after damage, marked Concealed and counted
// (ReadStats.Concealed), instead of leaving them out until the next
// keyframe (see Reader): for viewers who prefer a smeared picture to a
// frozen one. It also lets the decoder run on FFmpeg's slice threads,
// where a strict Reader decodes on one thread to see all damage.
// Passthrough ignores it.
func WithDamageConcealed() ReaderOption {
	return func(c *readerConfig) error { c.conceal = true; return nil }
}

// WithReaderThreads sets a decoding Reader's decoder threads: 0 lets
// FFmpeg choose, 1 is one thread. A strict Reader decodes on one thread by
// default, where it finds all damage; more threads (frame and slice
// threads, as FFmpeg's own default) decode a heavy stream faster (a 4K
// camera) at the cost of a picture of latency a thread, and of damage
// found later (a strict Reader may then leave out more pictures after it).
// A concealing Reader uses slice threads alone, 0 by default. Passthrough
// ignores it.
func WithReaderThreads(n int) ReaderOption {
	return func(c *readerConfig) error {
		if n < 0 || n > 64 {
			return fmt.Errorf("%w: threads %d (want 0..64)", ErrBadOption, n)
		}
		c.threads, c.threadsSet = n, true
		return nil
	}
}

// WithoutAutorotation makes a decoding Reader hand out its Frames as coded,
// not turned upright. By default, as ffmpeg's -autorotate, a stream whose
// display matrix turns its pictures by 90, 180 or 270 degrees (StreamInfo's
// Rotation) is decoded into turned Frames: a 640x480 stream to be shown
// turned by 90 degrees gives 480x640 Frames, and WithSize is their size
// after the turn. Other angles and mirrored pictures are left as coded.
// Passthrough ignores it: packets cannot be turned.
func WithoutAutorotation() ReaderOption {
	return func(c *readerConfig) error { c.autorotate = false; return nil }
}

// WithoutSquarePixels makes a decoding Reader hand out the pictures of a
// stream whose pixels are not square (StreamInfo's PixelAspect: a PAL DV
// camera's or DVD's 720x576 at 16:15 or 64:45) at their coded size, their
// Frames saying the aspect (Frame.Aspect), which H264Encoder writes into
// its stream for players to show the pictures in their shape. By default
// they are scaled to square pixels as players show them (see
// PixelAspect.SquareSize), 768x576 or 1024x576, since consumers that
// read no aspect (a viewer, a PNG) take pixels for square. WithSize's
// size is taken as it is either way, its Frames' aspect such that they
// show in the stream's shape. Passthrough ignores it: packets are as
// coded.
func WithoutSquarePixels() ReaderOption {
	return func(c *readerConfig) error { c.squarePixels = false; return nil }
}

// WithReaderDeinterlace sets which decoded pictures a decoding Reader
// deinterlaces: by default (DeinterlaceAuto) those the stream flags as
// interlaced (a broadcast or dashcam clip coded in fields, an analog
// camera's encoder), whose moving edges otherwise come out combed. The
// field shown first is kept and the other rebuilt from it, so that a
// picture comes out as soon as it is decoded (see Deinterlace).
// Passthrough ignores it: packets are as coded.
func WithReaderDeinterlace(mode Deinterlace) ReaderOption {
	return func(c *readerConfig) error {
		if err := checkDeinterlace(mode); err != nil {
			return err
		}
		c.deinterlace = mode
		return nil
	}
}
