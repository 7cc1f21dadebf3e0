package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/media"
)

// refusing is a stage that can never take its input: its first frame
// fails for good, as an encoder refuses a size it can never encode.
type refusing struct{}

func (*refusing) Start(*Env) error { return nil }
func (*refusing) Stop() error      { return nil }
func (*refusing) Process(f *media.Frame, _ func(*media.Frame)) error {
	return Final(fmt.Errorf("frame %d: 639x479 can never be encoded; scale to 638x478", f.Seq))
}

func refuser() Element {
	return ProcessorElement("refuse", Frames, Frames, func() (Processor[*media.Frame, *media.Frame], error) {
		return &refusing{}, nil
	})
}

// startOrFail starts p; the test's context cancels it on the test's end.
func startOrFail(t *testing.T, p *Pipeline) {
	t.Helper()
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })
}

// awaitEnded waits until the named source has ended its stream by itself,
// while the pipeline runs; a source that never does fails the test.
func awaitEnded(t *testing.T, p *Pipeline, name string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !p.nodes[name].progress.eosIn.Load() {
		if time.Now().After(deadline) {
			t.Fatalf("%s still makes items for nobody", name)
		}
		time.Sleep(time.Millisecond)
	}
}

func statsOf(p *Pipeline, name string) NodeStats {
	for _, s := range p.Stats() {
		if s.Node == name {
			return s
		}
	}
	return NodeStats{}
}

// A stage whose error is final ends its chain: one error, counted and
// logged once, end of stream to the sink, a source that stops making items
// for nobody, and Wait's error naming the node.
func TestAFinalErrorEndsTheChainWithOneError(t *testing.T) {
	var log testlog.Buffer
	c := &collector{}
	p := New(WithLogger(zerolog.New(&log).Level(zerolog.InfoLevel)))
	if err := p.Chain([]string{"cam", "enc", "sink"}, []Element{counter(-1, 0), refuser(), c.element()}); err != nil {
		t.Fatal(err)
	}
	startOrFail(t, p)
	awaitEnded(t, p, "cam")
	select {
	case <-p.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("the sink never saw end of stream")
	}
	err := p.Stop()
	var final *FinalError
	if !errors.As(err, &final) || final.Node != "enc" || !errors.Is(err, ErrStageFinal) || !strings.Contains(err.Error(), "scale to 638x478") {
		t.Fatalf("Stop: %v; want a *FinalError naming enc, with what to do", err)
	}
	enc, cam := statsOf(p, "enc"), statsOf(p, "cam")
	if enc.Errors != 1 || enc.Dropped != enc.In-1 {
		t.Fatalf("enc %+v: want one error and every later item dropped", enc)
	}
	// The source ran on at most until its link's window was spent (the
	// credits that came back wait in its mailbox behind the news), then
	// stopped.
	if cam.Out > 2*DefaultWindow {
		t.Fatalf("cam made %d items, more than two windows (%d), for a chain that had ended", cam.Out, 2*DefaultWindow)
	}
	if !c.flushed || len(c.got()) != 0 {
		t.Fatalf("sink flushed %v, got %v; want end of stream and no item", c.flushed, c.got())
	}
	if n := strings.Count(log.String(), `"level":"error"`); n != 1 || !strings.Contains(log.String(), `"node":"enc"`) {
		t.Fatalf("%d error lines, want one naming enc:\n%s", n, log.String())
	}
}

// A source that still feeds a live branch goes on when another branch's
// stage fails for good; that branch gets every item.
func TestAFinalErrorLeavesTheOtherBranchRunning(t *testing.T) {
	dead, live := &collector{}, &collector{}
	p := New()
	for _, err := range []error{
		p.Add("cam", counter(300, 0)), p.Add("enc", refuser()), p.Add("dead", dead.element()),
		p.Add("pass", pass(-1, nil)), p.Add("live", live.element()),
		p.Link("cam", "enc"), p.Link("enc", "dead"), p.Link("cam", "pass"), p.Link("pass", "live"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	startOrFail(t, p)
	err := p.Wait()
	if !errors.Is(err, ErrStageFinal) {
		t.Fatalf("Wait: %v; want the final error", err)
	}
	got := live.got()
	if len(got) != 300 {
		t.Fatalf("the live branch got %d items, want all 300", len(got))
	}
	for i, s := range got {
		if s != uint64(i) {
			t.Fatalf("item %d has seq %d", i, s)
		}
	}
	if enc := statsOf(p, "enc"); enc.Errors != 1 || enc.In != enc.Dropped+1 {
		t.Fatalf("enc %+v: want one error, the rest dropped", enc)
	}
	if !dead.flushed || !live.flushed {
		t.Fatalf("flushed: dead %v, live %v; both sinks see end of stream", dead.flushed, live.flushed)
	}
}

// A processor whose only output ended takes no more input, so the source
// before it stops too.
func TestAnUnneededChainStopsItsSource(t *testing.T) {
	c := &collector{}
	p := New()
	if err := p.Chain([]string{"cam", "pass", "enc", "sink"}, []Element{counter(-1, 0), pass(-1, nil), refuser(), c.element()}); err != nil {
		t.Fatal(err)
	}
	startOrFail(t, p)
	awaitEnded(t, p, "cam")
	if err := p.Stop(); !errors.Is(err, ErrStageFinal) {
		t.Fatalf("Stop: %v; want the final error", err)
	}
	if !p.nodes["pass"].finished {
		t.Fatal("pass takes input for a chain that ended")
	}
	if s := statsOf(p, "enc"); s.Errors != 1 {
		t.Fatalf("enc %+v: want one error", s)
	}
}

// Errors that are not final stay one per item, and the stream goes on.
func TestAnErrorThatIsNotFinalLeavesTheChainRunning(t *testing.T) {
	p := New()
	sink := SinkElement("failing", Frames, func() (Sink[*media.Frame], error) { return errorSink{}, nil })
	if err := p.Chain([]string{"src", "sink"}, []Element{counter(50, 0), sink}); err != nil {
		t.Fatal(err)
	}
	if f := runFailing(t, p, "sink"); f.Nodes[0].Errors != 50 || f.Nodes[0].Err == nil || f.Nodes[0].Err.Error() != "damaged" {
		t.Errorf("Wait = %v, want sink's 50 errors, the last of them kept", f)
	}
	if s := statsOf(p, "sink"); s.Errors != 50 || s.Dropped != 0 {
		t.Fatalf("sink %+v: want 50 errors, nothing dropped", s)
	}
}

type errorSink struct{}

func (errorSink) Start(*Env) error           { return nil }
func (errorSink) Stop() error                { return nil }
func (errorSink) Process(*media.Frame) error { return errors.New("damaged") }

// emitOnPoke is a push source that emits a frame for every poke it
// receives, and ends its stream when halted.
type emitOnPoke struct {
	env    *Env
	halted chan struct{}
}

type poke struct{}

func (s *emitOnPoke) Start(env *Env) error { s.env = env; return nil }
func (s *emitOnPoke) Stop() error          { return nil }
func (s *emitOnPoke) Receive(msg any, emit func(*media.Frame)) (bool, error) {
	if _, ok := msg.(poke); !ok {
		return false, nil
	}
	emit(&media.Frame{})
	return true, nil
}
func (s *emitOnPoke) Drained() {}
func (s *emitOnPoke) Halt() {
	close(s.halted)
	s.env.End()
}

// pokeIntoARefuser runs src into a stage that refuses its first item for
// good, pokes src once, waits for wanted (closed by src as it is told to
// end) while failing on unwanted, and checks that the pipeline ends with
// the final error.
func pokeIntoARefuser(t *testing.T, src PushSource[*media.Frame], wanted, unwanted <-chan struct{}, what string) {
	t.Helper()
	p := New()
	err := p.Chain([]string{"sub", "enc", "sink"}, []Element{
		PushSourceElement("poked", Frames, func() (PushSource[*media.Frame], error) { return src, nil }),
		refuser(), (&collector{}).element()})
	if err != nil {
		t.Fatal(err)
	}
	startOrFail(t, p)
	p.system.Root.Send(p.nodes["sub"].pid, poke{})
	select {
	case <-wanted:
	case <-unwanted:
		t.Fatalf("the push source was not %s, but told to end otherwise", what)
	case <-time.After(20 * time.Second):
		t.Fatalf("the push source was not %s", what)
	}
	select {
	case <-p.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("the pipeline did not end")
	}
	if err := p.Stop(); !errors.Is(err, ErrStageFinal) {
		t.Fatalf("Stop: %v; want the final error", err)
	}
}

// A push source (a topic's subscriber) whose only consumer ended its
// chain is halted: it leaves its topic instead of taking packets for
// nobody.
func TestAPushSourceWithNobodyToFeedIsHalted(t *testing.T) {
	src := &emitOnPoke{halted: make(chan struct{})}
	pokeIntoARefuser(t, src, src.halted, nil, "halted")
}

// unneededPoke is a push source that can end at once when unneeded.
type unneededPoke struct {
	emitOnPoke
	unneeded chan struct{}
}

func (s *unneededPoke) Unneeded() {
	close(s.unneeded)
	s.env.End()
}

// A push source that can end at once (Unneeded) is told so when its only
// consumer ended its chain, not halted as at a stop.
func TestAnUnneededPushSourceEndsAtOnceInsteadOfBeingHalted(t *testing.T) {
	src := &unneededPoke{emitOnPoke: emitOnPoke{halted: make(chan struct{})}, unneeded: make(chan struct{})}
	pokeIntoARefuser(t, src, src.unneeded, src.halted, "told it is unneeded")
}

// toldSource is a source of frames that implements Unneeded.
type toldSource struct {
	*countSource[*media.Frame]
	told *atomic.Bool
}

func (s toldSource) Unneeded() { s.told.Store(true) }

// A producing source that implements Unneeded is told when nothing takes
// its items any more, as a push source is: one fed by Go code (an appsrc)
// can then refuse what is pushed, instead of taking it for nobody.
func TestAnUnneededSourceIsTold(t *testing.T) {
	var told atomic.Bool
	src := SourceElement("told", Frames, func() (Source[*media.Frame], error) {
		return toldSource{countSource: frameCounter(-1, 0), told: &told}, nil
	})
	p := New()
	if err := p.Chain([]string{"cam", "enc", "sink"}, []Element{src, refuser(), (&collector{}).element()}); err != nil {
		t.Fatal(err)
	}
	startOrFail(t, p)
	awaitEnded(t, p, "cam")
	if !told.Load() {
		t.Fatal("the source's stream ended, but it was not told that nothing takes its items (Unneeded)")
	}
}
