package elements

import (
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/backoff"
	"github.com/gopline/gopline/internal/credentials"
	"github.com/gopline/gopline/internal/lograte"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// VideoSrcConfig configures a video source. DefaultVideoSrcConfig has the
// defaults; a field left at zero takes its default where zero is not a
// value it accepts (Format).
type VideoSrcConfig struct {
	// Location is a file path, a device (/dev/video0 with InputFormat
	// "v4l2") or a URL (rtsp://...).
	Location    string
	InputFormat string
	// InputOptions are demuxer, device or protocol options (video_size,
	// framerate, protocol_whitelist...). An .sdp Location (RTP described by
	// a session file, as ffmpeg -sdp_file writes) gets sdpProtocols as its
	// protocol_whitelist unless they give one.
	InputOptions map[string]string
	// Passthrough hands out the stream's own H.264 access units, or the
	// JPEG pictures of an MJPEG stream, as packets instead of decoded
	// frames. Other codecs (HEVC, say) fail at once, a network stream too,
	// whatever Retries says: decode them instead, and encode the frames
	// again (h264enc) to record or send them. H.264 that browsers do not
	// decode (not 8-bit 4:2:0 Baseline, Main or High) is warned of once,
	// naming its format, and recorded as it is. Packets are as coded: a stream
	// meant to be shown turned (its display matrix) is warned of, since
	// neither they nor a recording of them keep the turn.
	Passthrough bool
	// Autorotate turns decoded frames upright as the stream's display
	// matrix asks (a phone's clip, a camera mounted on its side), by 90,
	// 180 or 270 degrees, as ffmpeg's -autorotate. DefaultVideoSrcConfig
	// and the one-line syntax set it; a config written from scratch with
	// it false keeps the pictures as coded. Other angles and mirrored
	// pictures are warned of and left as coded.
	Autorotate bool
	// SquarePixels scales decoded frames of a stream whose pixels are not
	// square (a PAL DV camera's or DVD's 720x576 at 16:15 or 64:45) to
	// square pixels, as players show them (768x576, 1024x576), unless
	// Width and Height give the size. DefaultVideoSrcConfig and the
	// one-line syntax set it; false keeps the coded size, the frames
	// saying the aspect of their pixels, which h264enc writes into its
	// stream for players to show them in their shape.
	SquarePixels bool
	// Deinterlace says which decoded frames are deinterlaced: "auto" (or
	// empty) those the stream flags as interlaced (a broadcast or dashcam
	// clip coded in fields, an analog camera's encoder), "all" every one
	// (a capture of interlaced video that does not say so), "off" none
	// (both fields woven, as ffmpeg without a filter). The field shown
	// first is kept and the other rebuilt from it, with no frame held
	// back (see ffmpeg.Deinterlace).
	Deinterlace string
	// Stream is the video stream read, counted from 0 among the input's
	// video streams, as ffmpeg's -map 0:v:N: a camera's or a file's second
	// video stream is 1. The default, 0, is the first.
	Stream int
	// Width and Height scale decoded frames (0: the stream's size).
	Width, Height int
	// Format is the frames' pixel format.
	Format media.PixelFormat
	// Live paces a file at its own frame rate; cameras and network streams
	// pace themselves.
	Live bool
	// Rate is the frame rate of a raw H.264 file whose SPS states none
	// (0: ffmpeg.AssumedFrameRate, as ffprobe assumes).
	Rate float64
	// IOTimeout bounds how long a read from a network URL, or the RTP
	// stream of an .sdp file, waits for data before the stream fails, and
	// an opening of a server's stream takes ffmpeg.OpenTimeouts times it
	// at most (a server that answers a byte at a time); 0 waits for ever.
	// The default is ffmpeg.DefaultIOTimeout.
	IOTimeout time.Duration
	// Retries is how many times a network stream that dropped, ended or is
	// down at start, or a camera (V4L2) that dropped, is opened again, with
	// waits from 250 ms doubling up to 5 s (backoff.Forever, the default:
	// for ever; 0: it fails at once). Each reopened stream has a new Epoch.
	// A camera that is not there, not this user's or busy at start fails at
	// once (ffmpeg.ErrCameraUnavailable); once it streamed, it is waited
	// for at its path. Files are not retried, nor a recording over the
	// network (an input with a duration
	// or a size, as an HTTP server's Content-Length) once open: its end
	// ends the source, and a failure part-way is an error, since reopening
	// would repeat it from its beginning.
	Retries int
	// Conceal makes a decoding source hand on the pictures FFmpeg
	// concealed after damage, marked media.Frame.Concealed, instead of
	// leaving pictures out until the next keyframe (the default, as
	// h264dec). Either way the damage is counted in the node's stats and
	// warned of. Passthrough ignores it.
	Conceal bool
	// RTPPayload and RTPEncoding say what an rtp://IP:PORT location
	// carries, which RTP itself does not: the sender's payload type (0:
	// ffmpeg.DefaultRTPPayload, or 26 for JPEG, as GStreamer's payloaders
	// use) and encoding, "H264" (the default, as "" is), "H265" or "JPEG".
	// Other locations ignore them.
	RTPPayload  int
	RTPEncoding string
	// Threads are the decoder's threads (ffmpeg.WithReaderThreads): 0 or
	// 1 (the default) is one thread, which finds all damage; more, or -1
	// for FFmpeg's choice, decode a heavy stream faster, a picture of
	// latency a thread, damage found later. Passthrough ignores it.
	Threads int
	// Clock is where a network camera's capture times come from: "arrival"
	// ("", the default), this machine's clock when its pictures come,
	// spaced by their RTP times; "camera", the camera's own clock as its
	// RTCP sender reports give it (rtsp.WithCameraClock), for an rtsp://
	// camera read by gopline's RTSP reader.
	Clock string
	// Fingerprint pins an rtsps:// camera's certificate by its SHA-256, in
	// hex (rtsp.WithFingerprint); "" takes any, as cameras make their own.
	Fingerprint string
}

var videoSrcSpec = pipeline.ElementSpec[VideoSrcConfig]{
	Name: "videosrc", Summary: "video file, V4L2 camera or network stream (FFmpeg; H.264 over RTSP and RTP in Go)", Out: "raw frames, or h264 or jpeg packets with passthrough=true",
	Doc: videoSrcDoc, // videosrcdoc.go
	Fields: []pipeline.Field[VideoSrcConfig]{
		pipeline.StringField("location", "", func(c *VideoSrcConfig) *string { return &c.Location }).Required().
			Doc("file path, device or URL"),
		pipeline.IntField("stream", 0, func(c *VideoSrcConfig) *int { return &c.Stream }).Range(0, 1<<16).
			Doc("the video stream to read, from 0 among the input's video streams, as ffmpeg -map 0:v:N (a second video stream: stream=1); one past the last is an error saying how many there are"),
		pipeline.BoolField("passthrough", false, func(c *VideoSrcConfig) *bool { return &c.Passthrough }).
			Doc("hand on H.264 (or MJPEG's JPEG) packets instead of decoding; another codec (HEVC) fails at once, never retried"),
		pipeline.BoolField("autorotate", true, func(c *VideoSrcConfig) *bool { return &c.Autorotate }).
			Doc("turn decoded frames upright as the stream's display matrix asks, by quarter turns, as ffmpeg -autorotate"),
		pipeline.BoolField("square-pixels", true, func(c *VideoSrcConfig) *bool { return &c.SquarePixels }).
			Doc("scale decoded frames of a stream whose pixels are not square (a PAL camera's 720x576 at 64:45) to square pixels, as players show them (1024x576); false keeps the coded size, and h264enc writes the aspect into its stream for players"),
		pipeline.EnumField("deinterlace", "auto", ffmpeg.DeinterlaceModes, func(c *VideoSrcConfig) *string { return &c.Deinterlace }).
			Doc("deinterlace decoded frames: auto those the stream flags as interlaced (a broadcast or dashcam clip, an analog camera), all every one (an interlaced capture that does not say so), off none; the first field is kept and the other rebuilt from it, with no frame held back"),
		pipeline.SizeField("size", 0, 0, func(c *VideoSrcConfig) (*int, *int) { return &c.Width, &c.Height }).
			Doc("scale decoded frames to WIDTHxHEIGHT, after any autorotation (default: the stream's size)"),
		formatField(func(c *VideoSrcConfig) *media.PixelFormat { return &c.Format }),
		pipeline.StringField("input-format", "", func(c *VideoSrcConfig) *string { return &c.InputFormat }).
			Doc("FFmpeg demuxer or device, e.g. v4l2 (default: probe)"),
		pipeline.TextField("options", "", keyValues, formatKeyValues, func(c *VideoSrcConfig) *map[string]string { return &c.InputOptions }).
			Doc("demuxer, device or protocol options key=value,key=value (e.g. video_size=1280x720,framerate=30); a comma followed by a part without = continues the value (protocol_whitelist=file,udp,rtp), and \\, is a comma in the value whatever follows it (graph=testsrc2=size=64x48\\,scale=w=32:h=24), \\\\ a backslash before a comma; one the input does not have is an error; an .sdp location gets protocol_whitelist=" + sdpProtocols + " unless given"),
		pipeline.BoolField("is-live", false, func(c *VideoSrcConfig) *bool { return &c.Live }).
			Doc("pace a file at its own frame rate"),
		pipeline.FloatField("rate", ffmpeg.AssumedFrameRate, func(c *VideoSrcConfig) *float64 { return &c.Rate }).Range(0.001, 1000).Unit(pipeline.UnitFrameRate).
			Doc("frame rate of a raw H.264 file whose SPS states none (others keep their own, and a rate= given for one is warned of)"),
		pipeline.DurationField("timeout", ffmpeg.DefaultIOTimeout, func(c *VideoSrcConfig) *time.Duration { return &c.IOTimeout }).
			DurationRange(0, time.Hour).Doc("a network stream (or an .sdp file's RTP) that sends nothing for this long fails (an RTSP camera's H.264, or an rtp:// port's, for this long beyond its picture interval: a camera of a picture every 5 s is not lost between two), one whose server has not opened it in " + strconv.Itoa(ffmpeg.OpenTimeouts) + " times this (answering a byte at a time) too, and is tried again; a live HLS playlist that gets no new segment for this long plus 3 target durations too (0s: wait for ever)"),
		pipeline.IntField("retries", backoff.Forever, func(c *VideoSrcConfig) *int { return &c.Retries }).Range(backoff.Forever, 1e9).
			Doc("times to reopen a network stream that dropped or is down, or a camera that dropped (-1: for ever, 0: fail at once); a recording (known duration or size) is only waited for at start"),
		pipeline.BoolField("conceal", false, func(c *VideoSrcConfig) *bool { return &c.Conceal }).
			Doc("conceal damage (a smeared picture, marked concealed) instead of leaving pictures out until the next keyframe"),
		pipeline.IntField("payload", 0, func(c *VideoSrcConfig) *int { return &c.RTPPayload }).Range(0, 127).
			Doc("RTP payload type of an rtp://IP:PORT location, the sender's pt= (0: 96, or 26 for encoding=JPEG, as GStreamer's payloaders send)"),
		pipeline.EnumField("encoding", "H264", []string{"H264", "H265", "JPEG"}, func(c *VideoSrcConfig) *string { return &c.RTPEncoding }).
			Doc("what an rtp://IP:PORT location carries (rtph264pay, rtph265pay, rtpjpegpay): received without an SDP file"),
		pipeline.IntField("threads", 1, func(c *VideoSrcConfig) *int { return &c.Threads }).Range(-1, 64).
			Doc("decoder threads: 1 finds all damage; more, or -1 for FFmpeg's choice, decode heavy streams (4K) faster, a picture of latency a thread, damage found later"),
		pipeline.StringField("fingerprint", "", func(c *VideoSrcConfig) *string { return &c.Fingerprint }).
			Doc("an rtsps:// camera's certificate, pinned: its SHA-256 in hex (64 digits, colons taken), as mediamtx's sourceFingerprint; another certificate is refused (default: any, as cameras make their own)"),
		pipeline.EnumField("clock", "arrival", []string{"arrival", "camera"}, func(c *VideoSrcConfig) *string { return &c.Clock }).
			Doc("an rtsp:// camera's capture times: arrival (when its pictures come, spaced as the camera spaced them) or camera (the camera's own clock, from its RTCP sender reports: cameras kept in step by NTP or PTP line up with each other and other sensors; the stream begins at the first keyframe after the first report)"),
	},
	New: func(cfg VideoSrcConfig) (pipeline.Element, error) {
		if credentials.Malformed(cfg.Location) { // no reader finds its host; a parser's error would quote the password
			return pipeline.Element{}, &pipeline.PropError{Element: "videosrc", Prop: "location",
				Msg: fmt.Sprintf("%s: its password holds an unescaped /, ? or #, which ends the URL's host part early: "+
					"write them %%2F, %%3F and %%23 (and @ as %%40, : as %%3A)", credentials.Redact(cfg.Location))}
		}
		if cfg.Fingerprint != "" && !(readsInGo(cfg) && strings.HasPrefix(strings.ToLower(cfg.Location), "rtsps://")) {
			return pipeline.Element{}, &pipeline.PropError{Element: "videosrc", Prop: "fingerprint",
				Msg: fmt.Sprintf("a certificate is pinned for an rtsps:// camera read by gopline's RTSP reader (without FFmpeg's options); %s is not one",
					credentials.Redact(cfg.Location))}
		}
		if cfg.Clock == "camera" && !(readsInGo(cfg) && isRTSP(cfg.Location)) {
			return pipeline.Element{}, &pipeline.PropError{Element: "videosrc", Prop: "clock",
				Msg: fmt.Sprintf("the camera's clock comes from an rtsp:// camera's RTCP sender reports, read by gopline's RTSP reader "+
					"(over TCP, without FFmpeg's options); %s is not one", credentials.Redact(cfg.Location))}
		}
		if cfg.Passthrough { // H.264, or JPEG of an MJPEG stream
			return pipeline.SourceElement("videosrc", pipeline.Packets(media.CodecUnknown), func() (pipeline.Source[*media.Packet], error) {
				return openSource(cfg, (*ffmpeg.Reader).ReadPacket)
			}), nil
		}
		return pipeline.SourceElement("videosrc", pipeline.Frames, func() (pipeline.Source[*media.Frame], error) {
			return openSource(cfg, (*ffmpeg.Reader).ReadFrame)
		}), nil
	},
}

func (cfg VideoSrcConfig) options() []ffmpeg.ReaderOption {
	opts := []ffmpeg.ReaderOption{ffmpeg.WithPixelFormat(cfg.Format), ffmpeg.WithIOTimeout(cfg.IOTimeout)}
	if cfg.InputFormat != "" {
		opts = append(opts, ffmpeg.WithInputFormat(cfg.InputFormat))
	}
	if options := cfg.inputOptions(); len(options) > 0 {
		opts = append(opts, ffmpeg.WithInputOptions(options))
	}
	if cfg.Stream > 0 {
		opts = append(opts, ffmpeg.WithVideoStream(cfg.Stream))
	}
	if cfg.Width > 0 && cfg.Height > 0 {
		opts = append(opts, ffmpeg.WithSize(cfg.Width, cfg.Height))
	}
	if cfg.Passthrough {
		opts = append(opts, ffmpeg.WithPassthrough())
	}
	if !cfg.Autorotate {
		opts = append(opts, ffmpeg.WithoutAutorotation())
	}
	if !cfg.SquarePixels {
		opts = append(opts, ffmpeg.WithoutSquarePixels())
	}
	if mode, err := ffmpeg.ParseDeinterlace(cfg.Deinterlace); err == nil { // the spec refused any other
		opts = append(opts, ffmpeg.WithReaderDeinterlace(mode))
	}
	if cfg.Rate > 0 {
		opts = append(opts, ffmpeg.WithAssumedFrameRate(cfg.Rate))
	}
	if cfg.Conceal {
		opts = append(opts, ffmpeg.WithDamageConcealed())
	}
	if ffmpeg.IsRTP(cfg.Location) {
		opts = append(opts, ffmpeg.WithRTPSession(cfg.RTPPayload, cfg.RTPEncoding))
	}
	switch {
	case cfg.Threads > 1:
		opts = append(opts, ffmpeg.WithReaderThreads(cfg.Threads))
	case cfg.Threads < 0:
		opts = append(opts, ffmpeg.WithReaderThreads(0))
	}
	return opts
}

// sdpProtocols are the protocols an .sdp file's session is read through:
// FFmpeg reads a file through "file,crypto,data" alone unless told
// otherwise, and refuses the RTP over UDP the file describes ("Protocol
// 'rtp' not on whitelist"), which is why ffmpeg's users give it
// -protocol_whitelist file,udp,rtp.
const sdpProtocols = "file,udp,rtp,crypto,data"

// inputOptions are the options the reader opens the input with: the
// caller's, and sdpProtocols for an .sdp file (ffmpeg.IsSessionFile; not
// one fetched over HTTP, whose protocol the list would leave out) whose
// caller gave none.
func (cfg VideoSrcConfig) inputOptions() map[string]string {
	if !ffmpeg.IsSessionFile(cfg.Location) || cfg.InputOptions["protocol_whitelist"] != "" {
		return cfg.InputOptions
	}
	options := maps.Clone(cfg.InputOptions)
	if options == nil {
		options = map[string]string{}
	}
	options["protocol_whitelist"] = sdpProtocols
	return options
}

// DefaultVideoSrcConfig returns the video source's defaults (Location is
// for the caller).
func DefaultVideoSrcConfig() VideoSrcConfig { return videoSrcSpec.Defaults() }

// VideoSrc is a source of anything FFmpeg reads: decoded frames, or H.264
// or JPEG packets untouched in passthrough mode.
func VideoSrc(cfg VideoSrcConfig) pipeline.Element { return videoSrcSpec.Element(cfg) }

// openSource makes the source of a video source that reads with read: a
// network stream or a camera reconnects (see reconnecting), the rest is
// read once. A
// live HLS playlist opened again resumes after the last segment read
// before (see playlistResume).
func openSource[T interface {
	*media.Frame | *media.Packet
	media.Item
}](cfg VideoSrcConfig, read func(*ffmpeg.Reader) (T, error)) (pipeline.Source[T], error) {
	formats := &browserFormat{}
	if !ffmpeg.IsNetwork(cfg.Location) && !ffmpeg.IsCamera(cfg.Location, cfg.InputFormat) {
		return &delivered[T]{Source: newVideoSrc(cfg, read, nil, formats), location: credentials.Redact(cfg.Location)}, nil
	}
	policy := backoff.DefaultPolicy()
	policy.Retries = cfg.Retries
	if readsInGo(cfg) {
		pace := new(time.Duration) // the camera's, from one opening to the next
		return newReconnecting(credentials.Redact(cfg.Location), policy, func(<-chan struct{}) (pipeline.Source[T], error) {
			return newRTSPSrc(cfg, read, formats, pace), nil
		})
	}
	resume := &playlistResume{}
	open := func(stop <-chan struct{}) (pipeline.Source[T], error) {
		opts := []ffmpeg.ReaderOption{ffmpeg.WithStop(stop)}
		if resume.set {
			opts = append(opts, ffmpeg.WithPlaylistResume(resume.seq))
		}
		return newVideoSrc(cfg, read, resume, formats, opts...), nil
	}
	return newReconnecting(credentials.Redact(cfg.Location), policy, open)
}

// playlistResume carries the last segment read of a live HLS playlist
// (its media sequence number) from one opening of a network source to the
// next, so that a camera that stopped is not taken for back when the
// playlist's last segments are read again (ffmpeg.WithPlaylistResume).
type playlistResume struct {
	seq int64
	set bool
}

// newVideoSrc returns a video source that reads with read, its reader opened
// with opts as it starts, when it has the node's logger for FFmpeg's lines.
// resume, when not nil, is kept up to date with the live playlist read;
// formats, shared by the openings of one source, warns of passed-through
// H.264 that browsers do not decode.
func newVideoSrc[T interface {
	*media.Frame | *media.Packet
	media.Item
}](cfg VideoSrcConfig, read func(*ffmpeg.Reader) (T, error), resume *playlistResume, formats *browserFormat, opts ...ffmpeg.ReaderOption) *videoSrc[T] {
	return &videoSrc[T]{cfg: cfg, opts: opts, read: read, resume: resume, formats: formats, skips: newSkipReport(cfg.Location)}
}

// videoSrc reads frames or, in passthrough mode, packets.
type videoSrc[T interface {
	*media.Frame | *media.Packet
	media.Item
}] struct {
	cfg     VideoSrcConfig
	opts    []ffmpeg.ReaderOption // besides cfg's
	r       *ffmpeg.Reader
	read    func(*ffmpeg.Reader) (T, error)
	resume  *playlistResume // nil: not carried to a next opening
	formats *browserFormat  // of passed-through H.264
	env     *pipeline.Env
	skips   skipReport
	// backlog, of a live stream's decoded pictures, tells when its chain
	// is behind it (newestFrame); behind spaces the warnings of the
	// pictures dropped, and failed is an error reading a newer picture,
	// for the next Next.
	backlog *backlog
	behind  lograte.Limiter
	failed  error
}

// Start opens the reader; FFmpeg's lines about it go to the node's log,
// a line that repeats at each attempt to reopen it held back as the
// node's repeat.
func (s *videoSrc[T]) Start(env *pipeline.Env) error {
	s.env = env
	// Its lines' repeats are counted by the node (its env), over the
	// openings of a camera that went down.
	// The pipeline's stop ends a read that waits (a pipe whose writer
	// stalled); a network source's own stop, in s.opts, comes after it
	// and wins.
	if err := notAVideo(s.cfg); err != nil {
		return err
	}
	if s.cfg.Clock == "camera" { // a camera gopline's RTSP reader handed to FFmpeg's (not H.264, no TCP)
		return fmt.Errorf("%w: clock=camera: %s is read by FFmpeg's reader, which gives no camera times "+
			"(the camera's clock is read from an H.264 camera over TCP by gopline's)", ffmpeg.ErrBadOption, credentials.Redact(s.cfg.Location))
	}
	if s.cfg.Fingerprint != "" { // the same: FFmpeg's TLS would take any certificate
		return fmt.Errorf("%w: fingerprint=: %s is read by FFmpeg's reader, which pins no certificate "+
			"(gopline's reads an H.264 camera over TCP)", ffmpeg.ErrBadOption, credentials.Redact(s.cfg.Location))
	}
	opts := append(append(s.cfg.options(), ffmpeg.WithStop(env.Stopping)), s.opts...)
	opts = append(opts, ffmpeg.WithReaderLogger(env.Log), ffmpeg.WithReaderLogRepeats(env))
	r, err := ffmpeg.OpenReader(s.cfg.Location, opts...)
	if errors.Is(err, ffmpeg.ErrNotH264) {
		return fmt.Errorf("%w: drop passthrough=true, and encode the frames again with h264enc to record or send them", err)
	}
	if err != nil {
		return err
	}
	s.r = r
	s.reportRotation(r.Info().Rotation)
	s.reportAspect(r.Info())
	s.reportHDR(r.Info())
	s.reportInterlace(r.Info())
	s.reportRate(r.Info().FrameRate)
	if !s.cfg.Passthrough && r.Info().Duration == 0 && (ffmpeg.IsNetwork(s.cfg.Location) || ffmpeg.IsCamera(s.cfg.Location, s.cfg.InputFormat)) {
		s.backlog = &backlog{}
		s.behind = lograte.Limiter{Interval: catchUpWarnEvery}
	}
	return nil
}

func (s *videoSrc[T]) Stop() error {
	if s.r == nil {
		return nil
	}
	if seq, ok := s.r.PlaylistEnd(); ok && s.resume != nil {
		s.resume.seq, s.resume.set = seq, true
	}
	return s.r.Close()
}

func (s *videoSrc[T]) Next() (T, time.Time, error) {
	if err := s.failed; err != nil {
		s.failed = nil
		var none T
		return none, time.Time{}, err
	}
	item, err := s.read(s.r)
	if f, ok := any(item).(*media.Frame); ok && err == nil && s.backlog != nil {
		item = any(s.newestFrame(f)).(T)
	}
	s.reportSkipped(err != nil)
	if p, ok := any(item).(*media.Packet); ok && err == nil {
		s.reportFormat(p)
	}
	if err != nil || !s.cfg.Live {
		return item, time.Time{}, err
	}
	return item, captureTime(item), nil
}

// Finite reports whether the input is a recording, unlike a live stream:
// it has a duration, or a size in bytes (a file served over HTTP with its
// Content-Length, whose duration FFmpeg cannot tell without ranges). Its end
// is the end of the stream, not a camera gone away.
func (s *videoSrc[T]) Finite() bool { return s.r.Info().Duration > 0 || s.r.InputSize() > 0 }

// reportSkipped counts in the node's stats what the reader skipped since
// the last call (see skipReport).
func (s *videoSrc[T]) reportSkipped(ended bool) { s.skips.report(s.env, s.r.Stats(), ended) }

// skipReport counts in a node's stats what a source's reader skipped, warns
// of new damage (at most once per damageWarnInterval), and at the end of
// the input says in the log what it skipped in all: a warning when there
// was damage.
type skipReport struct {
	location string           // as messages show it (credentials.Redact)
	reported ffmpeg.ReadStats // what the node's stats have of the reader's
	warnings lograte.Limiter  // of damage
	// ended is what the log says at the end: a file's input ends, a
	// network stream's or a camera's connection, which is opened again.
	ended string
}

func newSkipReport(location string) skipReport {
	k := skipReport{location: credentials.Redact(location), warnings: lograte.Limiter{Interval: damageWarnInterval}, ended: "input ended"}
	if ffmpeg.IsNetwork(location) || ffmpeg.IsCamera(location, "") {
		k.ended = "connection ended"
	}
	return k
}

// report takes the reader's counts st; ended says the input ended.
func (k *skipReport) report(env *pipeline.Env, st ffmpeg.ReadStats, ended bool) {
	if st != k.reported {
		before := k.reported.Reasons()
		for reason, n := range st.Reasons() {
			env.Skipped(reason, n-before[reason])
		}
		if st.Damage() > k.reported.Damage() || st.Concealed > k.reported.Concealed {
			if ok, count := k.warnings.Allow(env.Now()); ok {
				env.Log.Warn().Str("location", k.location).Uint64("since_last_warning", count).
					Str("skipped", st.String()).Msg("damaged input")
			}
		}
		k.reported = st
	}
	if !ended || st == (ffmpeg.ReadStats{}) {
		return
	}
	ev := env.Log.Info()
	if st.Damage() > 0 || st.Concealed > 0 {
		ev = env.Log.Warn()
	}
	ev.Str("location", k.location).Str("skipped", st.String()).Msg(k.ended)
}

// captureTime is when an item is due: a frame at its capture time, a
// packet in decode order.
func captureTime(item media.Item) time.Time {
	switch it := item.(type) {
	case *media.Packet:
		return it.DecodeTime()
	case *media.Frame:
		return it.CaptureTime
	}
	return time.Time{}
}
