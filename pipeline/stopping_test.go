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

// waitingSource sends one frame, then waits in Next until the pipeline
// stops, as a source sleeping before it reconnects does.
type waitingSource struct {
	env  *Env
	sent bool
}

func (s *waitingSource) Start(env *Env) error { s.env = env; return nil }
func (s *waitingSource) Stop() error          { return nil }
func (s *waitingSource) Next() (*media.Frame, time.Time, error) {
	if !s.sent {
		s.sent = true
		return countFrame(0, time.Time{}), time.Time{}, nil
	}
	<-s.env.Stopping
	return nil, time.Time{}, io.EOF
}

func TestStoppingEndsAStageWaitingInACall(t *testing.T) {
	c := &collector{}
	src := SourceElement("waiting", Frames, func() (Source[*media.Frame], error) { return &waitingSource{}, nil })
	p := New(WithStopTimeout(time.Minute))
	if err := p.Chain([]string{"src", "sink"}, []Element{src, c.element()}); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); len(c.got()) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no frame arrived")
		}
	}
	stopped := make(chan error, 1)
	go func() { stopped <- p.Stop() }()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Stop = %v", err)
		}
	case <-time.After(20 * time.Second): // far below the minute a stuck stage would cost
		t.Fatal("Stop did not end the source waiting on Env.Stopping")
	}
}

// startingSource waits in Start until the pipeline stops, as a source
// opening a camera that does not answer does, and then ends its stream.
type startingSource struct {
	waiting chan struct{} // closed once Start waits
	env     *Env
}

func (s *startingSource) Start(env *Env) error {
	s.env = env
	close(s.waiting)
	<-env.Stopping
	return nil
}
func (s *startingSource) Stop() error { return nil }
func (s *startingSource) Next() (*media.Frame, time.Time, error) {
	return nil, time.Time{}, io.EOF
}

// Start's context cancelled while a stage waits inside its Start closes
// Env.Stopping, so the stage returns and the pipeline stops, instead of
// waiting until the stage gives up by itself.
func TestCancellingStartEndsAStageWaitingInItsStart(t *testing.T) {
	src := &startingSource{waiting: make(chan struct{})}
	c := &collector{}
	p := New(WithStopTimeout(time.Minute))
	el := SourceElement("starting", Frames, func() (Source[*media.Frame], error) { return src, nil })
	if err := p.Chain([]string{"src", "sink"}, []Element{el, c.element()}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan error, 1)
	go func() { started <- p.Start(ctx) }()
	<-src.waiting
	cancel()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("Start = %v", err)
		}
	case <-time.After(20 * time.Second): // a stage that never gives up would hold Start for ever
		t.Fatal("Start did not return once its context was cancelled while a stage waited in its Start")
	}
	select {
	case <-p.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("the pipeline did not stop after its context was cancelled")
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop = %v", err)
	}
}

// closingSink takes every frame and fails to close, as a recording whose
// last write at closing finds the disk full.
type closingSink struct{}

func (closingSink) Start(*Env) error             { return nil }
func (closingSink) Stop() error                  { return errors.New("closing the file: no space left on device") }
func (closingSink) Process(f *media.Frame) error { return nil }

// A stage that fails to stop fails its node: the error is counted in its
// stats, with its message, where a run's report looks (a run that lost
// data at closing does not pass for one that went well).
func TestAStageThatFailsToStopCountsAnError(t *testing.T) {
	p := New()
	sink := SinkElement("closing", Frames, func() (Sink[*media.Frame], error) { return closingSink{}, nil })
	if err := p.Chain([]string{"src", "sink"}, []Element{counter(5, 0), sink}); err != nil {
		t.Fatal(err)
	}
	runFailing(t, p, "sink")
	for _, s := range p.Stats() {
		if s.Node == "sink" && (s.Errors != 1 || !strings.Contains(s.LastError, "no space left")) {
			t.Fatalf("sink stats %+v, want the failed stop counted as an error, with its message", s)
		}
	}
}
