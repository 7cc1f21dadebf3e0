package elements

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/codecs/rtsp"
	"github.com/gopline/gopline/internal/lograte"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// readsInGo reports whether a video source reads its location with
// codecs/rtsp, which hands each H.264 picture on at its last RTP packet, a
// frame sooner than FFmpeg's readers: an rtsp:// or rtsps:// URL (its only option
// rtsp_transport=tcp, if any: over UDP, asked for by rtsp_transport=udp or
// udp_multicast, codecs/rtsp's RTSP client holds back what follows a lost
// packet until 64 more came, where FFmpeg's waits at most 100 ms for a
// packet out of order), H.264 sent to an rtp://IP:PORT port, or the
// stream an .sdp file describes, each given none of FFmpeg's own choices
// (input-format=, stream=, conceal=true, which needs the damaged pictures
// FFmpeg's reader keeps, or options FFmpeg's demuxers take). H.265 and
// JPEG ports are FFmpeg's; so is a session or camera of another codec,
// which the source learns only as it opens (rtspSrc).
func readsInGo(cfg VideoSrcConfig) bool {
	if cfg.InputFormat != "" || cfg.Stream != 0 || cfg.Conceal {
		return false
	}
	switch {
	case isRTSP(cfg.Location):
		for k, v := range cfg.InputOptions {
			if k != "rtsp_transport" || !strings.EqualFold(v, "tcp") {
				return false
			}
		}
		return true
	case ffmpeg.IsRTP(cfg.Location):
		return len(cfg.InputOptions) == 0 && (cfg.RTPEncoding == "" || strings.EqualFold(cfg.RTPEncoding, "H264"))
	case ffmpeg.IsSessionFile(cfg.Location):
		return len(cfg.InputOptions) == 0
	}
	return false
}

// isRTSP reports whether location is an RTSP camera's URL: rtsp://, or
// rtsps:// (RTSP over TLS).
func isRTSP(location string) bool {
	l := strings.ToLower(location)
	return strings.HasPrefix(l, "rtsp://") || strings.HasPrefix(l, "rtsps://")
}

// rtspSrc reads an RTSP camera's H.264, or the H.264 an RTP sender sends
// to an rtp:// port, with codecs/rtsp: its packets as
// they come in passthrough, else decoded (ffmpeg.Decoder, scaled to size=
// in format=). A camera of another codec (MJPEG, H.265), one that refuses
// RTP over TCP, and a recording served over RTSP, which ends at its end,
// are read through FFmpeg instead, by a videoSrc it hands everything to.
type rtspSrc[T interface {
	*media.Frame | *media.Packet
	media.Item
}] struct {
	cfg     VideoSrcConfig
	formats *browserFormat
	// viaFFmpeg reads the stream when it is not H.264; read is its read.
	read      func(*ffmpeg.Reader) (T, error)
	viaFFmpeg *videoSrc[T]

	// pace is the camera's picture interval, as its last session knew it
	// (rtsp.Reader.Pace), shared by the source's openings: a camera
	// slower than timeout= lost once before its pace was known keeps its
	// next session.
	pace *time.Duration

	env    *pipeline.Env
	r      *rtsp.Reader
	dec    *ffmpeg.Decoder // decoding only
	frames []*media.Frame  // decoded, not yet handed on
	skips  skipReport
	// decodeDamage counts the packets the decoder refused as damaged, and
	// those after them until a keyframe.
	decodeDamage int
	// behind spaces the warnings of the pictures dropped for newer ones
	// (newestFrame).
	behind lograte.Limiter
	// failed is the error a read met while a newer picture was sought,
	// for the next call.
	failed error
}

func newRTSPSrc[T interface {
	*media.Frame | *media.Packet
	media.Item
}](cfg VideoSrcConfig, read func(*ffmpeg.Reader) (T, error), formats *browserFormat, pace *time.Duration) *rtspSrc[T] {
	return &rtspSrc[T]{cfg: cfg, read: read, formats: formats, pace: pace, skips: newSkipReport(cfg.Location),
		behind: lograte.Limiter{Interval: catchUpWarnEvery}}
}

func (s *rtspSrc[T]) Start(env *pipeline.Env) error {
	s.env = env
	opts := []rtsp.Option{rtsp.WithTimeout(s.cfg.IOTimeout), rtsp.WithStop(env.Stopping), rtsp.WithLogger(env.Log), rtsp.WithClock(env.Now),
		rtsp.WithTransport("tcp"), // readsInGo: a camera's RTP over TCP; for UDP, FFmpeg's reader
		rtsp.WithPace(*s.pace)}
	if s.cfg.Clock == "camera" {
		opts = append(opts, rtsp.WithCameraClock())
	}
	if s.cfg.Fingerprint != "" {
		opts = append(opts, rtsp.WithFingerprint(s.cfg.Fingerprint))
	}
	_, tcpAsked := s.cfg.InputOptions["rtsp_transport"]
	r, err := s.open(opts)
	if errors.Is(err, rtsp.ErrNotH264) || errors.Is(err, rtsp.ErrRecorded) || errors.Is(err, errSessionFIFO) ||
		(errors.Is(err, rtsp.ErrRefusesTCP) && !tcpAsked) {
		env.Log.Info().Str("location", s.skips.location).Msgf("%v: reading it through FFmpeg", err)
		s.viaFFmpeg = newVideoSrc(s.cfg, s.read, nil, s.formats)
		return s.viaFFmpeg.Start(env)
	}
	if err != nil {
		return asFFmpegs(err)
	}
	s.r = r
	if s.cfg.Rate != ffmpeg.AssumedFrameRate { // as videosrc's reportRate says it of other streams
		env.Log.Warn().Str("location", s.skips.location).Msgf("rate=%s is not used for a camera's RTP stream (RTSP, an rtp:// port): its pictures keep the times "+
			"the camera sends, and gopline converts no frame rates; set the rate in the camera's own settings",
			strconv.FormatFloat(s.cfg.Rate, 'g', -1, 64))
	}
	var zero T
	if _, frames := any(zero).(*media.Frame); !frames {
		return nil
	}
	decOpts := []ffmpeg.DecoderOption{ffmpeg.WithOutputFormat(s.cfg.Format), ffmpeg.WithDecoderLogger(env.Log)}
	if s.cfg.Width > 0 && s.cfg.Height > 0 {
		decOpts = append(decOpts, ffmpeg.WithOutputSize(s.cfg.Width, s.cfg.Height))
	}
	if s.cfg.SquarePixels { // as FFmpeg's reader makes them (a D1 camera's 704x576 at 12:11)
		decOpts = append(decOpts, ffmpeg.WithSquarePixels())
	}
	if mode, err := ffmpeg.ParseDeinterlace(s.cfg.Deinterlace); err == nil { // the spec refused any other
		decOpts = append(decOpts, ffmpeg.WithDecoderDeinterlace(mode))
	}
	switch {
	case s.cfg.Threads > 1:
		decOpts = append(decOpts, ffmpeg.WithDecoderThreads(s.cfg.Threads))
	case s.cfg.Threads < 0:
		decOpts = append(decOpts, ffmpeg.WithDecoderThreads(0))
	}
	if s.dec, err = ffmpeg.NewH264Decoder(decOpts...); err != nil {
		_ = r.Close()
		s.r = nil
		return err
	}
	return nil
}

// errSessionFIFO is an .sdp location that is a FIFO, whose description
// FFmpeg's sdp demuxer reads as it comes.
var errSessionFIFO = errors.New("the session description is a FIFO")

// open opens the reader of the source's location: an RTSP session, an
// rtp:// port, or the stream an .sdp file describes, read anew at each
// opening (a sender that restarts writes it again). A FIFO is FFmpeg's
// (ffmpeg.ReadSessionFile does not read it).
func (s *rtspSrc[T]) open(opts []rtsp.Option) (*rtsp.Reader, error) {
	switch {
	case ffmpeg.IsRTP(s.cfg.Location):
		return rtsp.ListenRTP(s.cfg.Location, s.cfg.RTPPayload, opts...)
	case ffmpeg.IsSessionFile(s.cfg.Location):
		text, err := ffmpeg.ReadSessionFile(s.cfg.Location)
		if err != nil {
			return nil, err
		}
		if text == nil {
			return nil, errSessionFIFO
		}
		return rtsp.ListenSession(s.cfg.Location, text, opts...)
	}
	return rtsp.Open(s.cfg.Location, opts...)
}

func (s *rtspSrc[T]) Stop() error {
	if s.viaFFmpeg != nil {
		return s.viaFFmpeg.Stop()
	}
	for _, f := range s.frames {
		f.Release()
	}
	s.frames = nil
	if s.dec != nil {
		s.dec.Close()
		s.dec = nil
	}
	if s.r == nil {
		return nil
	}
	err := s.r.Close()
	*s.pace = s.r.Pace()
	s.r = nil
	return err
}

// Finite: a camera's stream has no end of its own.
func (s *rtspSrc[T]) Finite() bool { return s.viaFFmpeg != nil && s.viaFFmpeg.Finite() }

func (s *rtspSrc[T]) Next() (T, time.Time, error) {
	if s.viaFFmpeg != nil {
		return s.viaFFmpeg.Next()
	}
	var item T
	var err error
	switch any(item).(type) {
	case *media.Packet:
		var p *media.Packet
		if p, err = s.r.ReadPacket(); err == nil {
			warnFormat(s.env, s.formats, s.cfg.Location, p)
		}
		item = any(p).(T)
	default:
		var f *media.Frame
		f, err = s.newestFrame()
		item = any(f).(T)
	}
	s.skips.report(s.env, s.readStats(), err != nil)
	if err != nil || !s.cfg.Live {
		// A camera paces itself: its pictures go out as they come (a
		// frame given a moment already past would wait for the next).
		return item, time.Time{}, err
	}
	return item, captureTime(item), nil
}

// newestFrame is nextFrame, but for a picture its chain took too late
// (tooLate, by when its packets came, not its capture time, which drifts
// with the camera's clock) while newer ones have come: those are decoded,
// and the older dropped, counted and warned of, so that a camera whose
// chain is slower than it stays its newest picture behind, not a backlog
// that grows in its connection.
func (s *rtspSrc[T]) newestFrame() (*media.Frame, error) {
	if err := s.failed; err != nil {
		s.failed = nil
		return nil, err
	}
	f, err := s.nextFrame()
	if err != nil {
		return f, err
	}
	for tooLate(s.env.Now().Sub(s.r.Arrived())) && (len(s.frames) > 0 || s.r.Waiting()) {
		newer, err := s.nextFrame()
		if err != nil {
			s.failed = err // the picture in hand goes out first
			break
		}
		f.Release()
		f = newer
		droppedForNewer(s.env, &s.behind, s.skips.location)
	}
	return f, nil
}

// nextFrame decodes packets until a picture comes out; at the stream's end,
// the pictures the decoder held back come first.
func (s *rtspSrc[T]) nextFrame() (*media.Frame, error) {
	for len(s.frames) == 0 {
		p, err := s.r.ReadPacket()
		if err != nil {
			if frames, ferr := s.dec.Flush(); ferr == nil && len(frames) > 0 {
				s.frames = frames
				break
			}
			return nil, err
		}
		frames, err := s.dec.Decode(p)
		switch {
		case errors.Is(err, codecs.ErrCorrupt), errors.Is(err, codecs.ErrNeedKeyframe):
			s.decodeDamage++
		case err != nil:
			return nil, fmt.Errorf("decoding %q: %w", s.skips.location, err)
		}
		s.frames = frames
	}
	f := s.frames[0]
	s.frames[0] = nil
	s.frames = s.frames[1:]
	return f, nil
}

// readStats is what the reader (and the decoder) skipped, in the counts
// of FFmpeg's reader, which the node's stats and the log take. A picture
// the stream's loss cut short is the loss's, which the reconnection
// reports: not damage of the input. A port's packets of other senders
// than its stream's are of other streams.
func (s *rtspSrc[T]) readStats() ffmpeg.ReadStats {
	st := s.r.Stats()
	return ffmpeg.ReadStats{BeforeKeyframe: st.BeforeKeyframe, Damaged: st.Damaged + s.decodeDamage,
		CutByLoss: st.Truncated, RepairedTimestamps: st.Restarts, OtherStreams: st.OtherSenders}
}

// asFFmpegs returns err, an error of rtsp.Open, as one that also wraps the
// error FFmpeg's reader gives for the same failure, its message unchanged:
// a video source's callers, and its retries, know one set of errors
// whichever reader read the stream.
func asFFmpegs(err error) error {
	switch {
	case errors.Is(err, rtsp.ErrBadOption):
		return alsoIs{err, ffmpeg.ErrBadOption}
	case errors.Is(err, rtsp.ErrNothingArrived):
		return alsoIs{err, ffmpeg.ErrNothingArrived}
	case errors.Is(err, rtsp.ErrUnauthorized):
		return alsoIs{err, ffmpeg.ErrUnauthorized}
	case errors.Is(err, rtsp.ErrOpen):
		return alsoIs{err, ffmpeg.ErrOpen}
	}
	return err
}

// alsoIs is an error that is also another (errors.Is), with its message.
type alsoIs struct{ err, also error }

func (e alsoIs) Error() string   { return e.err.Error() }
func (e alsoIs) Unwrap() []error { return []error{e.err, e.also} }
