package elements

import (
	"bytes"
	"sync"
	"testing"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
)

// checkPictures asserts that every decoded frame is the source's frame with
// the same number, at H.264 quality.
func checkPictures(t *testing.T, got []*media.Frame, w, h int) {
	t.Helper()
	pat, err := testsrc.New(w, h)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range got {
		n, ok := testsrc.ReadFrameNumber(f)
		if !ok {
			t.Fatalf("frame seq %d: no frame number readable", f.Seq)
		}
		psnr, err := media.LumaPSNR(pat.Frame(n), f)
		if err != nil || psnr < 35 {
			t.Fatalf("frame %d: PSNR %.1f dB against the source (%v)", n, psnr, err)
		}
	}
}

// checkEveryFrameInOrder asserts that got holds the source's first n
// frames, each once, in order, by the number each picture shows.
func checkEveryFrameInOrder(t *testing.T, got []*media.Frame, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%d frames decoded, want %d", len(got), n)
	}
	for i, f := range got {
		if shown, _ := testsrc.ReadFrameNumber(f); shown != uint64(i) {
			t.Fatalf("picture %d shows frame %d", i, shown)
		}
	}
}

// TestGraphEndToEnd runs source, encoder, topic, gate, decoder and sink:
// every frame arrives, in order, and is the right picture.
func TestGraphEndToEnd(t *testing.T) {
	out := &frames{}
	p := mustParse(t, "testsrc size=320x240 num-frames=90 is-live=false ! h264enc gop=15 ! publish topic=/cam "+
		"subscribe topic=/cam window=1024 ! gate ! h264dec name=dec", map[string]*frames{"dec": out})
	runToEnd(t, p)
	got := out.all()
	checkEveryFrameInOrder(t, got, 90)
	checkPictures(t, got, 320, 240)
	if s := stat(t, p, "h264enc0"); s.In != 90 || s.Out != 90 || s.Bytes == 0 {
		t.Errorf("encoder stats %+v", s)
	}
	if s := stat(t, p, "dec"); s.Errors != 0 || s.Dropped != 0 {
		t.Errorf("decoder stats %+v", s)
	}
}

// TestQueueInALineHandsEverythingOn runs an encoder behind a queue with a
// window of its own, in the one-line syntax: every frame is encoded and
// decoded, in order.
func TestQueueInALineHandsEverythingOn(t *testing.T) {
	out := &frames{}
	p := mustParse(t, "testsrc size=160x120 num-frames=40 is-live=false ! queue max-size-buffers=1 ! h264enc gop=10 ! queue ! h264dec name=dec",
		map[string]*frames{"dec": out})
	runToEnd(t, p)
	checkEveryFrameInOrder(t, out.all(), 40)
}

// TestSlowSubscriberDoesNotSlowThePublisher runs a camera with a fast and a
// stuck subscriber, released once the camera has published every frame: the
// topic does not wait for the stuck one (a camera that is not live goes as
// fast as the topic takes, so a topic held back would stall it), the fast
// one gets everything, the stuck one drops whole GOPs and never fails to
// decode.
func TestSlowSubscriberDoesNotSlowThePublisher(t *testing.T) {
	fast, slow := &frames{}, &frames{hold: make(chan struct{})}
	release := sync.OnceFunc(func() { close(slow.hold) })
	defer release()
	p := mustParse(t, "testsrc size=160x120 num-frames=75 is-live=false ! h264enc gop=10 ! publish topic=/cam "+
		"subscribe topic=/cam window=128 ! gate ! h264dec name=fastdec "+
		"subscribe name=slowsub topic=/cam window=2 ! gate name=slowgate ! h264dec name=slowdec",
		map[string]*frames{"fastdec": fast, "slowdec": slow})
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	waitFor(t, "the topic to take all 75 packets while a subscriber is stuck", func() bool { return stat(t, p, "publish0").In == 75 })
	release()
	wait(t, p)
	if n := len(fast.all()); n != 75 {
		t.Errorf("fast subscriber decoded %d frames, want 75", n)
	}
	slowGot := slow.all()
	if s := stat(t, p, "slowdec"); s.Errors != 0 || s.Dropped != 0 {
		t.Errorf("slow decoder: %d decode errors, %d skipped deltas; want none", s.Errors, s.Dropped)
	}
	if s := stat(t, p, "slowsub"); s.Dropped == 0 || len(slowGot) >= 75 {
		t.Errorf("slow subscriber dropped %d and decoded %d; it should have shed whole GOPs", s.Dropped, len(slowGot))
	}
	if len(slowGot) == 0 {
		t.Fatal("slow subscriber decoded nothing")
	}
	checkPictures(t, slowGot, 160, 120)
}

// TestCRFZeroIsLossless: crf=0 on the line asks libx264 for lossless
// pictures, not for the default quality.
func TestCRFZeroIsLossless(t *testing.T) {
	out := &frames{}
	runToEnd(t, mustParse(t, "testsrc size=160x120 num-frames=3 is-live=false ! h264enc crf=0 ! h264dec name=dec", map[string]*frames{"dec": out}))
	pat, err := testsrc.New(160, 120)
	if err != nil {
		t.Fatal(err)
	}
	got := out.all()
	if len(got) != 3 {
		t.Fatalf("decoded %d frames, want 3", len(got))
	}
	for i, f := range got {
		want := pat.Frame(uint64(i))
		for p := range f.Format.NumPlanes() {
			_, h := f.Format.PlaneSize(p, f.Width, f.Height)
			for r := range h {
				if !bytes.Equal(f.Row(p, r), want.Row(p, r)) {
					t.Fatalf("frame %d plane %d row %d differs from the source", i, p, r)
				}
			}
		}
	}
}
