package elements

import (
	"context"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// BenchmarkAppSrcToAppSink measures the hand-over alone: small frames
// pushed from one goroutine, through a pipeline of an AppSrc and an
// AppSink, pulled and released in another.
func BenchmarkAppSrcToAppSink(b *testing.B) {
	pool, _ := media.NewFramePool(media.GRAY8, 64, 48, 0)
	src, _ := NewAppSrc[*media.Frame](AppSrcConfig{})
	sink, _ := NewAppSink[*media.Frame](AppSinkConfig{Overflow: OverflowBlock})
	p := pipeline.New()
	if err := p.Chain([]string{"appsrc", "appsink"}, []pipeline.Element{src.Element(), sink.Element()}); err != nil {
		b.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer p.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go func() {
		for range b.N {
			if src.Push(ctx, pool.Get()) != nil {
				return
			}
		}
		src.Close()
	}()
	b.ResetTimer()
	start := time.Now()
	n := 0
	for f := range sink.All(ctx) {
		f.Release()
		n++
	}
	reportFPS(b, "frames/s", n, time.Since(start))
	if n != b.N {
		b.Fatalf("%d frames of %d", n, b.N)
	}
}
