package elements

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// An AppSink nobody pulls from does not hold its pipeline back: the other
// branch gets every frame, the AppSink keeps the newest, drops and
// releases the rest, counted; and the end of the stream reaches Pull.
func TestASlowAppSinkDoesNotHoldBackTheOtherBranch(t *testing.T) {
	appLeaks(t)
	pool, err := media.NewFramePool(media.GRAY8, 64, 48, 0)
	if err != nil {
		t.Fatal(err)
	}
	src := mustAppSrc[*media.Frame](t, AppSrcConfig{})
	sink := mustAppSink[*media.Frame](t, AppSinkConfig{MaxQueued: 2})
	p := pipeline.New()
	for _, err := range []error{
		p.Add("appsrc", src.Element()), p.Add("t", Tee()), p.Add("appsink", sink.Element()), p.Add("record", FakeSink()),
		p.Link("appsrc", "t"), p.Link("t", "appsink"), p.Link("t", "record"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if err := <-pushFrames(src, pool, 100); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sink.Done():
	case <-time.After(appTimeout):
		t.Fatalf("the end of the stream never reached the AppSink nobody pulls from: %+v", sink.Stats())
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	if rec := nodeStats(p, "record"); rec.In != 100 {
		t.Fatalf("the other branch got %d frames, want 100", rec.In)
	}
	if st, node := sink.Stats(), nodeStats(p, "appsink"); st.Dropped != 98 || node.Dropped != 98 || st.Queued != 2 {
		t.Fatalf("appsink %+v, node %+v: want 98 dropped, 2 queued", st, node)
	}
	ctx, cancel := context.WithTimeout(context.Background(), appTimeout)
	defer cancel()
	for _, want := range []uint64{98, 99} {
		f, err := sink.Pull(ctx)
		if err != nil || f.Seq != want {
			t.Fatalf("Pull: %v, %v; want the newest frames, %d", f, err, want)
		}
		f.Release()
	}
	if _, err := sink.Pull(ctx); err != io.EOF {
		t.Fatalf("Pull at the end: %v, want io.EOF", err)
	}
	if a := pool.Allocated(); a > 16 {
		t.Fatalf("the pool allocated %d pictures for 100 frames: dropped frames are not released", a)
	}
}

// An AppSink drops packets whole GOPs at a time: what Pull gives starts at
// a keyframe and goes on without a hole.
func TestAnAppSinkDropsPacketsWholeGOPs(t *testing.T) {
	appLeaks(t)
	encoded := encodedPackets(t, 96, 64, 30, 10)
	src := mustAppSrc[*media.Packet](t, AppSrcConfig{})
	sink := mustAppSink[*media.Packet](t, AppSinkConfig{MaxQueued: 12})
	p := startApp(t, []string{"appsrc", "appsink"}, src.Element(), sink.Element())
	ctx, cancel := context.WithTimeout(context.Background(), appTimeout)
	defer cancel()
	for _, e := range encoded {
		if err := src.Push(ctx, &media.Packet{Data: e.Data}); err != nil {
			t.Fatal(err)
		}
	}
	src.Close()
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	var got []uint64
	for pk := range sink.All(ctx) {
		if len(got) == 0 && !pk.Key {
			t.Fatalf("the first packet pulled, %d, is not a keyframe", pk.Seq)
		}
		got = append(got, pk.Seq)
	}
	for i, seq := range got {
		if seq != got[0]+uint64(i) {
			t.Fatalf("pulled %v: a hole", got)
		}
	}
	if len(got) != 10 || got[0] != 20 || sink.Stats().Dropped != 20 || nodeStats(p, "appsink").Dropped != 20 {
		t.Fatalf("pulled %v, dropped %d: want the last GOP, 20..29, and 20 dropped", got, sink.Stats().Dropped)
	}
}

// Pull waits no longer than its context; TryPull never waits.
func TestAppSinkPullIsBounded(t *testing.T) {
	appLeaks(t)
	src := mustAppSrc[*media.Frame](t, AppSrcConfig{})
	sink := mustAppSink[*media.Frame](t, AppSinkConfig{})
	startApp(t, []string{"appsrc", "appsink"}, src.Element(), sink.Element())
	if _, ok := sink.TryPull(); ok {
		t.Fatal("TryPull gave an item nobody pushed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := sink.Pull(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Pull: %v, want the context's error", err)
	}
	if _, err := NewAppSink[*media.Frame](AppSinkConfig{Overflow: Overflow(9)}); !errors.Is(err, pipeline.ErrBadGraph) {
		t.Fatalf("Overflow(9): %v", err)
	}
}

// An app element serves one pipeline: a second that starts with it fails
// to start, saying so.
func TestAnAppElementInTwoPipelinesFailsTheSecondsStart(t *testing.T) {
	appLeaks(t)
	src := mustAppSrc[*media.Frame](t, AppSrcConfig{})
	sink := mustAppSink[media.Item](t, AppSinkConfig{})
	startApp(t, []string{"appsrc", "appsink"}, src.Element(), sink.Element())
	for _, els := range [][]pipeline.Element{
		{src.Element(), FakeSink()},
		{TestSrc(DefaultTestSrcConfig()), sink.Element()},
	} {
		p := pipeline.New()
		if err := p.Chain([]string{"a", "b"}, els); err != nil {
			t.Fatal(err)
		}
		err := p.Start(context.Background())
		if err == nil || !strings.Contains(err.Error(), "already") {
			t.Fatalf("a second pipeline with the same app element: %v", err)
		}
	}
}
