package elements

import (
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/credentials"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// reportRotation says in the log, once per opened stream, what becomes of
// its display rotation: a warning when its pictures go on as coded where
// they were meant to be shown turned.
func (s *videoSrc[T]) reportRotation(rot ffmpeg.DisplayRotation) {
	if rot.IsZero() {
		return
	}
	log := s.env.Log.With().Str("location", credentials.Redact(s.cfg.Location)).Logger()
	turns, turnable := rot.QuarterTurns()
	switch {
	case s.cfg.Passthrough:
		log.Warn().Msgf("the stream is to be shown %s; passthrough hands on the pictures as coded, "+
			"and the recording does not keep the rotation: decode (passthrough=false) to record them upright", rot)
	case !s.cfg.Autorotate:
		log.Info().Msgf("the stream is to be shown %s; autorotate=false hands on the pictures as coded", rot)
	case !turnable:
		log.Warn().Msgf("the stream is to be shown %s; only quarter turns without a mirror are applied, "+
			"so the pictures go on as coded", rot)
	case turns > 0:
		log.Info().Msgf("the stream is to be shown %s: turning its pictures, as the stream's display matrix asks", rot)
	}
}

// reportFormat warns, once per format, of passed-through H.264 that
// browsers and Foxglove do not decode: it records, but a viewer shows
// nothing.
func (s *videoSrc[T]) reportFormat(p *media.Packet) { warnFormat(s.env, s.formats, s.cfg.Location, p) }

// warnFormat is reportFormat for a source of location whose formats are
// checked by formats.
func warnFormat(env *pipeline.Env, formats *browserFormat, location string, p *media.Packet) {
	format, warn := formats.check(p)
	if !warn {
		return
	}
	env.Log.Warn().Str("location", credentials.Redact(location)).Str("profile", format.ProfileName()).
		Msgf("the stream is %s: browsers and Foxglove do not decode it, though it records; "+
			"re-encode with `! h264enc` (drop passthrough=true) to view it", format)
}

// reportAspect says in the log, once per opened stream, what becomes of
// pixels that are not square: made square when decoded, and warned of
// when passed through, whose packets stay as coded and are shown so by
// any viewer that does not read the aspect from their SPS.
func (s *videoSrc[T]) reportAspect(info ffmpeg.StreamInfo) {
	a := info.PixelAspect
	if a.Square() {
		return
	}
	log := s.env.Log.With().Str("location", credentials.Redact(s.cfg.Location)).Str("sar", a.String()).Logger()
	w, h := a.SquareSize(info.Width, info.Height)
	switch {
	case s.cfg.Passthrough:
		log.Warn().Msgf("the stream's pixels are not square (%v): passthrough hands on its %dx%d pictures as coded, "+
			"which a viewer or tool that ignores the aspect shows squeezed instead of %dx%d; "+
			"decode (passthrough=false) for square pixels", a, info.Width, info.Height, w, h)
	case s.cfg.Width > 0 && s.cfg.Height > 0:
	case !s.cfg.SquarePixels:
		log.Info().Msgf("the stream's pixels are not square (%v); square-pixels=false hands on its %dx%d pictures as coded, "+
			"saying their aspect, which h264enc writes into its stream for players to show them %dx%d", a, info.Width, info.Height, w, h)
	default:
		log.Info().Msgf("the stream's pixels are not square (%v): scaling its %dx%d pictures to %dx%d, as players show them",
			a, info.Width, info.Height, w, h)
	}
}

// reportHDR warns, once per opened stream, of decoded HDR pictures: they
// are not tone-mapped, and look pale and dim as the video range frames
// are taken for.
func (s *videoSrc[T]) reportHDR(info ffmpeg.StreamInfo) {
	if info.HDR == "" || s.cfg.Passthrough {
		return
	}
	s.env.Log.Warn().Str("location", credentials.Redact(s.cfg.Location)).Str("hdr", info.HDR).
		Msgf("the stream is HDR (%s): its pictures are decoded as they are, not tone-mapped, so their colours come out pale and dim; "+
			"tone-map it to SDR first (ffmpeg -i IN -vf zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable,"+
			"zscale=t=bt709:m=bt709:r=tv,format=yuv420p OUT)", info.HDR)
}

// reportInterlace says in the log, once per opened stream coded in
// fields, what becomes of its pictures: deinterlaced, or handed on with
// both fields woven, whose moving edges comb.
func (s *videoSrc[T]) reportInterlace(info ffmpeg.StreamInfo) {
	if info.Interlaced == "" {
		return
	}
	log := s.env.Log.With().Str("location", credentials.Redact(s.cfg.Location)).Str("fields", info.Interlaced).Logger()
	switch mode, _ := ffmpeg.ParseDeinterlace(s.cfg.Deinterlace); {
	case s.cfg.Passthrough:
		log.Info().Msg("the stream is interlaced: passthrough hands on its fields as coded (players and decoders downstream deinterlace them)")
	case mode == ffmpeg.DeinterlaceOff:
		log.Info().Msg("the stream is interlaced; deinterlace=off hands on its pictures with both fields woven, which comb where they move")
	default:
		log.Info().Msg("the stream is interlaced: deinterlacing its pictures, keeping the first field and rebuilding the other from it " +
			"(deinterlace=off keeps both fields woven)")
	}
}
