package pipeline

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
)

// encConfig is the Go config of the test element enc, whose properties
// have the units a line reads another tool's way.
type encConfig struct {
	Bitrate int64
	GOP     int
	Rate    int
	FPS     float64
	Every   time.Duration
	Format  media.PixelFormat
}

var encSpec = ElementSpec[encConfig]{
	Name: "enc", Summary: "a test encoder",
	Fields: []Field[encConfig]{
		IntField("bitrate", 0, func(c *encConfig) *int64 { return &c.Bitrate }).Range(0, 1e9).Unit(UnitBitRate),
		IntField("gop", 30, func(c *encConfig) *int { return &c.GOP }).Range(1, 300).Unit(UnitFrames),
		IntField("rate", 30, func(c *encConfig) *int { return &c.Rate }).Range(1, 1000).Unit(UnitFrameRate),
		FloatField("fps", 25, func(c *encConfig) *float64 { return &c.FPS }).Range(0.1, 1000),
		DurationField("every", time.Second, func(c *encConfig) *time.Duration { return &c.Every }),
		EnumOf("format", media.YUV420P, []media.PixelFormat{media.YUV420P, media.RGB24, media.GRAY8},
			func(c *encConfig) *media.PixelFormat { return &c.Format }),
	},
	New: func(encConfig) (Element, error) { return counter(1, 0), nil },
}

// valueCases are values as GStreamer's and FFmpeg's users write them:
// those that mean one thing are taken, the others refused saying what to
// write. They seed FuzzPropValue too.
var valueCases = []struct {
	prop, text string
	want       any    // the value taken, or nil
	err        string // in the refusal, when want is nil
}{
	{"bitrate", "2000000", 2000000, ""},
	{"bitrate", "2M", 2000000, ""},
	{"bitrate", "500k", 500000, ""},
	{"bitrate", "500K", 500000, ""},
	{"bitrate", "1.5M", 1500000, ""},
	{"bitrate", "2Mbit/s", 2000000, ""},
	{"bitrate", "800kbps", 800000, ""},
	{"bitrate", "1G", 1000000000, ""},
	{"bitrate", "2m", nil, "m is milli"},
	{"bitrate", "2MB", nil, "not a bit rate such as 2000000, 2M or 500k"},
	{"bitrate", "1.0000005k", nil, "not a whole number"},
	{"bitrate", "2G", nil, "out of range"},
	{"bitrate", "0x10M", nil, "not a bit rate"},
	{"rate", "30/1", 30, ""},
	{"rate", "60/2", 30, ""},
	{"rate", "30000/1001", nil, `"30000/1001" is 29.97, not a whole number`},
	{"rate", "30/0", nil, "not a whole number"},
	{"fps", "30000/1001", 30000.0 / 1001, ""},
	{"fps", "25/1", 25.0, ""},
	{"fps", "1/0", nil, "not a number"},
	{"gop", "1s", nil, `"1s" is a time; gop counts frames: 1s is gop=30 at 30 frames a second (rate=, by default 30: set it to the source's)`},
	{"gop", "45", 45, ""},
	{"every", "5s", 5 * time.Second, ""},
	{"every", "0", time.Duration(0), ""},
	{"every", "5", nil, `"5" has no unit: write 5s for 5 seconds`},
	{"every", "0.5", nil, "write 0.5s for 0.5 seconds"},
	{"every", "5000000000", nil, "as GStreamer's nanoseconds it is 5s"},
	{"every", "soon", nil, "not a duration such as 300ms or 5s"},
	{"format", "I420", "yuv420p", ""},
	{"format", "RGB", "rgb24", ""},
	{"format", "GRAY8", "gray8", ""},
	{"format", "gray", "gray8", ""},
	{"format", "yuv420p", "yuv420p", ""},
	{"format", "NV12", nil, `"NV12" is not one of yuv420p (I420), rgb24 (RGB), gray8 (GRAY8, gray)`},
}

func TestALineTakesGStreamersAndFFmpegsValueForms(t *testing.T) {
	s := encSpec.Spec()
	for _, c := range valueCases {
		p, err := s.ParseProps(map[string]string{c.prop: c.text})
		switch {
		case c.want == nil && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s=%s: %v; want a refusal saying %q", c.prop, c.text, err, c.err)
		case c.want != nil && err != nil:
			t.Errorf("%s=%s: %v; want %v", c.prop, c.text, err, c.want)
		case c.want != nil && p.values[c.prop] != c.want:
			t.Errorf("%s=%s is %#v; want %#v", c.prop, c.text, p.values[c.prop], c.want)
		}
	}
}

// A GOP written as a time is refused with the frames it is at the
// element's rate as the line gives it.
func TestAGOPAsATimeSaysItsFramesAtTheLinesRate(t *testing.T) {
	s := encSpec.Spec()
	_, err := s.ParseProps(map[string]string{"gop": "2s", "rate": "25/1"})
	var perr *PropError
	if !errors.As(err, &perr) || perr.Prop != "gop" || !strings.HasSuffix(perr.Msg, "gop counts frames: at rate=25/1, 2s is gop=50") {
		t.Fatalf("gop=2s rate=25/1: %v", err)
	}
}

// A pixel format chosen in Go is the same whichever name a line gives it.
func TestAPixelFormatsOtherNamesSetTheGoConfig(t *testing.T) {
	var got camConfig
	r := NewRegistry()
	if err := r.Register(camSpec(&got).Spec()); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Make("cam", map[string]string{"topic": "/a", "format": "GRAY8"}); err != nil || got.Format != media.GRAY8 {
		t.Fatalf("format=GRAY8: %v, config format %v", err, got.Format)
	}
	// cam takes no rgb24: GStreamer's RGB is refused with what it takes.
	_, err := r.Make("cam", map[string]string{"topic": "/a", "format": "RGB"})
	if err == nil || !strings.Contains(err.Error(), `"RGB" is not one of yuv420p (I420), gray8 (GRAY8, gray)`) {
		t.Fatalf("format=RGB on cam: %v", err)
	}
}

// FuzzPropValue checks that a line's value of any type never panics the
// parser, that a value taken passes the property's check, and that a
// refusal names no more than a shortened value.
func FuzzPropValue(f *testing.F) {
	for _, c := range valueCases {
		f.Add(c.prop, c.text)
	}
	s := encSpec.Spec()
	f.Fuzz(func(t *testing.T, prop, text string) {
		ps := s.prop(prop)
		if ps == nil {
			return
		}
		v, err := ps.parse(text)
		if err != nil {
			if len(err.Error()) > 400 {
				t.Fatalf("%s=%.100q: an error of %d bytes", prop, text, len(err.Error()))
			}
			p, perr := s.ParseProps(map[string]string{prop: text})
			if perr == nil || len(perr.Error()) > 500 {
				t.Fatalf("%s=%.100q: parse refused it (%v) but ParseProps says %v (%+v)", prop, text, err, perr, p)
			}
			return
		}
		if err := ps.check(v); err != nil {
			t.Fatalf("%s=%q taken as %#v, which its check refuses: %v", prop, text, v, err)
		}
		if ps.Type == Int {
			n := v.(int)
			if n < 0 || n > 1e9 {
				t.Fatalf("%s=%q taken as %d, out of its range", prop, text, n)
			}
		}
	})
}
