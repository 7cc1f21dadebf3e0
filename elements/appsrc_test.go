package elements

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/pipeline"
)

// appTimeout bounds every wait of the app element tests.
const appTimeout = 20 * time.Second

// appLeaks checks, at the test's end, that no goroutine outlives it.
func appLeaks(t *testing.T) {
	t.Helper()
	opts := []goleak.Option{goleak.IgnoreCurrent(),
		goleak.IgnoreTopFunction("github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1")}
	t.Cleanup(func() { goleak.VerifyNone(t, opts...) })
}

// startApp chains els under names and starts the pipeline; the test's end
// stops it.
func startApp(t *testing.T, names []string, els ...pipeline.Element) *pipeline.Pipeline {
	t.Helper()
	p := pipeline.New()
	if err := p.Chain(names, els); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	return p
}

func mustAppSrc[T media.Item](t *testing.T, cfg AppSrcConfig) *AppSrc[T] {
	t.Helper()
	s, err := NewAppSrc[T](cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustAppSink[T media.Item](t *testing.T, cfg AppSinkConfig) *AppSink[T] {
	t.Helper()
	s, err := NewAppSink[T](cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// pushFrames pushes n frames of pool, frame i's first pixel i%256, then
// closes src; the error of the first push that failed comes on the channel.
func pushFrames(src *AppSrc[*media.Frame], pool *media.FramePool, n int) <-chan error {
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), appTimeout)
		defer cancel()
		for i := range n {
			f := pool.Get()
			f.Planes[0][0] = byte(i)
			if err := src.Push(ctx, f); err != nil {
				done <- err
				return
			}
		}
		done <- src.Close()
	}()
	return done
}

// Frames pushed into an AppSrc come out of an AppSink in order, numbered,
// and, released by the consumer, back to the pusher's pool: 300 frames
// take a handful of pictures' memory.
func TestAppSrcFramesComeOutOfAnAppSinkAndBackToThePool(t *testing.T) {
	appLeaks(t)
	pool, err := media.NewFramePool(media.GRAY8, 64, 48, 0)
	if err != nil {
		t.Fatal(err)
	}
	src := mustAppSrc[*media.Frame](t, AppSrcConfig{})
	sink := mustAppSink[*media.Frame](t, AppSinkConfig{Overflow: OverflowBlock})
	p := startApp(t, []string{"appsrc", "appsink"}, src.Element(), sink.Element())
	pushed := pushFrames(src, pool, 300)
	ctx, cancel := context.WithTimeout(context.Background(), appTimeout)
	defer cancel()
	n := 0
	for f := range sink.All(ctx) {
		if f.Seq != uint64(n) || f.Planes[0][0] != byte(n) || f.CaptureTime.IsZero() {
			t.Fatalf("frame %d: Seq %d, first pixel %d, captured %v", n, f.Seq, f.Planes[0][0], f.CaptureTime)
		}
		f.Release()
		n++
	}
	if err := <-pushed; err != nil {
		t.Fatal(err)
	}
	if n != 300 {
		t.Fatalf("pulled %d frames before the end of the stream (ctx: %v), want 300", n, ctx.Err())
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if a := pool.Allocated(); a > 16 {
		t.Fatalf("the pool allocated %d pictures for 300 frames: frames do not come back to it", a)
	}
	if st := src.Stats(); st.Items != 300 || st.Dropped != 0 {
		t.Fatalf("appsrc stats %+v", st)
	}
}

// A Push after Close, or after the pipeline stopped, fails at once with an
// error that says which; a Close lets what was pushed go out first.
func TestAppSrcPushAfterCloseOrStopFails(t *testing.T) {
	appLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), appTimeout)
	defer cancel()
	frame := func() *media.Frame {
		f, _ := media.NewFrame(media.GRAY8, 16, 16)
		return f
	}

	src := mustAppSrc[*media.Frame](t, AppSrcConfig{})
	sink := mustAppSink[*media.Frame](t, AppSinkConfig{Overflow: OverflowBlock})
	p := startApp(t, []string{"appsrc", "appsink"}, src.Element(), sink.Element())
	if err := src.Push(ctx, frame()); err != nil {
		t.Fatal(err)
	}
	src.Close()
	if err := src.Push(ctx, frame()); !errors.Is(err, ErrAppClosed) {
		t.Fatalf("Push after Close: %v, want ErrAppClosed", err)
	}
	if _, err := sink.Pull(ctx); err != nil {
		t.Fatalf("the frame pushed before Close: %v", err)
	}
	if _, err := sink.Pull(ctx); err != io.EOF {
		t.Fatalf("after it: %v, want io.EOF", err)
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}

	src = mustAppSrc[*media.Frame](t, AppSrcConfig{})
	p = startApp(t, []string{"appsrc", "fakesink"}, src.Element(), FakeSink())
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, push := range []func() error{
		func() error { return src.Push(ctx, frame()) },
		func() error { return src.TryPush(frame()) },
	} {
		if err := push(); !errors.Is(err, ErrAppStopped) {
			t.Fatalf("push after Stop: %v, want ErrAppStopped", err)
		}
	}
}

// The pipeline stopping while a Push waits for room ends the wait: the
// Push fails with ErrAppStopped, long before its context would end it,
// and the stop does not wait for the AppSink nobody pulls from.
func TestAPushWaitingWhenThePipelineStopsReturns(t *testing.T) {
	appLeaks(t)
	src := mustAppSrc[*media.Frame](t, AppSrcConfig{MaxQueued: 1})
	sink := mustAppSink[*media.Frame](t, AppSinkConfig{MaxQueued: 1, Overflow: OverflowBlock})
	p := startApp(t, []string{"appsrc", "appsink"}, src.Element(), sink.Element())
	pool, _ := media.NewFramePool(media.GRAY8, 16, 16, 0)
	pushed := pushFrames(src, pool, 100)
	deadline := time.Now().Add(appTimeout)
	for src.Stats().Queued < 1 || sink.Stats().Queued < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the queues never filled: appsrc %+v, appsink %+v", src.Stats(), sink.Stats())
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the next Push wait
	began := time.Now()
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case err := <-pushed:
		if !errors.Is(err, ErrAppStopped) {
			t.Fatalf("the waiting Push returned %v, want ErrAppStopped", err)
		}
	case <-time.After(appTimeout):
		t.Fatal("the Push still waits after the pipeline stopped")
	}
	if took := time.Since(began); took > pipeline.DefaultStopTimeout {
		t.Fatalf("the stop took %v", took)
	}
	// What the pipeline never took is dropped, counted: nothing is lost
	// without a word.
	st, node := src.Stats(), nodeStats(p, "appsrc")
	if st.Queued != 0 || st.Items != node.Out+st.Dropped || node.Dropped != st.Dropped {
		t.Fatalf("appsrc %+v, node %+v: want every item pushed out or dropped, counted", st, node)
	}
}

// A frame that does not fit the stream is refused with an error naming it,
// and stays the caller's.
func TestAppSrcRefusesAFrameThatDoesNotFitNamingIt(t *testing.T) {
	src := mustAppSrc[*media.Frame](t, AppSrcConfig{})
	first, _ := media.NewFrame(media.YUV420P, 64, 48)
	if err := src.TryPush(first); err != nil {
		t.Fatal(err)
	}
	gray, _ := media.NewFrame(media.GRAY8, 64, 48)
	short := &media.Frame{Width: 64, Height: 48, Format: media.YUV420P}
	late, _ := media.NewFrame(media.YUV420P, 64, 48)
	late.CaptureTime = time.Now().Add(-time.Hour)
	for _, c := range []struct {
		f    *media.Frame
		want string
	}{
		{nil, "frame 1 is nil"},
		{gray, "frame 1 is 64x48 gray8, but the stream's frames are 64x48 yuv420p (as its first frame set them)"},
		{short, "frame 1: media: plane too short"},
		{late, "frame 1 was captured at"},
	} {
		err := src.TryPush(c.f)
		if !errors.Is(err, ErrAppRefused) || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("TryPush: %v, want ErrAppRefused saying %q", err, c.want)
		}
	}
	if !late.CaptureTime.Before(time.Now().Add(-time.Minute)) || src.Stats().Items != 1 {
		t.Fatalf("a refused frame was changed or counted: %+v", src.Stats())
	}
	if _, err := NewAppSrc[media.Item](AppSrcConfig{}); !errors.Is(err, pipeline.ErrBadGraph) {
		t.Fatalf("an AppSrc of media.Item: %v", err)
	}
	if _, err := NewAppSrc[*media.Frame](AppSrcConfig{MaxQueued: -1}); err == nil || !strings.Contains(err.Error(), "MaxQueued -1") {
		t.Fatalf("MaxQueued -1: %v", err)
	}
	if _, err := NewAppSrc[*media.Frame](AppSrcConfig{Width: 640}); !errors.Is(err, pipeline.ErrBadGraph) || !strings.Contains(err.Error(), "set all three") {
		t.Fatalf("a config with a width alone: %v", err)
	}
	set := mustAppSrc[*media.Frame](t, AppSrcConfig{Width: 64, Height: 48, Format: media.GRAY8})
	if err := set.TryPush(first); !errors.Is(err, ErrAppRefused) || !strings.Contains(err.Error(), "(as AppSrcConfig sets them)") {
		t.Fatalf("a frame unlike the config's: %v", err)
	}
}

// encodedPackets encodes n frames of the test pattern, a keyframe every gop.
func encodedPackets(t *testing.T, w, h, n, gop int) []*media.Packet {
	t.Helper()
	pat, err := testsrc.New(w, h)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := ffmpeg.NewH264Encoder(w, h, ffmpeg.WithGOP(gop))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	var out []*media.Packet
	for i := range n {
		p, err := enc.Encode(pat.Frame(uint64(i)))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// withoutParamSets is an access unit's data less its SPS and PPS, as a
// camera that sends them once gives its later keyframes.
func withoutParamSets(t *testing.T, data []byte) []byte {
	nalus, err := h264.SplitAnnexB(data)
	if err != nil {
		t.Fatal(err)
	}
	var kept [][]byte
	for _, n := range nalus {
		if typ := h264.TypeOf(n); typ != h264.NALUTypeSPS && typ != h264.NALUTypePPS {
			kept = append(kept, n)
		}
	}
	return h264.JoinAnnexB(kept)
}

// H.264 packets pushed from the middle of a GOP wait for its keyframe;
// from there they are numbered, sized and keyed by the AppSrc, their
// keyframes given the SPS and PPS they lacked, and every one decodes.
func TestAppSrcPacketsWaitForAKeyframeAndDecode(t *testing.T) {
	appLeaks(t)
	encoded := encodedPackets(t, 160, 128, 30, 10)
	src := mustAppSrc[*media.Packet](t, AppSrcConfig{})
	sink := mustAppSink[*media.Frame](t, AppSinkConfig{Overflow: OverflowBlock, MaxQueued: 32})
	p := startApp(t, []string{"appsrc", "dec", "appsink"}, src.Element(), H264Dec(media.YUV420P), sink.Element())
	ctx, cancel := context.WithTimeout(context.Background(), appTimeout)
	defer cancel()
	for i, e := range encoded[3:] {
		in := &media.Packet{Data: e.Data}
		if e.Key && i > 10 {
			in.Data = withoutParamSets(t, e.Data)
		}
		if err := src.Push(ctx, in); err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if in.Seq != 0 || in.Codec != media.CodecUnknown {
			t.Fatalf("Push changed the caller's packet: %+v", in)
		}
	}
	select {
	case <-src.KeyframeRequests():
	default:
		t.Fatal("packets left out before the first keyframe did not ask for one")
	}
	src.Close()
	n := 0
	for f := range sink.All(ctx) {
		if f.Width != 160 || f.Height != 128 {
			t.Fatalf("picture %d is %dx%d", n, f.Width, f.Height)
		}
		n++
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if n != 20 {
		t.Fatalf("%d pictures decoded, want the 20 from the first keyframe on", n)
	}
	st, node := src.Stats(), nodeStats(p, "appsrc")
	if st.BeforeKeyframe != 7 || node.Skipped["before_keyframe"] != 7 || node.Out != 20 {
		t.Fatalf("appsrc stats %+v, node %+v: want 7 left out before the keyframe, 20 out", st, node)
	}
}

// What the pipeline gets of pushed packets is one numbered chain: Seq from
// 0, GOP its keyframe's, one Epoch, the size from the SPS.
func TestAppSrcNumbersItsPackets(t *testing.T) {
	appLeaks(t)
	encoded := encodedPackets(t, 96, 64, 12, 5)
	src := mustAppSrc[*media.Packet](t, AppSrcConfig{})
	sink := mustAppSink[*media.Packet](t, AppSinkConfig{Overflow: OverflowBlock, MaxQueued: 16})
	startApp(t, []string{"appsrc", "appsink"}, src.Element(), sink.Element())
	ctx, cancel := context.WithTimeout(context.Background(), appTimeout)
	defer cancel()
	for _, e := range encoded {
		if err := src.Push(ctx, &media.Packet{Data: e.Data, Key: e.Key}); err != nil {
			t.Fatal(err)
		}
	}
	src.Close()
	var epoch uint64
	seq := 0
	for pk := range sink.All(ctx) {
		want := encoded[seq]
		if pk.Seq != uint64(seq) || pk.GOP != want.GOP || pk.Key != want.Key || pk.Width != 96 || pk.Height != 64 || pk.Epoch == 0 ||
			(epoch != 0 && pk.Epoch != epoch) || pk.Validate() != nil {
			t.Fatalf("packet %d: %+v (the encoder's: Seq %d GOP %d Key %v)", seq, pk, want.Seq, want.GOP, want.Key)
		}
		epoch = pk.Epoch
		seq++
	}
	if seq != 12 {
		t.Fatalf("%d packets, want 12", seq)
	}
}

// A packet marked Key that no decoder can start at, or data that is not
// Annex B, is refused saying what to do.
func TestAppSrcRefusesPacketsThatAreNotWhatTheySay(t *testing.T) {
	encoded := encodedPackets(t, 96, 64, 3, 10)
	src := mustAppSrc[*media.Packet](t, AppSrcConfig{})
	avcc, err := h264.JoinAVCC(must(h264.SplitAnnexB(encoded[0].Data)), 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p    *media.Packet
		want string
	}{
		{&media.Packet{Data: encoded[1].Data, Key: true}, "packet 0 is marked Key but holds no IDR picture"},
		{&media.Packet{Data: avcc}, "convert length-prefixed AVCC data"},
		{&media.Packet{Codec: media.JPEG, Data: []byte{0xff, 0xd8}}, "packet 0 is jpeg"},
		{&media.Packet{Data: withoutParamSets(t, encoded[0].Data)}, "push the SPS and PPS with the first keyframe"},
	} {
		if err := src.TryPush(c.p); !errors.Is(err, ErrAppRefused) || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("TryPush: %v, want ErrAppRefused saying %q", err, c.want)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Once nothing in the pipeline takes the AppSrc's items (the stage after
// it failed for good), a Push fails instead of queueing for nobody, or
// waiting for ever.
func TestAppSrcPushFailsOnceNothingTakesItsItems(t *testing.T) {
	appLeaks(t)
	encoded := encodedPackets(t, 96, 64, 1, 10)
	src := mustAppSrc[*media.Packet](t, AppSrcConfig{MaxQueued: 1})
	refuse := pipeline.ProcessorElement("refuse", pipeline.Packets(media.H264), pipeline.Packets(media.H264),
		func() (pipeline.Processor[*media.Packet, *media.Packet], error) { return refusePackets{}, nil })
	startApp(t, []string{"appsrc", "refuse", "fakesink"}, src.Element(), refuse, FakeSink())
	ctx, cancel := context.WithTimeout(context.Background(), appTimeout)
	defer cancel()
	var err error
	for i := 0; err == nil; i++ {
		err = src.Push(ctx, &media.Packet{Data: encoded[0].Data, CaptureTime: time.Now()})
	}
	if !errors.Is(err, ErrAppStopped) {
		t.Fatalf("Push: %v, want ErrAppStopped", err)
	}
}
