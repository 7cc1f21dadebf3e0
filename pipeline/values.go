package pipeline

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gopline/gopline/pipeline/syntax"
)

// A line's values are read as GStreamer's and FFmpeg's users write them
// where that means one thing: a number as a fraction (GStreamer's
// framerate=30/1), a bit rate with an SI prefix (FFmpeg's -b:v 2M), their
// names of a pixel format (I420, gray). A value that would mean two things
// (a duration without its unit: nanoseconds to GStreamer, seconds to
// FFmpeg; a GOP as a time) is refused, and the error says what to write.

// Units of Int and Float properties (PropSpec.Unit) that change how a
// line's value is read.
const (
	// UnitBitRate is bits a second. A value may end in an SI prefix, k
	// (1000), M (1000000) or G, and bit/s or bps: bitrate=2M,
	// bitrate=500k, bitrate=1.5Mbit/s. A lowercase m, FFmpeg's milli, is
	// refused.
	UnitBitRate = "bit/s"
	// UnitFrames counts frames (a GOP). A time (gop=1s) is refused, the
	// error giving the frames it is at the element's UnitFrameRate
	// property.
	UnitFrames = "frames"
	// UnitFrameRate is frames a second: what a UnitFrames property's time
	// is counted at.
	UnitFrameRate = "frames/s"
)

// maxWhole bounds a whole number read from a fraction or a bit rate:
// a float64 is exact up to 2^53.
const maxWhole = 1 << 53

// scanInt reads an Int: a whole number, a fraction that is one (60/2),
// or a bit rate with its prefix (UnitBitRate).
func (ps *PropSpec) scanInt(text string) (any, error) {
	if v, err := strconv.Atoi(text); err == nil {
		return v, nil
	}
	if ps.Unit == UnitBitRate {
		return scanBitRate(text)
	}
	if d, err := time.ParseDuration(text); err == nil && ps.Unit == UnitFrames {
		return nil, &timeForFrames{text: text, d: d}
	}
	if f, ok := fraction(text); ok {
		if f != math.Trunc(f) || math.Abs(f) > maxWhole {
			return nil, fmt.Errorf("%s is %s, not a whole number", syntax.Quote(text), strconv.FormatFloat(f, 'g', 4, 64))
		}
		return int(f), nil
	}
	return nil, fmt.Errorf("%s is not a whole number", syntax.Quote(text))
}

// scanFloat reads a Float: a number or a fraction (30000/1001).
func scanFloat(text string) (any, error) {
	v, err := strconv.ParseFloat(text, 64)
	if err == nil || errors.Is(err, strconv.ErrRange) {
		return v, nil // ±Inf from an overflow is refused by check
	}
	if f, ok := fraction(text); ok {
		return f, nil
	}
	return nil, fmt.Errorf("%s is not a number", syntax.Quote(text))
}

// fraction reads GStreamer's fraction N/D, two whole numbers, D above 0.
func fraction(text string) (float64, bool) {
	num, den, ok := strings.Cut(text, "/")
	n, errN := strconv.ParseInt(num, 10, 64)
	d, errD := strconv.ParseInt(den, 10, 64)
	if !ok || errN != nil || errD != nil || d <= 0 {
		return 0, false
	}
	return float64(n) / float64(d), true
}

// scanBitRate reads a bit rate: a number with an optional SI prefix and
// unit (2M, 500k, 1.5Mbit/s), a whole number of bits a second.
func scanBitRate(text string) (any, error) {
	num := text
	for _, unit := range []string{"bit/s", "bps", "b/s"} {
		if n, ok := strings.CutSuffix(num, unit); ok {
			num = n
			break
		}
	}
	scale := 1.0
	if n := len(num); n > 0 {
		switch num[n-1] {
		case 'k', 'K':
			scale = 1e3
		case 'M':
			scale = 1e6
		case 'G':
			scale = 1e9
		case 'm':
			return nil, fmt.Errorf("%s: m is milli, as FFmpeg reads it; megabits a second are M (2M)", syntax.Quote(text))
		}
		if scale != 1 {
			num = num[:n-1]
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(num, "xXpP_") {
		return nil, fmt.Errorf("%s is not a bit rate such as 2000000, 2M or 500k (bit/s)", syntax.Quote(text))
	}
	v := f * scale
	if math.Abs(v) > maxWhole {
		return nil, fmt.Errorf("%s is out of range", syntax.Quote(text))
	}
	if v != math.Trunc(v) {
		return nil, fmt.Errorf("%s is %s bit/s, not a whole number", syntax.Quote(text), strconv.FormatFloat(v, 'g', -1, 64))
	}
	return int(v), nil
}

// scanDuration reads a Duration as Go writes one (300ms, 5s, 1m30s).
// A bare number is refused: GStreamer's are nanoseconds, FFmpeg's seconds.
func scanDuration(text string) (any, error) {
	if v, err := time.ParseDuration(text); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("%s is not a duration such as 300ms or 5s", syntax.Quote(text))
	}
	if f >= 1e6 && f == math.Trunc(f) && f < math.MaxInt64 {
		return nil, fmt.Errorf("%s has no unit: as GStreamer's nanoseconds it is %v, written so (a duration has its unit: 300ms, 5s)",
			syntax.Quote(text), time.Duration(f))
	}
	n := strconv.FormatFloat(f, 'g', -1, 64)
	return nil, fmt.Errorf("%s has no unit: write %ss for %s seconds (FFmpeg's reading; GStreamer's would be %sns)", syntax.Quote(text), n, n, n)
}

// timeForFrames is a time given to a property that counts frames
// (UnitFrames); ParseProps says the frames it is at the element's rate.
type timeForFrames struct {
	text string
	d    time.Duration
}

func (e *timeForFrames) Error() string {
	return fmt.Sprintf("%s is a time, not a count of frames", syntax.Quote(e.text))
}

// framesOfTime is the error of a time given to ps, which counts frames:
// the frames it is at the element's frame rate, as given or by default.
func (s *Spec) framesOfTime(ps *PropSpec, e *timeForFrames, given map[string]string) string {
	msg := fmt.Sprintf("%s is a time; %s counts frames", syntax.Quote(e.text), ps.Name)
	for i := range s.Props {
		rate := &s.Props[i]
		if rate.Unit != UnitFrameRate {
			continue
		}
		text, ok := given[rate.Name]
		if !ok {
			text = rate.Default
		}
		v, err := rate.parse(text)
		if err != nil {
			break
		}
		fps, _ := v.(float64)
		if n, isInt := v.(int); isInt {
			fps = float64(n)
		}
		frames := int(math.Round(e.d.Seconds() * fps))
		if ok {
			return fmt.Sprintf("%s: at %s=%s, %v is %s=%d", msg, rate.Name, text, e.d, ps.Name, frames)
		}
		return fmt.Sprintf("%s: %v is %s=%d at %s frames a second (%s=, by default %s: set it to the source's)",
			msg, e.d, ps.Name, frames, text, rate.Name, text)
	}
	return msg + ": write " + ps.Name + "=N"
}

// synonymOf returns the choice of an Enum that text names by another
// tool's name (PropSpec.Synonyms), or "".
func (ps *PropSpec) synonymOf(text string) string {
	for name, choice := range ps.Synonyms {
		if strings.EqualFold(name, text) && containsFold(ps.Choices, choice) {
			return choice
		}
	}
	return ""
}

// choicesText lists an Enum's choices, each with its other names:
// "yuv420p (I420), rgb24 (RGB), gray8 (GRAY8, gray)".
func (ps *PropSpec) choicesText() string {
	texts := make([]string, len(ps.Choices))
	for i, c := range ps.Choices {
		var also []string
		for name, choice := range ps.Synonyms {
			if choice == c {
				also = append(also, name)
			}
		}
		texts[i] = c
		if len(also) > 0 {
			slices.Sort(also) // GStreamer's, in capitals, first
			texts[i] += " (" + strings.Join(also, ", ") + ")"
		}
	}
	return strings.Join(texts, ", ")
}

func containsFold(list []string, s string) bool {
	for _, c := range list {
		if strings.EqualFold(c, s) {
			return true
		}
	}
	return false
}

// pixelFormatSynonyms are the other tools' names of the pixel formats
// gopline has: GStreamer's (I420, RGB, GRAY8) and FFmpeg's gray (its
// other names are gopline's). Every Enum of media.PixelFormat takes them.
var pixelFormatSynonyms = map[string]string{"I420": "yuv420p", "RGB": "rgb24", "GRAY8": "gray8", "gray": "gray8"}
