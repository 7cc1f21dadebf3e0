package pipeline

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
)

// heldStart is a stage whose Start waits until release closes, as a source
// opening a camera that takes its time to answer, or a subscriber reaching
// a topic of another process, does.
type heldStart struct {
	waiting chan struct{} // closed once Start waits
	release chan struct{}
	env     *Env
}

func newHeldStart() *heldStart {
	return &heldStart{waiting: make(chan struct{}), release: make(chan struct{})}
}

func (s *heldStart) Start(env *Env) error {
	s.env = env
	close(s.waiting)
	select {
	case <-s.release:
	case <-env.Stopping:
	}
	return nil
}
func (s *heldStart) Stop() error { return nil }
func (s *heldStart) Next() (*media.Frame, time.Time, error) {
	return nil, time.Time{}, io.EOF
}
func (s *heldStart) Receive(any, func(*media.Frame)) (bool, error) { return false, nil }
func (s *heldStart) Drained()                                      {}
func (s *heldStart) Halt()                                         { s.env.End() }

// startInBackground starts p in another goroutine, since a held stage
// holds Start, and returns Start's result.
func startInBackground(p *Pipeline) <-chan error {
	started := make(chan error, 1)
	go func() { started <- p.Start(context.Background()) }()
	return started
}

// waitFrames waits until c got at least n frames, or fails the test.
func waitFrames(t *testing.T, c *collector, n int, why string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); len(c.got()) < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d frames arrived, want %d", why, len(c.got()), n)
		}
	}
}

// A source whose Start takes its time (a camera slow to answer, or down
// until its open times out) holds its own chain only: the pipeline's other
// chains run meanwhile, and Start returns once it is back.
func TestAChainDoesNotWaitForAnotherSourcesStart(t *testing.T) {
	slow, fast := newHeldStart(), &collector{}
	p := New()
	for _, err := range []error{
		p.Chain([]string{"camera", "camsink"}, []Element{
			SourceElement("held", Frames, func() (Source[*media.Frame], error) { return slow, nil }), (&collector{}).element()}),
		p.Chain([]string{"pattern", "sink"}, []Element{counter(-1, time.Millisecond), fast.element()}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	started := startInBackground(p)
	<-slow.waiting
	waitFrames(t, fast, 10, "while another source was starting")
	select {
	case err := <-started:
		t.Fatalf("Start returned (%v) before every stage started", err)
	default:
	}
	close(slow.release)
	if err := <-started; err != nil {
		t.Fatalf("Start = %v", err)
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop = %v", err)
	}
}

// The producing chains begin only once every subscriber of the pipeline
// started, so that a subscriber's Subscribe reaches its topic before the
// first packet of a publisher in the same pipeline.
func TestProducingChainsWaitForTheSubscribersStart(t *testing.T) {
	subscriber, produced := newHeldStart(), &collector{}
	p := New()
	for _, err := range []error{
		p.Chain([]string{"pattern", "sink"}, []Element{counter(-1, time.Millisecond), produced.element()}),
		p.Chain([]string{"subscriber", "subsink"}, []Element{
			PushSourceElement("held", Frames, func() (PushSource[*media.Frame], error) { return subscriber, nil }), (&collector{}).element()}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	started := startInBackground(p)
	<-subscriber.waiting
	time.Sleep(100 * time.Millisecond) // a hundred frames' time
	if got := len(produced.got()); got > 0 {
		t.Fatalf("%d frames flowed before the subscriber had started", got)
	}
	close(subscriber.release)
	if err := <-started; err != nil {
		t.Fatalf("Start = %v", err)
	}
	waitFrames(t, produced, 10, "once the subscriber started")
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop = %v", err)
	}
}

// A context already cancelled fails Start with its error: nothing runs.
func TestStartWithACancelledContextFails(t *testing.T) {
	c := &collector{}
	p := New()
	if err := p.Chain([]string{"src", "sink"}, []Element{counter(5, 0), c.element()}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Start(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Start = %v, want context.Canceled", err)
	}
	if got := c.got(); len(got) > 0 {
		t.Fatalf("%d frames flowed", len(got))
	}
}

// A Pipeline runs once: started again after its stop, it says so.
func TestAPipelineRunsOnce(t *testing.T) {
	p := New()
	if err := p.Chain([]string{"src", "sink"}, []Element{counter(5, 0), (&collector{}).element()}); err != nil {
		t.Fatal(err)
	}
	run(t, p)
	if err := p.Start(context.Background()); !errors.Is(err, ErrStarted) || !strings.Contains(err.Error(), "runs once") {
		t.Fatalf("Start after the run = %v, want ErrStarted saying a Pipeline runs once", err)
	}
}
