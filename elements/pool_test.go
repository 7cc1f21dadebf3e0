package elements

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/pipeline"
)

// checker compares every frame it gets with the test pattern's frame of the
// same number, pixel for pixel, when it gets it; then releases it, or keeps
// it to compare again at the end. It notes which pixel memory it saw.
type checker struct {
	pat   *testsrc.Pattern
	delay time.Duration
	keep  bool

	mu     sync.Mutex
	n      int
	bad    []string
	kept   []*media.Frame
	memory map[*byte]bool
}

func newChecker(t *testing.T, w, h int, delay time.Duration, keep bool) *checker {
	pat, err := testsrc.New(w, h)
	if err != nil {
		t.Fatal(err)
	}
	return &checker{pat: pat, delay: delay, keep: keep, memory: map[*byte]bool{}}
}

func (c *checker) element() pipeline.Element {
	return pipeline.SinkElement("check", pipeline.Frames, func() (pipeline.Sink[*media.Frame], error) { return &checkStage{c}, nil })
}

// check reports how f differs from its source frame, or "".
func (c *checker) check(f *media.Frame) string {
	want := c.pat.Frame(f.Seq)
	for p := range f.Format.NumPlanes() {
		_, h := f.Format.PlaneSize(p, f.Width, f.Height)
		for r := range h {
			if !bytes.Equal(f.Row(p, r), want.Row(p, r)) {
				return fmt.Sprintf("frame %d: plane %d row %d is not the source's", f.Seq, p, r)
			}
		}
	}
	return ""
}

type checkStage struct{ c *checker }

func (s *checkStage) Start(*pipeline.Env) error { return nil }
func (s *checkStage) Stop() error               { return nil }
func (s *checkStage) Process(f *media.Frame) error {
	c := s.c
	time.Sleep(c.delay)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	c.memory[&f.Planes[0][0]] = true
	if d := c.check(f); d != "" {
		c.bad = append(c.bad, d)
	}
	if c.keep {
		c.kept = append(c.kept, f)
	} else {
		f.Release()
	}
	return nil
}

// TestRecycledFramesAreNeverOverwrittenWhileHeld runs a source whose frames
// come from a pool into a tee: one branch encodes at once and releases, the
// other is slower. The slow branch sees every picture intact, whether it
// releases its frames (and the pool recycles them) or keeps them.
func TestRecycledFramesAreNeverOverwrittenWhileHeld(t *testing.T) {
	for _, keep := range []bool{false, true} {
		c := newChecker(t, 160, 120, time.Millisecond, keep)
		p := mustParse(t, "testsrc size=160x120 num-frames=150 is-live=false ! tee name=t ! h264enc ! fakesink  t. ! tee name=slow", nil)
		if err := p.Add("check", c.element()); err != nil {
			t.Fatal(err)
		}
		if err := p.Link("slow", "check"); err != nil {
			t.Fatal(err)
		}
		runToEnd(t, p)
		if c.n != 150 || len(c.bad) > 0 {
			t.Fatalf("keep=%v: checked %d frames of 150; %d differ: %v", keep, c.n, len(c.bad), c.bad[:min(3, len(c.bad))])
		}
		for _, f := range c.kept {
			if d := c.check(f); d != "" {
				t.Fatalf("a kept frame changed afterwards: %s", d)
			}
		}
		switch {
		case keep && len(c.memory) != 150:
			t.Errorf("kept frames share memory: %d pictures for 150 frames", len(c.memory))
		case !keep && len(c.memory) > 2*media.DefaultPoolFrames:
			t.Errorf("released frames were not recycled: %d pictures for 150 frames", len(c.memory))
		}
	}
}
