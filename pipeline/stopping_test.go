package pipeline

import (
	"context"
	"io"
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
