package ffmpeg

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
)

type readerConfig struct {
	inputFormat  string
	inputOptions map[string]string
	width        int
	height       int
	format       media.PixelFormat
	passthrough  bool
	threads      int
	ioTimeout    time.Duration
	frameRate    float64
	now          func() time.Time
}

// WithClock sets the clock whose time at opening the stream's first
// picture is stamped with (default time.Now); the Reader reads it only then.
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
// a camera that goes silent ends the read with an error instead of hanging
// the source.
//
// It is shorter than pipeline.DefaultStopTimeout, so that a source stuck in a
// silent read still stops within the pipeline's stop budget.
const DefaultIOTimeout = 3 * time.Second

// WithIOTimeout sets how long a read from a network URL (rtsp://, http://,
// tcp://, udp://, ...) may wait for data before it fails; 0 waits for ever.
// This includes the open: a udp:// source whose sender has not started
// within d fails too. Files and devices are not affected. An explicit FFmpeg
// option (timeout for RTSP, RTP, UDP and SRT, rw_timeout for the others) in
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

// StreamInfo describes the video stream a Reader reads.
type StreamInfo struct {
	// Codec is FFmpeg's name of the stream's codec ("h264", "mpeg4", ...).
	Codec string
	// Width and Height are the stream's own size, before any scaling.
	Width, Height int
	// FrameRate is the stream's average frame rate, 0 when unknown. For a
	// raw H.264 stream it is the rate of its SPS's VUI timing, else the
	// one of WithAssumedFrameRate.
	FrameRate float64
	// Duration is the stream's length, 0 when unknown (live inputs).
	Duration time.Duration
}

// Reader reads one video stream of anything FFmpeg opens: a file, a V4L2
// camera (WithInputFormat("v4l2") and a /dev/video path), or a network URL.
//
// In decode mode (the default) ReadFrame returns decoded, scaled Frames. In
// passthrough mode ReadPacket returns the stream's H.264 access units in
// Annex B with SPS and PPS in front of every IDR (packets before the first
// IDR are skipped, since nothing can decode them), or an MJPEG stream's
// pictures as JPEG packets.
//
// Capture times are on the stream's own timeline: the moment of opening
// plus each picture's presentation time (FFmpeg's best-effort timestamp for
// decoded pictures), with missing timestamps filled from the frame rate,
// never read from the wall clock. Decoded Frames come in presentation order
// with growing capture times; passed-through Packets keep decode order and
// carry their composition offset (media.Packet.CompositionOffset). A
// Reader is not safe for concurrent use. Close frees its FFmpeg objects.
type Reader struct {
	url  string
	cfg  readerConfig
	info StreamInfo

	fc       *astiav.FormatContext
	stream   *astiav.Stream
	timeBase astiav.Rational
	pkt      *astiav.Packet
	times    timeline
	seq      uint64

	// decode mode
	dec   *astiav.CodecContext
	frame *astiav.Frame
	scale *scaler
	fed   bool // the decoder was sent end of stream

	// passthrough mode
	jpeg       bool // the stream is MJPEG: each packet is a JPEG picture
	avccLength int  // NAL length size of AVCC input, 0 for Annex B
	params     h264.ParamSets
	gopStart   uint64
	seenKey    bool
	epoch      uint64
	skipped    int
}

var registerDevices sync.Once

// OpenReader opens url and finds its first video stream.
func OpenReader(url string, opts ...ReaderOption) (*Reader, error) {
	cfg := readerConfig{format: media.YUV420P, ioTimeout: DefaultIOTimeout, now: time.Now}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	registerDevices.Do(astiav.RegisterAllDevices)
	r := &Reader{url: url, cfg: cfg, epoch: media.NewEpoch()}
	if err := r.open(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *Reader) open() error {
	var inFmt *astiav.InputFormat
	if r.cfg.inputFormat != "" {
		if inFmt = astiav.FindInputFormat(r.cfg.inputFormat); inFmt == nil {
			return fmt.Errorf("%w %q: unknown input format %q", ErrOpen, r.url, r.cfg.inputFormat)
		}
	}
	options := r.cfg.inputOptions
	if name := ioTimeoutOption(r.url); name != "" && r.cfg.ioTimeout > 0 && options[name] == "" {
		options = maps.Clone(options)
		if options == nil {
			options = map[string]string{}
		}
		options[name] = strconv.FormatInt(r.cfg.ioTimeout.Microseconds(), 10)
	}
	var dict *astiav.Dictionary
	if len(options) > 0 {
		dict = astiav.NewDictionary()
		defer dict.Free()
		for k, v := range options {
			if err := dict.Set(k, v, 0); err != nil {
				return fmt.Errorf("%w %q: option %s=%s: %w", ErrOpen, r.url, k, v, err)
			}
		}
	}
	if r.fc = astiav.AllocFormatContext(); r.fc == nil {
		return fmt.Errorf("%w %q: allocating format context failed", ErrOpen, r.url)
	}
	if err := r.fc.OpenInput(r.url, inFmt, dict); err != nil {
		r.fc.Free() // avformat_open_input frees the context on failure; Free on nil is safe
		r.fc = nil
		return fmt.Errorf("%w %q: %w", ErrOpen, r.url, err)
	}
	if err := r.fc.FindStreamInfo(nil); err != nil {
		return fmt.Errorf("%w %q: reading stream info: %w", ErrOpen, r.url, err)
	}
	for _, s := range r.fc.Streams() {
		if s.CodecParameters().MediaType() == astiav.MediaTypeVideo {
			r.stream = s
			break
		}
	}
	if r.stream == nil {
		return fmt.Errorf("%w in %q", ErrNoVideoStream, r.url)
	}
	par := r.stream.CodecParameters()
	r.timeBase = r.stream.TimeBase()
	r.info = StreamInfo{Codec: par.CodecID().Name(), Width: par.Width(), Height: par.Height()}
	r.info.FrameRate = r.frameRate(par)
	if d := r.stream.Duration(); d > 0 && r.timeBase.Den() > 0 {
		r.info.Duration = time.Duration(float64(d) * r.timeBase.Float64() * float64(time.Second))
	} else if d := r.fc.Duration(); d > 0 {
		r.info.Duration = time.Duration(d) * time.Microsecond // AV_TIME_BASE
	}
	r.pkt = astiav.AllocPacket()
	r.times = newTimeline(r.cfg.now(), r.timeBase.Num(), r.timeBase.Den(), r.info.FrameRate)
	if r.cfg.passthrough {
		return r.openPassthrough(par)
	}
	return r.openDecoder(par)
}

func (r *Reader) openDecoder(par *astiav.CodecParameters) error {
	codec := astiav.FindDecoder(par.CodecID())
	if codec == nil {
		return fmt.Errorf("%w: %s decoder for %q", ErrCodecNotFound, r.info.Codec, r.url)
	}
	if r.dec = astiav.AllocCodecContext(codec); r.dec == nil {
		return fmt.Errorf("ffmpeg: allocating %s decoder for %q failed", r.info.Codec, r.url)
	}
	if err := par.ToCodecContext(r.dec); err != nil {
		return fmt.Errorf("ffmpeg: %s decoder parameters for %q: %w", r.info.Codec, r.url, err)
	}
	r.dec.SetThreadCount(r.cfg.threads)
	if err := r.dec.Open(codec, nil); err != nil {
		return fmt.Errorf("ffmpeg: opening %s decoder for %q: %w", r.info.Codec, r.url, err)
	}
	r.frame = astiav.AllocFrame()
	var err error
	r.scale, err = newScaler(r.cfg.width, r.cfg.height, r.cfg.format)
	return err
}

func (r *Reader) openPassthrough(par *astiav.CodecParameters) error {
	switch par.CodecID() {
	case astiav.CodecIDMjpeg:
		r.jpeg = true
		return nil
	case astiav.CodecIDH264:
	default:
		return fmt.Errorf("%w: %q has %s video; passthrough takes H.264 or MJPEG (decode it instead)", ErrNotH264, r.url, r.info.Codec)
	}
	extra := par.ExtraData()
	switch {
	case len(extra) > 0 && extra[0] == 1: // avcC: an MP4/MKV-style stream
		cfg, err := h264.ParseDecoderConfig(extra)
		if err != nil {
			return fmt.Errorf("ffmpeg: %q: H.264 decoder configuration: %w", r.url, err)
		}
		r.avccLength = cfg.LengthSize
		r.params.Update(append(append([][]byte{}, cfg.SPS...), cfg.PPS...))
	case len(extra) > 0:
		if nalus, err := h264.SplitAnnexB(extra); err == nil {
			r.params.Update(nalus)
		}
	}
	return nil
}

// Info describes the stream being read.
func (r *Reader) Info() StreamInfo { return r.info }

// Skipped returns how many passthrough packets were dropped because they
// came before the first IDR or could not be parsed.
func (r *Reader) Skipped() int { return r.skipped }

// frameRate returns the stream's frame rate: for a raw H.264 stream, which
// has no container to state it, the one its SPS's VUI timing gives, else
// the configured one (WithAssumedFrameRate, AssumedFrameRate); for others the
// container's average rate, else its base rate, else 0.
func (r *Reader) frameRate(par *astiav.CodecParameters) float64 {
	if f := r.fc.InputFormat(); f != nil && f.Name() == "h264" {
		if rate, ok := vuiFrameRate(par.ExtraData()); ok {
			return rate
		}
		if r.cfg.frameRate > 0 {
			return r.cfg.frameRate
		}
		return AssumedFrameRate
	}
	for _, fr := range []astiav.Rational{r.stream.AvgFrameRate(), r.stream.RFrameRate()} {
		if fr.Num() > 0 && fr.Den() > 0 {
			return fr.Float64()
		}
	}
	return 0
}

// vuiFrameRate returns the frame rate of the VUI timing of the first SPS in
// Annex B parameter sets.
func vuiFrameRate(annexB []byte) (float64, bool) {
	nalus, err := h264.SplitAnnexB(annexB)
	if err != nil {
		return 0, false
	}
	for _, n := range nalus {
		if h264.TypeOf(n) != h264.NALUTypeSPS {
			continue
		}
		if sps, err := h264.ParseSPS(n); err == nil && sps.VUI != nil {
			return sps.VUI.FrameRate()
		}
		return 0, false
	}
	return 0, false
}

// readVideoPacket reads the next packet of the video stream into r.pkt.
func (r *Reader) readVideoPacket() error {
	for {
		if err := r.fc.ReadFrame(r.pkt); err != nil {
			if errors.Is(err, astiav.ErrEof) {
				return io.EOF
			}
			return fmt.Errorf("ffmpeg: reading %q: %w", r.url, err)
		}
		if r.pkt.StreamIndex() == r.stream.Index() {
			return nil
		}
		r.pkt.Unref()
	}
}

// ReadFrame returns the next decoded picture, or io.EOF at the end of the
// stream. Damaged packets inside a file are skipped, as ffmpeg does.
func (r *Reader) ReadFrame() (*media.Frame, error) {
	if r.dec == nil {
		return nil, errors.New("ffmpeg: ReadFrame on a passthrough reader (use ReadPacket)")
	}
	for {
		err := r.dec.ReceiveFrame(r.frame)
		switch {
		case err == nil:
			ts := bestEffortTimestamp(r.frame)
			f, err := r.scale.convert(r.frame)
			r.frame.Unref()
			if err != nil {
				return nil, fmt.Errorf("ffmpeg: %q: %w", r.url, err)
			}
			f.Seq = r.seq
			r.seq++
			f.CaptureTime = r.times.picture(ts)
			return f, nil
		case errors.Is(err, astiav.ErrEof):
			return nil, io.EOF
		case !errors.Is(err, astiav.ErrEagain):
			return nil, fmt.Errorf("ffmpeg: decoding %q: %w", r.url, err)
		}
		if r.fed {
			return nil, io.EOF
		}
		err = r.readVideoPacket()
		if err == io.EOF {
			r.fed = true
			if err := r.dec.SendPacket(nil); err != nil && !errors.Is(err, astiav.ErrEof) {
				return nil, fmt.Errorf("ffmpeg: flushing decoder of %q: %w", r.url, err)
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		err = r.dec.SendPacket(r.pkt)
		r.pkt.Unref()
		if err != nil && !errors.Is(err, astiav.ErrInvaliddata) {
			return nil, fmt.Errorf("ffmpeg: decoding %q: %w", r.url, err)
		}
	}
}

// ReadPacket returns the next H.264 access unit or JPEG picture in
// passthrough mode, or io.EOF at the end of the stream.
func (r *Reader) ReadPacket() (*media.Packet, error) {
	if !r.cfg.passthrough {
		return nil, errors.New("ffmpeg: ReadPacket on a decoding reader (open it WithPassthrough)")
	}
	for {
		if err := r.readVideoPacket(); err != nil {
			return nil, err
		}
		data, pts, dts := r.pkt.Data(), r.pkt.Pts(), r.pkt.Dts()
		r.pkt.Unref()
		var p *media.Packet
		var err error
		if r.jpeg {
			p = r.jpegPacket(data)
		} else {
			p, err = r.accessUnit(data)
		}
		if err != nil || p == nil {
			r.skipped++
			continue
		}
		p.CaptureTime, p.CompositionOffset = r.times.packet(pts, dts)
		return p, nil
	}
}

// accessUnit turns one demuxed packet, which it may keep, into a gopline
// Packet, or nil while waiting for the first IDR. Annex B input that needs
// no parameter sets added keeps its bytes as they are.
func (r *Reader) accessUnit(data []byte) (*media.Packet, error) {
	var nalus [][]byte
	var err error
	if r.avccLength > 0 {
		nalus, err = h264.SplitAVCC(data, r.avccLength)
	} else {
		nalus, err = h264.SplitAnnexB(data)
	}
	if err != nil {
		return nil, err
	}
	r.params.Update(nalus)
	key := h264.IsRandomAccess(nalus)
	if !key && !r.seenKey {
		return nil, nil
	}
	fixed, err := r.params.Prepend(nalus)
	if err != nil {
		return nil, err
	}
	if r.avccLength > 0 || len(fixed) != len(nalus) {
		data = h264.JoinAnnexB(fixed)
	}
	if key {
		r.seenKey, r.gopStart = true, r.seq
	}
	p := &media.Packet{
		Codec: media.H264, Data: data, Key: key,
		Seq: r.seq, GOP: r.gopStart, Epoch: r.epoch,
		Width: r.info.Width, Height: r.info.Height,
	}
	r.seq++
	return p, nil
}

// jpegPacket turns one demuxed MJPEG packet, which it keeps, into a JPEG
// Packet: every one is a keyframe.
func (r *Reader) jpegPacket(data []byte) *media.Packet {
	if len(data) == 0 {
		return nil
	}
	p := &media.Packet{
		Codec: media.JPEG, Data: data, Key: true,
		Seq: r.seq, GOP: r.seq, Epoch: r.epoch,
		Width: r.info.Width, Height: r.info.Height,
	}
	r.seq++
	return p
}

// Close frees the reader's FFmpeg objects.
func (r *Reader) Close() error {
	if r.frame != nil {
		r.frame.Free()
		r.frame = nil
	}
	if r.dec != nil {
		r.dec.Free()
		r.dec = nil
	}
	if r.scale != nil {
		r.scale.close()
		r.scale = nil
	}
	if r.pkt != nil {
		r.pkt.Free()
		r.pkt = nil
	}
	if r.fc != nil {
		r.fc.CloseInput()
		r.fc.Free()
		r.fc = nil
	}
	return nil
}
