package elements

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

func TestRateWatchTellsAFrameRateFarFromTheNominalOnce(t *testing.T) {
	for _, c := range []struct {
		fps  float64
		off  bool
		name string
	}{{10, true, "a third"}, {30, false, "the nominal"}, {27, false, "a tenth off"}, {60, true, "twice"}} {
		w := rateWatch{nominal: 30}
		start := time.Unix(100, 0)
		var reports int
		for i := range int(3 * c.fps) {
			rate, off := w.see(start.Add(time.Duration(float64(i)/c.fps*float64(time.Second))), uint64(i))
			if rate == 0 {
				continue
			}
			reports++
			if off != c.off || rate < c.fps*0.99 || rate > c.fps*1.01 {
				t.Errorf("%s (%v frames/s): rate %.2f, off %v; want %v", c.name, c.fps, rate, off, c.off)
			}
		}
		if reports != 1 {
			t.Errorf("%s: %d reports in three seconds, want one", c.name, reports)
		}
	}
	w := rateWatch{nominal: 30}
	for range 100 {
		if rate, _ := w.see(time.Time{}, 0); rate != 0 {
			t.Fatal("frames without capture times were measured")
		}
	}
	// A 30 frames/s source that drops four frames of five on an
	// overloaded machine is not at another rate.
	w = rateWatch{nominal: 30}
	start := time.Unix(100, 0)
	for i := 0; i < 90; i += 5 {
		if rate, off := w.see(start.Add(time.Duration(i)*time.Second/30), uint64(i)); off {
			t.Fatalf("frames dropped at the source read as a rate of %.1f", rate)
		}
	}
}

// h264enc with a bitrate says, once, when its frames come at another rate
// than the one the bitrate is spread over, and what to set; with rate=
// matching them it says nothing.
func TestH264EncBitrateAtAnotherRateIsAWarning(t *testing.T) {
	for _, rate := range []int{30, 10} {
		var log testlog.Buffer
		p := pipeline.New(pipeline.WithLogger(zerolog.New(&log).Level(zerolog.InfoLevel)))
		enc := DefaultH264EncConfig()
		enc.Bitrate, enc.Rate = 200_000, rate
		err := p.Chain([]string{"cam", "enc", "sink"}, []pipeline.Element{
			TestSrc(TestSrcConfig{Width: 160, Height: 120, Rate: 10, Frames: 25, Format: media.YUV420P}), H264Enc(enc), FakeSink()})
		if err != nil {
			t.Fatal(err)
		}
		runToEnd(t, p)
		warned := strings.Count(log.String(), "set h264enc rate=10")
		if rate == 30 && (warned != 1 || !strings.Contains(log.String(), "about 67 kbit/s")) {
			t.Errorf("rate=30, frames at 10/s: %d warnings, want one saying about 67 kbit/s:\n%s", warned, log.String())
		}
		if rate == 10 && warned != 0 {
			t.Errorf("rate=10, frames at 10/s: warned:\n%s", log.String())
		}
	}
}

// Frames of a size libx264 can never take end the encoder's chain at the
// first frame, with one error that names the size to scale to, rather than
// one item error after another; the camera stops drawing frames for it.
func TestH264EncOddSizeEndsItsChainWithTheSizeToScaleTo(t *testing.T) {
	p := pipeline.New()
	err := p.Chain([]string{"cam", "enc", "sink"}, []pipeline.Element{
		TestSrc(TestSrcConfig{Width: 161, Height: 121, Rate: 30, Frames: -1, Live: true, Format: media.YUV420P}),
		H264Enc(DefaultH264EncConfig()), FakeSink()})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	err = p.Wait()
	var final *pipeline.FinalError
	if !errors.As(err, &final) || final.Node != "enc" || !errors.Is(err, media.ErrInvalidSize) ||
		!strings.Contains(err.Error(), "scale the frames to 160x120") {
		t.Fatalf("161x121 frames: %v; want enc's chain ended with 160x120 to scale to", err)
	}
	if s := stat(t, p, "enc"); s.Errors != 1 {
		t.Fatalf("enc %+v: want one error", s)
	}
}

// Frames too small for any H.264 (1x1) end the chain the same way, with
// no size to scale to.
func TestH264EncTinyFramesEndItsChain(t *testing.T) {
	p := pipeline.New()
	err := p.Chain([]string{"cam", "enc", "sink"}, []pipeline.Element{
		TestSrc(TestSrcConfig{Width: 1, Height: 1, Rate: 30, Frames: -1, Live: true, Format: media.YUV420P}),
		H264Enc(DefaultH264EncConfig()), FakeSink()})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Wait() }()
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		p.Stop()
		t.Fatalf("1x1 frames: the chain still ran after 10 s, enc %+v", stat(t, p, "enc"))
	}
	var final *pipeline.FinalError
	if !errors.As(err, &final) || final.Node != "enc" || !errors.Is(err, media.ErrInvalidSize) || strings.Contains(err.Error(), "scale the frames") {
		t.Fatalf("1x1 frames: %v; want enc's chain ended, without a size to scale to", err)
	}
}

// Two cameras recorded together, one of a size H.264 can never take: its
// chain ends and its camera stops, while the other camera is recorded to
// its end, every packet in the file and decodable.
func TestAnOddCameraLeavesTheOtherRecordedToItsEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "robot.gopline")
	p := pipeline.New()
	for _, err := range []error{
		p.Chain([]string{"odd", "enc0", "pub0"}, []pipeline.Element{
			TestSrc(TestSrcConfig{Width: 639, Height: 479, Rate: 50, Frames: -1, Live: true, Format: media.YUV420P}),
			H264Enc(h264EncGOP(10)), Publish("/cam0")}),
		p.Chain([]string{"even", "enc1", "pub1"}, []pipeline.Element{
			TestSrc(TestSrcConfig{Width: 160, Height: 120, Rate: 50, Frames: 60}), H264Enc(h264EncGOP(10)), Publish("/cam1")}),
		p.Add("rec", Record(RecordConfig{Path: path, Topics: []string{"/cam0", "/cam1"}})),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	done := make(chan error, 1)
	go func() { done <- p.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("the pipeline did not end")
	}
	var final *pipeline.FinalError
	if !errors.As(err, &final) || final.Node != "enc0" {
		t.Fatalf("Wait: %v; want enc0's chain ended", err)
	}
	if s := stat(t, p, "enc0"); s.Errors != 1 {
		t.Fatalf("enc0 %+v: want one error", s)
	}
	// The odd camera stopped at once: the rest of the run made nothing
	// for it.
	if s := stat(t, p, "odd"); s.Out > 2*pipeline.DefaultWindow {
		t.Fatalf("the odd camera made %d frames for an encoder that refused the first", s.Out)
	}
	if s := stat(t, p, "rec"); s.In != 60 || s.Errors != 0 || s.Dropped != 0 {
		t.Fatalf("rec %+v: want the even camera's 60 packets and no loss", s)
	}
	dec, err := ffmpeg.NewH264Decoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	packets := recorded(t, path, "/cam1")
	if len(packets) != 60 {
		t.Fatalf("%d packets of the even camera in the file, want 60", len(packets))
	}
	for i, pk := range packets {
		if _, err := dec.Decode(pk); err != nil {
			t.Fatalf("recorded packet %d (seq %d) does not decode: %v", i, pk.Seq, err)
		}
	}
}

// hollowFrames is a source of frames that say 160x120 but carry no
// pixels, as a broken capture driver might.
type hollowFrames struct{}

func (hollowFrames) Start(*pipeline.Env) error { return nil }
func (hollowFrames) Stop() error               { return nil }
func (hollowFrames) Next() (*media.Frame, time.Time, error) {
	return &media.Frame{Width: 160, Height: 120, Format: media.YUV420P}, time.Time{}, nil
}

// A first frame the opened encoder cannot take ends its chain too.
func TestH264EncFirstFrameThatDoesNotFitEndsItsChain(t *testing.T) {
	p := pipeline.New()
	src := pipeline.SourceElement("hollow", pipeline.Frames, func() (pipeline.Source[*media.Frame], error) { return hollowFrames{}, nil })
	if err := p.Chain([]string{"cam", "enc", "sink"}, []pipeline.Element{src, H264Enc(DefaultH264EncConfig()), FakeSink()}); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	err := p.Wait()
	var final *pipeline.FinalError
	if !errors.As(err, &final) || final.Node != "enc" || !errors.Is(err, codecs.ErrFrameMismatch) {
		t.Fatalf("frames without pixels: %v; want enc's chain ended with the frame refused", err)
	}
	if s := stat(t, p, "enc"); s.Errors != 1 {
		t.Fatalf("enc %+v: want one error", s)
	}
}
