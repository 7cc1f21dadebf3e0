package elements

import (
	"context"
	"sync"
	"testing"

	"github.com/gopline/gopline/media"
)

// Pushes from several goroutines at once are taken one at a time: every
// frame goes out once, numbered without a hole, in the order of their
// capture times.
func TestAppSrcTakesPushesFromSeveralGoroutines(t *testing.T) {
	appLeaks(t)
	src := mustAppSrc[*media.Frame](t, AppSrcConfig{})
	sink := mustAppSink[*media.Frame](t, AppSinkConfig{Overflow: OverflowBlock})
	startApp(t, []string{"appsrc", "appsink"}, src.Element(), sink.Element())
	ctx, cancel := context.WithTimeout(context.Background(), appTimeout)
	defer cancel()
	const pushers, each = 4, 50
	var wg sync.WaitGroup
	errs := make(chan error, pushers)
	for g := range pushers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				f, _ := media.NewFrame(media.GRAY8, 16, 16)
				f.Planes[0][0], f.Planes[0][1] = byte(g), byte(i)
				if err := src.Push(ctx, f); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); src.Close(); close(errs) }()
	seen := map[[2]byte]bool{}
	var n uint64
	var last media.Frame
	for f := range sink.All(ctx) {
		if f.Seq != n || f.CaptureTime.Before(last.CaptureTime) {
			t.Fatalf("frame %d: Seq %d, captured %v after %v", n, f.Seq, f.CaptureTime, last.CaptureTime)
		}
		id := [2]byte{f.Planes[0][0], f.Planes[0][1]}
		if seen[id] {
			t.Fatalf("frame %v went out twice", id)
		}
		seen[id], last = true, *f
		n++
	}
	for err := range errs {
		t.Fatal(err)
	}
	if n != pushers*each {
		t.Fatalf("%d frames out of %d pushed", n, pushers*each)
	}
}
