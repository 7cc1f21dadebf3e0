package elements_test

import (
	"context"
	"fmt"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/pipeline"
)

// Frames from Go code (a camera SDK's callback, say) go into a pipeline
// through an AppSrc, and out to Go code (a detector) through an AppSink.
// The frames come from the pusher's pool and go back to it when released.
func ExampleAppSrc() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	src, _ := elements.NewAppSrc[*media.Frame](elements.AppSrcConfig{})
	sink, _ := elements.NewAppSink[*media.Frame](elements.AppSinkConfig{})
	p := pipeline.New()
	if err := p.Chain([]string{"camera", "detector"}, []pipeline.Element{src.Element(), sink.Element()}); err != nil {
		fmt.Println(err)
		return
	}
	if err := p.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	defer p.Stop()

	pool, _ := media.NewFramePool(media.GRAY8, 320, 240, 0)
	go func() {
		for range 3 {
			f := pool.Get() // write the picture into f.Planes
			if err := src.Push(ctx, f); err != nil {
				fmt.Println(err)
			}
		}
		src.Close() // end of stream
	}()
	for f := range sink.All(ctx) { // until the end of the stream
		fmt.Printf("frame %d: %dx%d %v\n", f.Seq, f.Width, f.Height, f.Format)
		f.Release() // its memory goes back to pool
	}
	// Output:
	// frame 0: 320x240 gray8
	// frame 1: 320x240 gray8
	// frame 2: 320x240 gray8
}

// H.264 access units from Go code (a hardware encoder's output) go into a
// pipeline as they are. Those before the first keyframe are left out, and
// the AppSrc numbers the rest and finds their keyframes itself.
func ExampleAppSrc_packets() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	src, _ := elements.NewAppSrc[*media.Packet](elements.AppSrcConfig{})
	sink, _ := elements.NewAppSink[*media.Packet](elements.AppSinkConfig{Overflow: elements.OverflowBlock})
	p := pipeline.New()
	if err := p.Chain([]string{"encoder", "out"}, []pipeline.Element{src.Element(), sink.Element()}); err != nil {
		fmt.Println(err)
		return
	}
	if err := p.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	defer p.Stop()

	// Some H.264, a keyframe every 4 pictures, joined in the middle of a GOP.
	pattern, _ := testsrc.New(160, 120)
	enc, _ := ffmpeg.NewH264Encoder(160, 120, ffmpeg.WithGOP(4))
	defer enc.Close()
	go func() {
		for i := range 10 {
			encoded, _ := enc.Encode(pattern.Frame(uint64(i)))
			if i < 2 {
				continue
			}
			// Data is one access unit in Annex B form; Key may be left
			// false: the AppSrc finds keyframes.
			if err := src.Push(ctx, &media.Packet{Data: encoded.Data}); err != nil {
				fmt.Println(err)
			}
		}
		src.Close()
	}()
	for pk := range sink.All(ctx) {
		fmt.Printf("packet %d: key %v, GOP %d, %dx%d\n", pk.Seq, pk.Key, pk.GOP, pk.Width, pk.Height)
	}
	fmt.Println("left out before the first keyframe:", src.Stats().BeforeKeyframe)
	// Output:
	// packet 0: key true, GOP 0, 160x120
	// packet 1: key false, GOP 0, 160x120
	// packet 2: key false, GOP 0, 160x120
	// packet 3: key false, GOP 0, 160x120
	// packet 4: key true, GOP 4, 160x120
	// packet 5: key false, GOP 4, 160x120
	// left out before the first keyframe: 2
}

// A detector that wants the newest picture, never a backlog, pulls from an
// AppSink of one: a picture that comes before the last was pulled takes
// its place (the older is dropped and counted), and the pipeline never
// waits for the detector, so a recording on another branch loses nothing.
func ExampleAppSink() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cam := elements.DefaultTestSrcConfig()
	cam.Width, cam.Height, cam.Frames, cam.Live = 320, 240, 30, false
	sink, _ := elements.NewAppSink[*media.Frame](elements.AppSinkConfig{MaxQueued: 1, Overflow: elements.OverflowDropOldest})
	p := pipeline.New()
	if err := p.Chain([]string{"camera", "detector"}, []pipeline.Element{elements.TestSrc(cam), sink.Element()}); err != nil {
		fmt.Println(err)
		return
	}
	if err := p.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	defer p.Stop()
	var last uint64
	for f := range sink.All(ctx) {
		last = f.Seq // detect(f), taking as long as it takes
		f.Release()
	}
	st := sink.Stats()
	fmt.Println("the last picture pulled:", last)
	fmt.Println("every picture pulled or dropped:", st.Items == 30)
	// Output:
	// the last picture pulled: 29
	// every picture pulled or dropped: true
}
