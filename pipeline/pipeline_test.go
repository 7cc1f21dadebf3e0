package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/media"
)

// countSource emits items 0..n-1 (n < 0: forever), paced every interval
// when interval > 0.
type countSource[T media.Item] struct {
	n        int
	interval time.Duration
	make     func(seq uint64, due time.Time) T
	env      *Env
	next     int
	start    time.Time
}

func (s *countSource[T]) Start(env *Env) error { s.env, s.start = env, env.Now(); return nil }
func (s *countSource[T]) Stop() error          { return nil }
func (s *countSource[T]) Next() (T, time.Time, error) {
	var none T
	if s.n >= 0 && s.next >= s.n {
		return none, time.Time{}, io.EOF
	}
	var due time.Time
	if s.interval > 0 {
		due = s.start.Add(time.Duration(s.next) * s.interval)
	}
	seq := uint64(s.next)
	s.next++
	return s.make(seq, due), due, nil
}

func countFrame(seq uint64, due time.Time) *media.Frame {
	return &media.Frame{Seq: seq, CaptureTime: due}
}

func countPacket(seq uint64, due time.Time) *media.Packet {
	return &media.Packet{Codec: media.H264, Seq: seq, Key: seq == 0, CaptureTime: due, Data: []byte{0, 0, 0, 1, 0x41}}
}

func frameCounter(n int, interval time.Duration) *countSource[*media.Frame] {
	return &countSource[*media.Frame]{n: n, interval: interval, make: countFrame}
}

func counter(n int, interval time.Duration) Element {
	return SourceElement("count", Frames, func() (Source[*media.Frame], error) { return frameCounter(n, interval), nil })
}

// passFilter hands frames on; it panics once at panicAt when set.
type passFilter struct {
	env      *Env
	panicAt  int
	panicked *atomic.Bool
}

func (f *passFilter) Start(env *Env) error { f.env = env; return nil }
func (f *passFilter) Stop() error          { return nil }
func (f *passFilter) Process(fr *media.Frame, emit func(*media.Frame)) error {
	if f.panicked != nil && int(fr.Seq) == f.panicAt && !f.panicked.Swap(true) {
		panic("deliberate test panic")
	}
	emit(fr)
	return nil
}

func pass(panicAt int, panicked *atomic.Bool) Element {
	return ProcessorElement("pass", Frames, Frames, func() (Processor[*media.Frame, *media.Frame], error) {
		return &passFilter{panicAt: panicAt, panicked: panicked}, nil
	})
}

// collector records what reaches it; release, when set, holds each item
// until the test lets it go.
type collector struct {
	mu      sync.Mutex
	seqs    []uint64
	flushed bool
	release chan struct{}
	stops   atomic.Int32
	// flushErr is what Flush returns.
	flushErr error
}

func (c *collector) element() Element {
	return SinkElement("collect", Frames, func() (Sink[*media.Frame], error) { return &collectStage[*media.Frame]{c: c}, nil })
}

func (c *collector) packets() Element {
	return SinkElement("collect", Packets(media.H264), func() (Sink[*media.Packet], error) { return &collectStage[*media.Packet]{c: c}, nil })
}

func (c *collector) got() []uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]uint64(nil), c.seqs...)
}

type collectStage[T media.Item] struct{ c *collector }

func (s *collectStage[T]) Start(*Env) error { return nil }
func (s *collectStage[T]) Stop() error      { s.c.stops.Add(1); return nil }
func (s *collectStage[T]) Process(v T) error {
	if s.c.release != nil {
		<-s.c.release
	}
	s.c.mu.Lock()
	switch v := media.Item(v).(type) {
	case *media.Frame:
		s.c.seqs = append(s.c.seqs, v.Seq)
	case *media.Packet:
		s.c.seqs = append(s.c.seqs, v.Seq)
	}
	s.c.mu.Unlock()
	return nil
}
func (s *collectStage[T]) Flush() error {
	s.c.mu.Lock()
	s.c.flushed = true
	s.c.mu.Unlock()
	return s.c.flushErr
}

func run(t *testing.T, p *Pipeline) {
	t.Helper()
	if err := runErr(t, p); err != nil {
		t.Fatal(err)
	}
}

// runFailing runs p as run does, and wants Wait's error to be the
// FailedError of the nodes named, in order.
func runFailing(t *testing.T, p *Pipeline, nodes ...string) *FailedError {
	t.Helper()
	err := runErr(t, p)
	var failed *FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("Wait = %v, want a FailedError of %v", err, nodes)
	}
	var got []string
	for _, n := range failed.Nodes {
		got = append(got, n.Node)
	}
	if fmt.Sprint(got) != fmt.Sprint(nodes) {
		t.Fatalf("Wait = %v: failed nodes %v, want %v", err, got, nodes)
	}
	return failed
}

// runErr starts p and returns what Wait returns once its sources ended.
func runErr(t *testing.T, p *Pipeline) error {
	t.Helper()
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("pipeline did not end")
	}
	return nil
}

func TestFramesFlowEndToEndInOrder(t *testing.T) {
	c := &collector{}
	p := New()
	if err := p.Chain([]string{"src", "pass", "sink"}, []Element{counter(500, 0), pass(-1, nil), c.element()}); err != nil {
		t.Fatal(err)
	}
	run(t, p)
	got := c.got()
	if len(got) != 500 {
		t.Fatalf("sink got %d frames, want 500", len(got))
	}
	for i, s := range got {
		if s != uint64(i) {
			t.Fatalf("frame %d has seq %d: out of order", i, s)
		}
	}
	if !c.flushed || c.stops.Load() != 1 {
		t.Errorf("flushed %v, stopped %d times", c.flushed, c.stops.Load())
	}
	for _, s := range p.Stats() {
		if (s.Node == "src" && s.Out != 500) || (s.Node == "pass" && (s.In != 500 || s.Out != 500)) || (s.Node == "sink" && s.In != 500) {
			t.Errorf("stats %+v", s)
		}
	}
}

func TestFanOutReachesEveryBranch(t *testing.T) {
	a, b := &collector{}, &collector{}
	p := New()
	for _, err := range []error{
		p.Add("src", counter(50, 0)), p.Add("a", a.element()), p.Add("b", b.element()),
		p.Link("src", "a"), p.Link("src", "b"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	run(t, p)
	if len(a.got()) != 50 || len(b.got()) != 50 {
		t.Fatalf("branches got %d and %d, want 50 each", len(a.got()), len(b.got()))
	}
}

func TestPanickingStageRestartsAndStreamContinues(t *testing.T) {
	c := &collector{}
	var panicked atomic.Bool
	var log testlog.Buffer
	p := New(WithLogger(zerolog.New(&log)))
	if err := p.Chain([]string{"src", "flaky", "sink"}, []Element{counter(100, 0), pass(10, &panicked), c.element()}); err != nil {
		t.Fatal(err)
	}
	if f := runFailing(t, p, "flaky"); f.Nodes[0].Panics != 1 || !strings.Contains(f.Error(), "flaky (pass) 1 restart after a panic") {
		t.Errorf("Wait = %v, want flaky's one restart after a panic", f)
	}
	got := c.got()
	if len(got) != 99 {
		t.Fatalf("sink got %d frames, want 99 (all but the one that panicked)", len(got))
	}
	for _, s := range got {
		if s == 10 {
			t.Fatal("the frame that panicked came through")
		}
	}
	for _, s := range p.Stats() {
		if s.Node == "flaky" && (s.Restarts != 1 || s.Panics != 1) {
			t.Errorf("flaky restarts %d, panics %d, want 1", s.Restarts, s.Panics)
		}
	}
	if want := `"node":"flaky","element":"pass","restarts":1,"panic":"deliberate test panic","message":"stage panicked; restarting it"`; !strings.Contains(log.String(), want) {
		t.Errorf("the restart was not logged as %s:\n%s", want, log.String())
	}
}

func TestSlowSinkSlowsAnUnpacedSourceWithBoundedQueues(t *testing.T) {
	c := &collector{release: make(chan struct{})}
	p := New()
	if err := p.Chain([]string{"src", "pass", "sink"}, []Element{counter(-1, 0), pass(-1, nil), c.element()}); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		c.release <- struct{}{}
	}
	time.Sleep(50 * time.Millisecond) // let the source run ahead as far as it can
	var srcOut uint64
	for _, s := range p.Stats() {
		if s.Node == "src" {
			srcOut = s.Out
		}
	}
	// One item in the sink's hands, a window on each of the two links.
	if limit := uint64(20 + 1 + 2*DefaultWindow); srcOut > limit {
		t.Errorf("source emitted %d frames while the sink took 20: queues are not bounded (limit %d)", srcOut, limit)
	}
	close(c.release)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
}

func TestPacedSourceDropsWhenBusyInsteadOfFallingBehind(t *testing.T) {
	// The queue puts the sink on a goroutine of its own: the source stays
	// free to drop while the sink is stuck. During the stall the source
	// sends what the sink's window and the queue's hold, and drops the rest.
	for _, size := range []int{0, 1} {
		window := size
		if window == 0 {
			window = DefaultWindow
		}
		c := &collector{release: make(chan struct{})}
		p := New()
		if err := p.Chain([]string{"src", "queue", "sink"}, []Element{counter(-1, time.Millisecond), Queue(size), c.element()}); err != nil {
			t.Fatal(err)
		}
		if err := p.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		src := p.Stats()[0]
		for deadline := time.Now().Add(time.Minute); src.Dropped < 50 && time.Now().Before(deadline); src = p.Stats()[0] {
			time.Sleep(time.Millisecond)
		}
		close(c.release)
		if err := p.Stop(); err != nil {
			t.Fatal(err)
		}
		if src.Dropped < 50 || src.Out > uint64(DefaultWindow+window) {
			t.Errorf("a paced source behind a queue of %d and a stalled sink: out %d (at most %d), dropped %d",
				size, src.Out, DefaultWindow+window, src.Dropped)
		}
	}
}

// A chain runs in its source's calls: a slow stage there holds up the
// source, whose frames then come late, and the source drops them for the
// newer ones instead of falling behind, and says so in the log once, not
// at every frame.
func TestPacedSourceBehindASlowChainDropsInsteadOfFallingBehind(t *testing.T) {
	c := &collector{release: make(chan struct{})}
	var log testlog.Buffer
	p := New(WithLogger(zerolog.New(&log).Level(zerolog.InfoLevel)))
	if err := p.Chain([]string{"src", "sink"}, []Element{counter(-1, time.Millisecond), c.element()}); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		time.Sleep(5 * time.Millisecond) // the sink's work: five frames' time
		c.release <- struct{}{}
	}
	close(c.release)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	got, src := c.got(), p.Stats()[0]
	if src.Dropped < 40 {
		t.Errorf("a paced source behind a chain five times slower dropped %d frames of %d", src.Dropped, src.Dropped+src.Out)
	}
	for i := 1; i < 20 && i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("frames out of order: %v", got[:20])
		}
	}
	warnings := strings.Count(log.String(), "fell behind its clock and dropped frames")
	if warnings != 1 || !strings.Contains(log.String(), `"dropped_since_last_warning":1,`) || !strings.Contains(log.String(), `"node":"src"`) {
		t.Errorf("%d drops in %d warnings, want the first said at once and the rest held back for %v; the log:\n%s",
			src.Dropped, warnings, dropWarnInterval, log.String())
	}
}

// A chain's live source falls behind by up to its link's window before it
// drops (the pacer's slack), as a camera's driver holds a few frames: a
// stall of three frames costs no frame with a window of eight, and costs
// frames with a window of one.
func TestAChainsSourceRidesOutAStallWithinItsLinksWindow(t *testing.T) {
	for _, window := range []int{8, 1} {
		c := &collector{release: make(chan struct{})}
		sink := c.element()
		sink.Window = window
		p := New()
		if err := p.Chain([]string{"src", "sink"}, []Element{counter(12, 50*time.Millisecond), sink}); err != nil {
			t.Fatal(err)
		}
		if err := p.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond) // the sink holds the first frame
		close(c.release)
		if err := p.Wait(); err != nil {
			t.Fatal(err)
		}
		got, src := c.got(), p.Stats()[0]
		switch {
		case window == 8 && (src.Dropped != 0 || len(got) != 12):
			t.Errorf("a window of 8 and a stall of 3 frames: dropped %d, the sink got %v", src.Dropped, got)
		case window == 1 && src.Dropped == 0:
			t.Errorf("a window of 1 and a stall of 3 frames: nothing dropped, the sink got %v", got)
		}
	}
}

// goroutineID is the id of the calling goroutine, from its stack's header.
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	id, _, _ := strings.Cut(strings.TrimPrefix(string(buf), "goroutine "), " ")
	return id
}

// whereStage notes, for each frame, the goroutine that handled it.
func whereStage(name string, mu *sync.Mutex, seen map[string]map[uint64]string) Element {
	return ProcessorElement(name, Frames, Frames, func() (Processor[*media.Frame, *media.Frame], error) {
		return funcProcessor(func(f *media.Frame, emit func(*media.Frame)) {
			mu.Lock()
			seen[name][f.Seq] = goroutineID()
			mu.Unlock()
			emit(f)
		}), nil
	})
}

type funcProcessor func(*media.Frame, func(*media.Frame))

func (funcProcessor) Start(*Env) error { return nil }
func (funcProcessor) Stop() error      { return nil }
func (f funcProcessor) Process(fr *media.Frame, emit func(*media.Frame)) error {
	f(fr, emit)
	return nil
}

// A chain runs in its source's goroutine: no stage of it waits for
// another goroutine to wake. (A queue's own goroutine is tested by
// TestPacedSourceDropsWhenBusyInsteadOfFallingBehind: the source drops while
// the chain after the queue is stuck.)
func TestAChainRunsInItsSourcesGoroutine(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]map[uint64]string{"a": {}, "b": {}, "c": {}}
	c := &collector{}
	p := New()
	if err := p.Chain([]string{"src", "a", "b", "c", "sink"}, []Element{counter(50, 0),
		whereStage("a", &mu, seen), whereStage("b", &mu, seen), whereStage("c", &mu, seen), c.element()}); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	if len(c.got()) != 50 {
		t.Fatalf("the sink got %d frames of 50", len(c.got()))
	}
	mu.Lock()
	defer mu.Unlock()
	for seq := range uint64(50) {
		if a, b, cc := seen["a"][seq], seen["b"][seq], seen["c"][seq]; a == "" || a != b || b != cc {
			t.Fatalf("frame %d went through goroutines %s, %s and %s; a chain runs in one", seq, a, b, cc)
		}
	}
}

func TestPacedPacketSourceWaitsInsteadOfDropping(t *testing.T) {
	c := &collector{release: make(chan struct{})}
	p := New()
	src := SourceElement("count", Packets(media.H264), func() (Source[*media.Packet], error) {
		return &countSource[*media.Packet]{n: 60, interval: time.Millisecond, make: countPacket}, nil
	})
	sink := c.packets()
	if err := p.Chain([]string{"src", "sink"}, []Element{src, sink}); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // every packet is due; the sink takes nothing
	close(c.release)
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	got := c.got()
	if len(got) != 60 || p.Stats()[0].Dropped != 0 {
		t.Fatalf("a paced packet source behind a stalled sink delivered %d of 60, dropped %d", len(got), p.Stats()[0].Dropped)
	}
	for i, seq := range got {
		if seq != uint64(i) {
			t.Fatalf("packet %d has Seq %d: out of order", i, seq)
		}
	}
}

func TestStopIsGracefulAndLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 3 {
		c := &collector{}
		p := New()
		if err := p.Chain([]string{"src", "pass", "sink"}, []Element{counter(-1, time.Millisecond), pass(-1, nil), c.element()}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond)
		cancel() // cancelling the context stops the pipeline
		<-p.Done()
		if err := p.Stop(); err != nil {
			t.Fatal(err)
		}
		if !c.flushed || c.stops.Load() != 1 || len(c.got()) == 0 {
			t.Fatalf("flushed %v, stops %d, frames %d", c.flushed, c.stops.Load(), len(c.got()))
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after three pipelines:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestGraphErrorsNameTheNodes(t *testing.T) {
	packetSink := SinkElement("h264dec", Packets(media.H264), func() (Sink[*media.Packet], error) { return nil, nil })
	jpegSrc := SourceElement("jpegsrc", Packets(media.JPEG), func() (Source[*media.Packet], error) { return nil, nil })
	cases := []struct {
		name  string
		build func(p *Pipeline) error
		want  error
		words []string
	}{
		{"frames into packets", func(p *Pipeline) error {
			_ = p.Add("cam", counter(1, 0))
			_ = p.Add("dec", packetSink)
			return p.Link("cam", "dec")
		}, ErrMismatch, []string{"cam (count) gives raw frames", "dec (h264dec) takes h264 packets"}},
		{"jpeg into h264", func(p *Pipeline) error {
			_ = p.Add("src", jpegSrc)
			_ = p.Add("dec", packetSink)
			return p.Link("src", "dec")
		}, ErrMismatch, []string{"jpeg packets", "h264 packets"}},
		{"duplicate", func(p *Pipeline) error {
			_ = p.Add("a", counter(1, 0))
			return p.Add("a", counter(1, 0))
		}, ErrDuplicateNode, []string{`"a"`}},
		{"unknown", func(p *Pipeline) error {
			_ = p.Add("a", counter(1, 0))
			return p.Link("a", "b")
		}, ErrUnknownNode, []string{`"b"`}},
		{"two inputs", func(p *Pipeline) error {
			_ = p.Add("a", counter(1, 0))
			_ = p.Add("b", counter(1, 0))
			_ = p.Add("s", (&collector{}).element())
			_ = p.Link("a", "s")
			return p.Link("b", "s")
		}, ErrBadGraph, []string{"s already takes its input from a"}},
		{"into a source", func(p *Pipeline) error {
			_ = p.Add("a", counter(1, 0))
			_ = p.Add("b", counter(1, 0))
			return p.Link("a", "b")
		}, ErrBadGraph, []string{"b (count) is a source"}},
		{"dangling output", func(p *Pipeline) error {
			_ = p.Add("a", counter(1, 0))
			return p.Start(context.Background())
		}, ErrBadGraph, []string{"a (count) gives raw frames but nothing takes them"}},
		{"missing input", func(p *Pipeline) error {
			_ = p.Add("s", (&collector{}).element())
			return p.Start(context.Background())
		}, ErrBadGraph, []string{"s (collect) needs an input"}},
	}
	for _, c := range cases {
		err := c.build(New())
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
			continue
		}
		for _, w := range c.words {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", c.name, err, w)
			}
		}
	}
}

func TestStartFailureNamesTheNodeAndStopsTheRest(t *testing.T) {
	c := &collector{}
	broken := ProcessorElement("broken", Frames, Frames, func() (Processor[*media.Frame, *media.Frame], error) {
		return nil, errors.New("no such device /dev/video9")
	})
	p := New()
	if err := p.Chain([]string{"src", "cam", "sink"}, []Element{counter(5, 0), broken, c.element()}); err != nil {
		t.Fatal(err)
	}
	err := p.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "cam (broken): no such device /dev/video9") {
		t.Fatalf("Start: %v", err)
	}
	if len(c.got()) != 0 {
		t.Error("frames flowed although a stage could not start")
	}
}

func TestWaitReturnsWhenStopTimesOut(t *testing.T) {
	// A sink that never finishes its item keeps end of stream from draining.
	c := &collector{release: make(chan struct{})}
	defer close(c.release)
	p := New(WithStopTimeout(200 * time.Millisecond))
	if err := p.Chain([]string{"src", "sink"}, []Element{counter(-1, 0), c.element()}); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- p.Wait() }()
	stopped := make(chan error, 1)
	go func() { stopped <- p.Stop() }()
	select {
	case err := <-waited:
		if !errors.Is(err, ErrStopTimeout) {
			t.Errorf("Wait: %v, want ErrStopTimeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Wait blocked after Stop gave up on draining")
	}
	if err := <-stopped; !errors.Is(err, ErrStopTimeout) {
		t.Errorf("Stop: %v, want ErrStopTimeout", err)
	}
	if err := p.Stop(); !errors.Is(err, ErrStopTimeout) {
		t.Errorf("Stop again: %v, want ErrStopTimeout", err)
	}
}

// A pipeline its context stopped gives that stop's error to Wait and Stop:
// a stage left behind is not lost because no caller of Stop saw it.
func TestAStopByTheContextGivesItsErrorToWaitAndStop(t *testing.T) {
	c := &collector{release: make(chan struct{})}
	defer close(c.release)
	p := New(WithStopTimeout(200 * time.Millisecond))
	if err := p.Chain([]string{"src", "sink"}, []Element{counter(-1, 0), c.element()}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := p.Wait(); !errors.Is(err, ErrStopTimeout) {
		t.Errorf("Wait: %v, want ErrStopTimeout", err)
	}
	if err := p.Stop(); !errors.Is(err, ErrStopTimeout) {
		t.Errorf("Stop: %v, want ErrStopTimeout", err)
	}
}

// Wait before Start says so at once instead of waiting for ever; after a
// Start that failed it returns Start's error, as Stop does.
func TestWaitBeforeOrAfterAFailedStartReturnsAtOnce(t *testing.T) {
	p := New()
	if err := p.Chain([]string{"src", "sink"}, []Element{counter(5, 0), (&collector{}).element()}); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- p.Wait() }()
	select {
	case err := <-waited:
		if !errors.Is(err, ErrNotStarted) {
			t.Errorf("Wait before Start: %v, want ErrNotStarted", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Wait before Start waits")
	}
	broken := ProcessorElement("broken", Frames, Frames, func() (Processor[*media.Frame, *media.Frame], error) {
		return nil, errors.New("no such device /dev/video9")
	})
	p = New()
	if err := p.Chain([]string{"src", "b", "sink"}, []Element{counter(5, 0), broken, (&collector{}).element()}); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err == nil {
		t.Fatal("Start worked")
	}
	for _, call := range []func() error{p.Wait, p.Stop} {
		if err := call(); err == nil || !strings.Contains(err.Error(), "no such device /dev/video9") {
			t.Errorf("after a failed Start: %v, want Start's error", err)
		}
	}
}

func TestAStopTimeoutThatIsNotPositiveIsRefusedAtStart(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		p := New(WithStopTimeout(d))
		if err := p.Chain([]string{"src", "sink"}, []Element{counter(5, 0), (&collector{}).element()}); err != nil {
			t.Fatal(err)
		}
		if err := p.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "want a positive duration") {
			t.Errorf("WithStopTimeout(%v): Start: %v", d, err)
			p.Stop()
		}
	}
}

func TestStopAfterFailedStartReturnsAtOnce(t *testing.T) {
	broken := ProcessorElement("broken", Frames, Frames, func() (Processor[*media.Frame, *media.Frame], error) {
		return nil, errors.New("broken")
	})
	p := New()
	if err := p.Chain([]string{"src", "b", "sink"}, []Element{counter(5, 0), broken, (&collector{}).element()}); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err == nil {
		t.Fatal("Start worked")
	}
	start := time.Now()
	_ = p.Stop()
	<-p.Done()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Stop after a failed Start took %v", d)
	}
}

func TestStartReturnsWhenAStageStartPanics(t *testing.T) {
	panicky := SinkElement("panicky", Frames, func() (Sink[*media.Frame], error) { return &panicStart{}, nil })
	p := New()
	if err := p.Chain([]string{"src", "bad"}, []Element{counter(5, 0), panicky}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Start(context.Background()) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "bad (panicky): panic while starting") {
			t.Fatalf("Start: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Start hung on a stage whose Start panics")
	}
}

type panicStart struct{}

func (panicStart) Start(*Env) error           { panic("cannot start") }
func (panicStart) Stop() error                { return nil }
func (panicStart) Process(*media.Frame) error { return nil }

// panicOnceSource panics in its first Next, then produces n frames.
type panicOnceSource struct {
	*countSource[*media.Frame]
	panicked *atomic.Bool
}

func (s *panicOnceSource) Next() (*media.Frame, time.Time, error) {
	if !s.panicked.Swap(true) {
		panic("first read fails")
	}
	return s.countSource.Next()
}

func TestSourceThatPanicsResumes(t *testing.T) {
	var panicked atomic.Bool
	src := SourceElement("flaky", Frames, func() (Source[*media.Frame], error) {
		return &panicOnceSource{countSource: frameCounter(10, 0), panicked: &panicked}, nil
	})
	c := &collector{}
	p := New()
	if err := p.Chain([]string{"src", "sink"}, []Element{src, c.element()}); err != nil {
		t.Fatal(err)
	}
	runFailing(t, p, "src")
	if len(c.got()) != 10 || p.Stats()[0].Restarts != 1 {
		t.Fatalf("sink got %d frames, source restarts %d", len(c.got()), p.Stats()[0].Restarts)
	}
}

func TestProtoactorsOwnLinesAreDebugOnly(t *testing.T) {
	var buf bytes.Buffer
	sys := NewSystem(zerolog.New(&buf).Level(zerolog.InfoLevel))
	sys.Logger().Error("EndpointWriter lost connection", slog.String("address", "127.0.0.1:1"))
	if buf.Len() != 0 {
		t.Fatalf("protoactor's error at info level: %s", buf.String())
	}
	sys = NewSystem(zerolog.New(&buf).Level(zerolog.DebugLevel))
	sys.Logger().Error("something else broke")
	if out := buf.String(); !strings.Contains(out, "something else broke") || !strings.Contains(out, `"level":"debug"`) {
		t.Fatalf("protoactor's log at debug level:\n%s", out)
	}
}

// haltable is a push source that ends its stream when halted, noting when
// and whether another collector had flushed by then.
type haltable struct {
	env     *Env
	before  *collector
	halted  chan time.Time
	flushed atomic.Bool
}

func (s *haltable) Start(env *Env) error                          { s.env = env; return nil }
func (s *haltable) Stop() error                                   { return nil }
func (s *haltable) Receive(any, func(*media.Frame)) (bool, error) { return false, nil }
func (s *haltable) Drained()                                      {}
func (s *haltable) element() Element {
	return PushSourceElement("push", Frames, func() (PushSource[*media.Frame], error) { return s, nil })
}
func (s *haltable) Halt() {
	s.before.mu.Lock()
	s.flushed.Store(s.before.flushed)
	s.before.mu.Unlock()
	s.halted <- time.Now()
	s.env.End()
}

func TestStopHaltsPushSourcesAfterTheProducingChains(t *testing.T) {
	c, pushed := &collector{}, &collector{}
	push := &haltable{before: c, halted: make(chan time.Time, 1)}
	p := New()
	for _, err := range []error{
		p.Chain([]string{"src", "sink"}, []Element{counter(-1, 0), c.element()}),
		p.Chain([]string{"push", "pushsink"}, []Element{push.element(), pushed.element()}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-push.halted:
	default:
		t.Fatal("the push source was not halted")
	}
	if !push.flushed.Load() {
		t.Error("the push source was halted before the producing chain reached its sink")
	}
}

func TestStopHaltsPushSourcesWhenAChainDoesNotDrain(t *testing.T) {
	stuck := &collector{release: make(chan struct{})}
	defer close(stuck.release)
	push := &haltable{before: &collector{}, halted: make(chan time.Time, 1)}
	const budget = 600 * time.Millisecond
	p := New(WithStopTimeout(budget))
	for _, err := range []error{
		p.Chain([]string{"src", "stuck"}, []Element{counter(-1, 0), stuck.element()}),
		p.Chain([]string{"push", "pushsink"}, []Element{push.element(), (&collector{}).element()}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	if err := p.Stop(); !errors.Is(err, ErrStopTimeout) {
		t.Errorf("stop: %v, want ErrStopTimeout (a stage never returns)", err)
	}
	select {
	case at := <-push.halted:
		if waited := at.Sub(start); waited < budget/2-50*time.Millisecond {
			t.Errorf("the push source was halted %v into the stop, before half the budget, with a chain still busy", waited)
		}
	default:
		t.Fatal("the push source was never halted")
	}
}

// failingSink fails on every frame and moves the test's clock a second.
type failingSink struct{ clock *atomic.Int64 }

func (failingSink) Start(*Env) error { return nil }
func (failingSink) Stop() error      { return nil }
func (s failingSink) Process(f *media.Frame) error {
	s.clock.Add(int64(time.Second))
	return fmt.Errorf("cannot take frame %d", f.Seq)
}

// A stage's errors are counted one by one and warned of at the default
// level, at most once per failWarnInterval, each warning saying how many
// errors it stands for.
func TestStageErrorsAreWarningsWithoutFlooding(t *testing.T) {
	var clock atomic.Int64
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	var log testlog.Buffer
	p := New(WithLogger(zerolog.New(&log).Level(zerolog.InfoLevel)), WithClock(now))
	sink := SinkElement("failing", Frames, func() (Sink[*media.Frame], error) { return failingSink{&clock}, nil })
	if err := p.Chain([]string{"src", "sink"}, []Element{counter(200, 0), sink}); err != nil {
		t.Fatal(err)
	}
	runFailing(t, p, "sink")
	for _, s := range p.Stats() {
		if s.Node == "sink" && (s.Errors != 200 || !strings.Contains(s.LastError, "cannot take frame")) {
			t.Fatalf("sink stats %+v, want 200 errors and the last of them", s)
		}
	}
	warnings := strings.Count(log.String(), `"level":"warn"`)
	if n := strings.Count(log.String(), `"message":"item failed"`); n != warnings || n < 30 || n > 41 {
		t.Fatalf("%d item warnings of %d warnings for 200 errors over 200 s, want one per 5 s:\n%s", n, warnings, log.String())
	}
	if !strings.Contains(log.String(), `"errors_since_last_warning":5`) || !strings.Contains(log.String(), "cannot take frame") {
		t.Fatalf("the warnings do not say what failed and how often:\n%s", log.String())
	}
}
