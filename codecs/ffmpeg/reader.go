package ffmpeg

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/internal/credentials"
	"github.com/gopline/gopline/media"
)

// StreamInfo describes the video stream a Reader reads.
type StreamInfo struct {
	// Codec is FFmpeg's name of the stream's codec ("h264", "mpeg4", ...).
	Codec string
	// Width and Height are the stream's own size as coded, before any
	// rotation or scaling.
	Width, Height int
	// Rotation is how the stream's pictures are meant to be shown (its
	// display matrix: a phone's clip, a camera mounted on its side). A
	// decoding Reader turns its Frames by it (see WithoutAutorotation);
	// passed-through Packets are as coded.
	Rotation DisplayRotation
	// PixelAspect is the shape of the stream's pixels, as its container
	// or else its codec states it (ffprobe's sample_aspect_ratio): a PAL
	// DVD's 720x576 pictures of 64:45 pixels are shown 1024x576. A
	// decoding Reader makes them square (see WithoutSquarePixels);
	// passed-through Packets are as coded.
	PixelAspect PixelAspect
	// HDR names the high dynamic range transfer of the stream's pictures
	// ("HLG", "PQ": a phone's HDR video), empty for others. A decoding
	// Reader does not tone-map them: its Frames hold the HDR values as
	// they are, which show pale and dim as the video range they are taken
	// for.
	HDR string
	// Interlaced is the field order of a stream coded in fields ("top
	// field first", "bottom field first"), empty for a progressive one or
	// one that does not say. A decoding Reader deinterlaces its pictures
	// (see WithReaderDeinterlace); passed-through Packets are as coded.
	Interlaced string
	// FrameRate is the stream's average frame rate, 0 when unknown. For a
	// raw H.264 stream it is the rate of its SPS's VUI timing, else the
	// one of WithAssumedFrameRate; when FFmpeg's probe saw no SPS, it is
	// set from the first keyframe's once ReadPacket read it.
	FrameRate float64
	// Duration is the stream's length, 0 when unknown (live inputs).
	Duration time.Duration
}

// Reader reads one video stream of anything FFmpeg opens: a file, a V4L2
// camera (WithInputFormat("v4l2") and a /dev/video path), or a network URL.
// An rtp://IP:PORT location is the port an RTP sender sends to, received
// without a session file (see WithRTPSession and rtpsession.go).
//
// In decode mode (the default) ReadFrame returns decoded, scaled Frames,
// turned upright as the stream's display matrix asks (see
// WithoutAutorotation), of square pixels (see WithoutSquarePixels) and of
// video range, whether the stream's pixel format (yuvj420p) or only its
// colour properties (a VP9 or HEVC stream flagged full range) say it is
// of full range. In
// passthrough mode ReadPacket returns the stream's H.264 access units in
// Annex B with SPS and PPS in front of every IDR (packets before the first
// IDR are skipped, since nothing can decode them), or an MJPEG stream's
// pictures as JPEG packets.
//
// Capture times are on the stream's own timeline: the moment of opening
// (for an input read as it is made, the moment its first packet is read,
// however long its session took to set up or its first keyframe to come)
// plus each picture's presentation time (FFmpeg's best-effort timestamp for
// decoded pictures), with missing timestamps filled from the frame rate.
// The wall clock is read only for live input (no duration). Of one read
// as it is made (a pipe or FIFO, a network stream, a V4L2 camera) no
// capture time is later than the moment its picture or packet is read
// (where timestamps run ahead of their reading, as those a writer sent
// faster than real time, the timeline starts over earlier); where its
// timestamps jump (an encoder that restarted), the stream goes on from the
// moment the packet is read, so an outage stays a gap; and a live stream
// whose format carries no timestamps at all (an MJPEG camera over HTTP: FFmpeg makes them up at
// 25 frames/s) is stamped with the clock's time as each picture is read,
// and its FrameRate is 0. Decoded Frames come in presentation order
// with growing capture times; passed-through Packets keep decode order and
// carry their composition offset (media.Packet.CompositionOffset). A raw
// H.264 stream has no timestamps: its passed-through Packets are timed from
// their slice headers (see ReadPacket). Passed-through H.264 Packets have
// the size of the SPS in front of their GOP's IDR, which may change
// mid-stream. Decoded
// Frames are read-only FFmpeg pictures that outlive the Reader (see the
// package's Ownership). A Reader is not safe for concurrent use. Close frees
// its FFmpeg objects.
type Reader struct {
	url   string
	shown string // url as messages show it (credentials.Redact)
	cfg   readerConfig
	info  StreamInfo

	fc       *astiav.FormatContext
	stream   *astiav.Stream
	timeBase astiav.Rational
	pkt      *astiav.Packet
	times    timeline
	seq      uint64
	// dataEnd is the offset in the input of the end of the last video
	// packet read, -1 when unknown.
	dataEnd int64
	// readTook is how long the demuxer took to read the packets read for
	// the last picture or packet handed out (see ReadTook).
	readTook time.Duration
	// lastSent is the index of the last packet sent to the decoder, and
	// lastSentEnd its dataEnd: a packet the decoder refuses that ends at
	// the file's end was cut by it (see decodeFailed). lostRead: the
	// packet last read is the picture a live stream's loss ended
	// (streamLoss); lostSent: the one last sent.
	lastSent           uint64
	lastSentEnd        int64
	lostRead, lostSent bool
	// cutPending: the decoder refused the packet last sent of an MPEG-TS
	// file (see mayBeCut), not counted yet: Truncated when no video
	// packet comes after it, else Undecodable.
	cutPending bool
	// seenKey: a keyframe was read (decode mode: sent to the decoder;
	// passthrough: an IDR handed out); the packets before it are skipped.
	seenKey bool
	// damaged: in passthrough, an access unit FFmpeg flagged as corrupt
	// was left out, and so are those after it until the next keyframe.
	// gop holds the access units handed on since the last keyframe, for
	// verifier, the decoder that verifies them after a flagged one
	// (verified). keyAfterDamage: the keyframe that ends a run left out
	// is being read, which the damage may reach into, or have made.
	damaged, keyAfterDamage bool
	gop                     passedGOP
	verifier                *Decoder

	// logs is where the log lines of fc and dec go; fcAt and decAt are
	// their addresses there.
	logs        contextLog
	fcAt, decAt uintptr

	// decode mode
	dec    *astiav.CodecContext
	frame  *astiav.Frame
	scale  *scaler
	turns  int              // clockwise quarter turns of every picture
	turned *media.FramePool // the turned pictures, when turns > 0
	deint  deinterlacer     // WithReaderDeinterlace's
	fed    bool             // the decoder was sent end of stream
	// rawStream: the stream is of raw pictures (a raw input, or raw video
	// in a container); rawSize is the bytes of one, once known, else 0.
	// raw reads a raw input's pictures (rawinput.go).
	rawStream bool
	rawSize   int
	raw       *rawPictures
	// damage: strict, which packets' pictures are left out after damage.
	damage damageSpans
	// failing counts the decoder's errors in a row with neither a picture
	// nor a packet sent between them.
	failing int
	// smear: concealing, which pictures carry a concealed one's smear.
	smear smear

	// passthrough mode
	jpeg       bool // the stream is MJPEG: each packet is a JPEG picture
	avccLength int  // NAL length size of AVCC input, 0 for Annex B
	params     h264.ParamSets
	gopStart   uint64
	keyframes  keyframeWatch // says when keyframes are missing (passthrough.go)
	epoch      uint64
	// width and height of the current GOP's pictures, from the SPS in
	// front of its IDR
	width, height int
	// order places a raw H.264 stream's access units in output order (it
	// has no timestamps); held are the packets waiting for their place,
	// in decode order. order is nil for other inputs.
	order        *h264.AccessUnitOrder
	rateKnown    bool // the rate is the SPS's timing, or was looked for there
	held         []*media.Packet
	orderFlushed bool

	stats ReadStats // what was skipped, but for the timeline's repairs

	// hls is the live HLS playlist read, nil for other inputs;
	// playlistHeader the header of the Reader's own requests of it.
	hls            *liveHLS
	playlistHeader http.Header

	// rtp is the session of an rtp:// location, nil for other inputs
	// (rtpsession.go).
	rtp *rtpSession
	// session is the probe of an .sdp file's RTP stream, nil for other
	// inputs (sdpinput.go).
	session *sessionProbe
	// join mends the H.264 pictures an RTP input's parser cut, nil for
	// other inputs (reader_slices.go).
	join *packetJoin
	// loss notices the picture a live stream's loss ended (streamloss.go).
	loss streamLoss
	// pipe reads a pipe or FIFO input for FFmpeg, nil for other inputs.
	pipe *pipeInput

	// The goroutine that interrupts FFmpeg's I/O when the stop of WithStop
	// closes; Close ends it.
	closed      chan struct{}
	interrupter sync.WaitGroup
	// interrupt ends FFmpeg's blocking calls on fc; nil when nothing
	// interrupts them.
	interrupt astiav.IOInterrupter
	// opening is where the opening is, against its deadline (openLimit):
	// opening, openDone or openExpired.
	opening atomic.Int32
}

var registerDevices sync.Once

// tearsDown reports whether closing the input at url ends a session with
// its server (RTSP's TEARDOWN), which a stop's interrupt must not cut.
func tearsDown(url string) bool {
	scheme, _, _ := strings.Cut(strings.ToLower(url), "://")
	return scheme == "rtsp" || scheme == "rtsps"
}

// OpenReader opens url and finds its first video stream, or the one of
// WithVideoStream.
func OpenReader(url string, opts ...ReaderOption) (*Reader, error) {
	cfg := readerConfig{format: media.YUV420P, ioTimeout: DefaultIOTimeout, now: time.Now, autorotate: true, squarePixels: true}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	registerDevices.Do(astiav.RegisterAllDevices)
	for try := 1; ; try++ {
		r := &Reader{url: url, shown: credentials.Redact(url), cfg: cfg, epoch: media.NewEpoch(), dataEnd: -1}
		r.deint.mode = cfg.deinterlace
		if cfg.log != nil {
			r.logs.set(*cfg.log)
		}
		r.logs.group = cfg.logRepeats
		err := r.open()
		if err == nil {
			return r, nil
		}
		r.Close()
		if !errors.Is(err, errReceiverPairTaken) || try == receiverPairTries {
			return nil, err
		}
		if log := r.logger(); log != nil { // rtppair.go
			log.Warn().Str("location", r.shown).Err(err).Msg("FFmpeg's receiver's loopback port was taken as it opened: opening again with another pair")
		}
	}
}

// Info describes the stream being read.
func (r *Reader) Info() StreamInfo { return r.info }

// Stats returns what the reader has skipped or repaired so far.
func (r *Reader) Stats() ReadStats {
	st := r.stats
	st.RepairedTimestamps = r.times.repaired
	st.OtherStreams += r.rtpOthers() // an rtp:// port's other senders
	return st
}

// readVideoPacket reads the next packet of the video stream into r.pkt,
// or returns io.EOF at the input's end (a multipart JPEG file's closing
// boundary included: see closedMultipart) and once the stop of WithStop
// has closed: a packet read then may be one the interrupt cut short (an
// MPEG-TS demuxer hands on what it holds of a picture when its read
// fails), which is no damage of the input.
func (r *Reader) readVideoPacket() error {
	for {
		began := time.Now() // a wait, not the stream's time: not WithClock's
		err := r.demuxing(r.readFrame)
		r.readTook += time.Since(began)
		if r.stopped() {
			r.pkt.Unref()
			return io.EOF
		}
		if err != nil {
			if errors.Is(err, astiav.ErrEof) || r.closedMultipart(err) {
				return io.EOF
			}
			hint := ""
			if f := r.fc.InputFormat(); r.pipe != nil && errors.Is(err, astiav.ErrInvaliddata) && f != nil && strings.HasPrefix(f.Name(), "mov,") {
				hint = pipedMP4Hint
			}
			return fmt.Errorf("ffmpeg: reading %q: %w%s", r.shown, err, hint)
		}
		if r.pkt.StreamIndex() == r.stream.Index() {
			if r.leaveOutLost() {
				r.pkt.Unref()
				continue
			}
			if err := r.watchRTP(); err != nil {
				r.pkt.Unref()
				return err
			}
			if r.cutPending { // the refused packet was not the file's last
				r.stats.Undecodable++
				r.cutPending = false
			}
			r.times.packetRead(r.pkt.Pts(), r.pkt.Dts())
			r.dataEnd = -1
			if pos := r.pkt.Pos(); pos >= 0 {
				r.dataEnd = pos + int64(r.pkt.Size())
			}
			return nil
		}
		r.stats.OtherStreams++
		r.pkt.Unref()
	}
}

// readFrame reads the input's next packet into r.pkt.
func (r *Reader) readFrame() error {
	if r.join != nil {
		return r.readJoined()
	}
	if r.raw != nil {
		return r.raw.read(r.pkt)
	}
	return r.readDemuxed()
}

// waitingForKeyframe reports whether a packet, a keyframe when key, comes
// before the stream's first keyframe, and counts it BeforeKeyframe. A
// stream joined part-way (a live camera over UDP, a file cut inside a GOP)
// starts with packets that refer to pictures never read: nothing can
// decode them, and they are not damage. They are not sent to the decoder,
// which would refuse them or make up pictures of them.
func (r *Reader) waitingForKeyframe(key bool) bool {
	r.seenKey = r.seenKey || key
	if r.seenKey {
		return false
	}
	r.stats.BeforeKeyframe++
	return true
}

// ReadTook returns how long the demuxer took to read the packets that the
// last ReadFrame or ReadPacket read, waiting for its input: a live stream
// read as soon as it comes waits for each picture, one read from a backlog
// (its chain slower than its camera) hardly at all.
func (r *Reader) ReadTook() time.Duration { return r.readTook }

// Close frees the reader's FFmpeg objects.
func (r *Reader) Close() error {
	if r.closed != nil {
		close(r.closed)
		r.interrupter.Wait()
		r.closed = nil
	}
	if r.frame != nil {
		r.frame.Free()
		r.frame = nil
	}
	if r.dec != nil {
		r.dec.Free()
		r.dec = nil
		r.logs.unbind(r.decAt)
	}
	if r.scale != nil {
		r.scale.close()
		r.scale = nil
	}
	if r.verifier != nil {
		r.verifier.Close()
		r.verifier = nil
	}
	if r.pkt != nil {
		r.pkt.Free()
		r.pkt = nil
	}
	r.closeRTP()
	if r.raw != nil {
		r.raw.close()
		r.raw = nil
	}
	if r.join != nil {
		r.join.close()
		r.join = nil
	}
	if r.fc != nil {
		if r.interrupt != nil && tearsDown(r.url) {
			// A stop's interrupt would fail the TEARDOWN that closing an
			// RTSP session sends: a camera that allows few sessions
			// would keep this one until its own timeout (60 s).
			r.interrupt.Resume()
		}
		r.fc.CloseInput()
		r.fc.Free()
		r.fc = nil
		r.logs.unbind(r.fcAt)
	}
	if r.pipe != nil { // after fc, which reads through it
		r.pipe.close()
		r.pipe = nil
	}
	return nil
}
