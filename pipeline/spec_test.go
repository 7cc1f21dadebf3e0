package pipeline

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
)

// camConfig is the Go config of the test element cam.
type camConfig struct {
	Width, Height int
	Rate          float64
	Frames        int
	Live          bool
	Every         time.Duration
	Topic         string
	Format        media.PixelFormat
	Preset        string
	Tags          []string
}

// camSpec makes a cam whose New hands the resolved config to got.
func camSpec(got *camConfig) *ElementSpec[camConfig] {
	return &ElementSpec[camConfig]{
		Name: "cam", Summary: "a test source", Out: "raw frames",
		Fields: []Field[camConfig]{
			SizeField("size", 640, 480, func(c *camConfig) (*int, *int) { return &c.Width, &c.Height }).Doc("size"),
			FloatField("rate", 30, func(c *camConfig) *float64 { return &c.Rate }).Range(0.1, 1000).Doc("rate"),
			IntField("frames", -1, func(c *camConfig) *int { return &c.Frames }).Range(-1, 1000).Doc("frames"),
			BoolField("live", true, func(c *camConfig) *bool { return &c.Live }).Doc("live"),
			DurationField("every", time.Second, func(c *camConfig) *time.Duration { return &c.Every }).
				DurationRange(time.Millisecond, time.Hour).Doc("every"),
			StringField("topic", "", func(c *camConfig) *string { return &c.Topic }).Required().
				Check(func(s string) error {
					if !strings.HasPrefix(s, "/") {
						return errors.New("must start with /")
					}
					return nil
				}).Doc("topic"),
			EnumOf("format", media.YUV420P, []media.PixelFormat{media.YUV420P, media.GRAY8},
				func(c *camConfig) *media.PixelFormat { return &c.Format }).Doc("format"),
			EnumField("preset", "fast", []string{"fast", "slow"}, func(c *camConfig) *string { return &c.Preset }).Doc("preset"),
			TextField("tags", "", func(s string) ([]string, error) {
				if s == "" {
					return nil, nil
				}
				return strings.Split(s, ","), nil
			}, func(t []string) string { return strings.Join(t, ",") }, func(c *camConfig) *[]string { return &c.Tags }).Doc("tags"),
		},
		New: func(c camConfig) (Element, error) {
			*got = c
			return counter(1, 0), nil
		},
	}
}

func TestSpecDefaultsAreTheLinesDefaults(t *testing.T) {
	var got camConfig
	s := camSpec(&got)
	want := camConfig{Width: 640, Height: 480, Rate: 30, Frames: -1, Live: true, Every: time.Second, Format: media.YUV420P, Preset: "fast"}
	if d := s.Defaults(); !equalCam(d, want) {
		t.Fatalf("Defaults = %+v, want %+v", d, want)
	}
	r := NewRegistry()
	if err := r.Register(s.Spec()); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Make("cam", map[string]string{"topic": "/a"}); err != nil {
		t.Fatal(err)
	}
	want.Topic = "/a"
	if !equalCam(got, want) {
		t.Fatalf("a line with only topic= makes %+v, want %+v", got, want)
	}
	if _, err := r.Make("cam", map[string]string{"topic": "/a", "frames": "0", "live": "false", "tags": "x,y", "format": "GRAY8"}); err != nil {
		t.Fatal(err)
	}
	if got.Frames != 0 || got.Live || len(got.Tags) != 2 || got.Format != media.GRAY8 {
		t.Fatalf("given values not taken: %+v", got)
	}
}

func equalCam(a, b camConfig) bool {
	return a.Width == b.Width && a.Height == b.Height && a.Rate == b.Rate && a.Frames == b.Frames && a.Live == b.Live &&
		a.Every == b.Every && a.Topic == b.Topic && a.Format == b.Format && a.Preset == b.Preset && len(a.Tags) == len(b.Tags)
}

// TestSpecResolveFillsOnlyZerosThatAreNotValues: a zero that a field does
// not accept takes the default; a zero that is a value stays.
func TestSpecResolveFillsOnlyZerosThatAreNotValues(t *testing.T) {
	var got camConfig
	s := camSpec(&got)
	c, err := s.Resolve(camConfig{Topic: "/a"})
	if err != nil {
		t.Fatal(err)
	}
	want := camConfig{Width: 640, Height: 480, Rate: 30, Frames: 0, Live: false, Every: time.Second, Topic: "/a", Format: media.YUV420P, Preset: "fast"}
	if !equalCam(c, want) {
		t.Fatalf("Resolve(zero) = %+v, want %+v", c, want)
	}
}

func TestSpecResolveRefusesWhatALineRefuses(t *testing.T) {
	var got camConfig
	s := camSpec(&got)
	cases := []struct {
		name string
		cfg  camConfig
		prop string
		msg  string
	}{
		{"nan", camConfig{Topic: "/a", Rate: math.NaN()}, "rate", "NaN is not a finite number"},
		{"inf", camConfig{Topic: "/a", Rate: math.Inf(1)}, "rate", "+Inf is not a finite number"},
		{"negative rate", camConfig{Topic: "/a", Rate: -1}, "rate", "-1 is out of range 0.1..1000"},
		{"frames", camConfig{Topic: "/a", Frames: -2}, "frames", "-2 is out of range -1..1000"},
		{"negative duration", camConfig{Topic: "/a", Every: -time.Second}, "every", "-1s is out of range 1ms..1h0m0s"},
		{"huge size", camConfig{Topic: "/a", Width: 1 << 20, Height: 1}, "size", "is not a size from 1x1 to 16384x16384"},
		{"required", camConfig{}, "topic", "is required: topic"},
		{"check", camConfig{Topic: "a"}, "topic", "must start with /"},
		{"enum", camConfig{Topic: "/a", Preset: "medium"}, "preset", `"medium" is not one of fast, slow`},
		{"enum of", camConfig{Topic: "/a", Format: media.RGB24}, "format", `"rgb24" is not one of yuv420p (I420), gray8 (GRAY8, gray)`},
	}
	for _, c := range cases {
		_, err := s.Resolve(c.cfg)
		var perr *PropError
		if !errors.As(err, &perr) || perr.Prop != c.prop || !strings.Contains(perr.Msg, c.msg) {
			t.Errorf("%s: Resolve = %v, want property %s: ...%s...", c.name, err, c.prop, c.msg)
		}
	}
}

// TestSpecElementFailsAtStartNamingTheProperty: a Go constructor that
// returns no error keeps the element's caps and fails when it starts.
func TestSpecElementFailsAtStartNamingTheProperty(t *testing.T) {
	var got camConfig
	s := camSpec(&got)
	el := s.Element(camConfig{Topic: "/a", Rate: math.NaN()})
	if el.Type != "cam" || el.Out != Frames {
		t.Fatalf("element %+v lost its type or caps", el)
	}
	_, err := el.New()
	if err == nil || !strings.Contains(err.Error(), "cam: property rate: NaN") {
		t.Fatalf("New = %v, want the refusal of rate", err)
	}
	if el := s.Element(camConfig{Topic: "/a"}); el.New == nil {
		t.Fatal("a valid config has no constructor")
	} else if _, err := el.New(); err != nil {
		t.Fatal(err)
	}
}

func TestRegisterRefusesABadDefault(t *testing.T) {
	s := Spec{Name: "x", Make: func(Props) (Element, error) { return Element{}, nil },
		Props: []PropSpec{{Name: "rate", Type: Float, Default: "NaN"}}}
	if err := NewRegistry().Register(s); err == nil {
		t.Fatal("a NaN default was registered")
	}
}

func TestValuesAreQuotedBackShortened(t *testing.T) {
	var got camConfig
	r := NewRegistry()
	if err := r.Register(camSpec(&got).Spec()); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 131072)
	for _, given := range []map[string]string{
		{"topic": "/a", "rate": long},
		{"topic": "/a", "preset": long},
		{"topic": "/a", long: "1"},
	} {
		_, err := r.Make("cam", given)
		if err == nil || len(err.Error()) > 300 {
			t.Errorf("error of %d bytes: %.300v", len(err.Error()), err)
		}
	}
	if _, err := r.Make(long, nil); err == nil || len(err.Error()) > 300 {
		t.Errorf("unknown element: error of %d bytes", len(err.Error()))
	}
}
