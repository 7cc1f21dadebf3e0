package elements

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// An AppSrc that drops the oldest never makes its pusher wait for a
// pipeline that does not keep up: the newest frames go out, the dropped
// ones are counted in the node's stats, warned of, and back in the pool.
func TestAnAppSrcThatDropsNeverMakesThePusherWait(t *testing.T) {
	appLeaks(t)
	var log testlog.Buffer
	pool, _ := media.NewFramePool(media.GRAY8, 64, 48, 0)
	src := mustAppSrc[*media.Frame](t, AppSrcConfig{MaxQueued: 2, Overflow: OverflowDropOldest})
	sink := mustAppSink[*media.Frame](t, AppSinkConfig{MaxQueued: 1, Overflow: OverflowBlock})
	p := pipeline.New(pipeline.WithLogger(zerolog.New(&log).Level(zerolog.WarnLevel)))
	if err := p.Chain([]string{"appsrc", "appsink"}, []pipeline.Element{src.Element(), sink.Element()}); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	// Nobody pulls while the frames are pushed: the pipeline takes two,
	// and the AppSrc holds two more.
	select {
	case err := <-pushFrames(src, pool, 100):
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(appTimeout):
		t.Fatal("Push waited for a pipeline that does not keep up")
	}
	ctx, cancel := context.WithTimeout(context.Background(), appTimeout)
	defer cancel()
	var last uint64
	pulled := 0
	for f := range sink.All(ctx) {
		last = uint64(f.Planes[0][0])
		pulled++
		f.Release()
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	st, node := src.Stats(), nodeStats(p, "appsrc")
	if last != 99 || uint64(pulled)+st.Dropped != 100 || node.Dropped != st.Dropped || node.Out != uint64(pulled) {
		t.Fatalf("pulled %d ending with frame %d, appsrc %+v, node %+v: want the newest last, and every frame pulled or dropped, counted",
			pulled, last, st, node)
	}
	if !strings.Contains(log.String(), "appsrc: items were pushed faster than the pipeline takes them") {
		t.Fatalf("the drops were not warned of:\n%s", log.String())
	}
	if a := pool.Allocated(); a > 16 {
		t.Fatalf("the pool allocated %d pictures for 100 frames: dropped frames are not released", a)
	}
}
