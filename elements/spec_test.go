package elements

import (
	"errors"
	"math"
	"testing"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// resolves checks a spec's zero config: valid (with want, when given), or a
// *pipeline.PropError naming prop.
func resolves[C any](t *testing.T, s *pipeline.ElementSpec[C], prop string, check func(C) bool) {
	t.Helper()
	var zero C
	c, err := s.Resolve(zero)
	if prop != "" {
		var perr *pipeline.PropError
		if !errors.As(err, &perr) || perr.Prop != prop {
			t.Errorf("%s: the zero config gives %v, want an error naming %s", s.Name, err, prop)
		}
		return
	}
	if err != nil {
		t.Errorf("%s: the zero config is refused: %v", s.Name, err)
	} else if check != nil && !check(c) {
		t.Errorf("%s: the zero config resolves to %+v", s.Name, c)
	}
}

// TestZeroConfigsAreValidOrAClearError: every element's zero Go config
// either works or is refused naming its property; never a division by
// zero or a default where zero is a value.
func TestZeroConfigsAreValidOrAClearError(t *testing.T) {
	resolves(t, &testSrcSpec, "", func(c TestSrcConfig) bool {
		return c.Width == 640 && c.Height == 480 && c.Rate == 30 && c.Frames == 0 && !c.Live && c.Format == media.YUV420P
	})
	resolves(t, &h264EncSpec, "", func(c H264EncConfig) bool {
		return c.CRF == 0 && c.GOP == 30 && c.Preset == "veryfast" && c.Rate == 30 && c.Bitrate == 0
	})
	resolves(t, &jpegEncSpec, "", func(c JPEGEncConfig) bool { return c.QScale == 4 })
	resolves(t, &h264DecSpec, "", func(c DecoderConfig) bool { return c.Format == media.YUV420P })
	resolves(t, &statsSpec, "", func(c StatsConfig) bool { return c.Interval > 0 })
	resolves(t, &snapshotSpec, "", func(c SnapshotConfig) bool { return c.Dir != "" && c.Every == 30 && c.Format == "png" })
	resolves(t, &gateSpec, "", nil)
	resolves(t, &videoSrcSpec, "location", nil)
	resolves(t, &publishSpec, "topic", nil)
	resolves(t, &subscribeSpec, "topic", nil)
	resolves(t, &recordSpec, "path", nil)
	resolves(t, &playSpec, "path", nil)

	live, err := testSrcSpec.Resolve(TestSrcConfig{Live: true})
	if err != nil || live.Rate != 30 {
		t.Errorf("TestSrcConfig{Live: true} resolves to %+v, %v: want rate 30", live, err)
	}
	if d := DefaultH264EncConfig(); d.CRF != 23 {
		t.Errorf("the default CRF is %d", d.CRF)
	}
}

// TestGoConfigsAreCheckedAsLinesAre: a value a line refuses is refused in a
// Go config too, when the node starts.
func TestGoConfigsAreCheckedAsLinesAre(t *testing.T) {
	cases := []struct {
		name string
		el   pipeline.Element
	}{
		{"testsrc rate NaN", TestSrc(TestSrcConfig{Rate: math.NaN()})},
		{"testsrc rate Inf", TestSrc(TestSrcConfig{Rate: math.Inf(1)})},
		{"testsrc frames", TestSrc(TestSrcConfig{Frames: -2})},
		{"h264enc crf", H264Enc(H264EncConfig{CRF: 52})},
		{"stats interval", Stats(-1)},
		{"subscribe remote", SubscribeWith(SubscribeConfig{Topic: "/a", Remote: "127.0.0.1:99999"})},
		{"publish topic", Publish("camera")},
		{"record topics", Record(RecordConfig{Path: "x", Topics: []string{"/a", "b"}})},
		{"play rate", func() pipeline.Element {
			_, err := Play(PlayConfig{Path: "x", Rate: math.NaN()})
			return pipeline.Element{New: func() (pipeline.Stage, error) { return nil, err }}
		}()},
	}
	for _, c := range cases {
		if _, err := c.el.New(); err == nil {
			t.Errorf("%s: accepted", c.name)
		} else if !errors.As(err, new(*pipeline.PropError)) {
			t.Errorf("%s: %v does not name the property", c.name, err)
		}
	}
}

// TestARefusedGoConfigFailsTheStartNamingNodeAndProperty: a live test
// source with a NaN rate never starts (it would busy-loop).
func TestARefusedGoConfigFailsTheStartNamingNodeAndProperty(t *testing.T) {
	p := pipeline.New()
	if err := p.Chain([]string{"cam", "sink"}, []pipeline.Element{TestSrc(TestSrcConfig{Rate: math.NaN(), Live: true}), FakeSink()}); err != nil {
		t.Fatal(err)
	}
	err := p.Start(t.Context())
	if err == nil {
		p.Stop()
		t.Fatal("started")
	}
	if want := "cam (testsrc): testsrc: property rate: NaN is not a finite number"; err.Error() != want {
		t.Fatalf("%q, want %q", err, want)
	}
}
