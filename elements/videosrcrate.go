package elements

import (
	"fmt"
	"math"
	"strconv"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/credentials"
)

// rateIgnored is the warning for a video source whose rate= is not its
// stream's: rate= is the frame rate of a raw H.264 file whose SPS states
// none, and any other stream keeps its own, which a user who wrote rate=
// to change it should be told. "" when rate= is its default (not given)
// or within 1% of the stream's (the rate it was used as), or the stream's
// rate is unknown.
func rateIgnored(given, stream float64, camera bool) string {
	if given == ffmpeg.AssumedFrameRate || given <= 0 || stream <= 0 || math.Abs(given-stream) <= stream/100 {
		return ""
	}
	msg := fmt.Sprintf("rate=%s is not this stream's rate: it has its own, %s frames/s, which videosrc keeps "+
		"(rate= is the frame rate of a raw H.264 file whose SPS states none); gopline converts no frame rates",
		strconv.FormatFloat(given, 'g', -1, 64), strconv.FormatFloat(stream, 'g', 4, 64))
	if camera {
		return msg + ": a camera's rate is set with options=framerate=" + strconv.FormatFloat(given, 'g', -1, 64)
	}
	return msg + ": is-live=true plays a file at its own rate, and testsrc rate= makes frames at any"
}

// reportRate warns, as the stream opens, of a rate= it does not use.
func (s *videoSrc[T]) reportRate(stream float64) {
	if msg := rateIgnored(s.cfg.Rate, stream, ffmpeg.IsCamera(s.cfg.Location, s.cfg.InputFormat)); msg != "" {
		s.env.Log.Warn().Str("location", credentials.Redact(s.cfg.Location)).Msg(msg)
	}
}
