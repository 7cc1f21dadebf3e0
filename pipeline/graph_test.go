package pipeline

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
)

func teeElement() Element {
	return ProcessorElement("tee", Any, Any, func() (Processor[media.Item, media.Item], error) { return nil, nil })
}

// Building and checking a chain of pass-through nodes grows with its
// length, not with its square. Following every tee's chain back to the
// source at each link is quadratic: 20,000 tees take 400 million steps,
// some 80 times as long as 2,000 with the linear work added. Linear work
// takes ten times as long. The two are measured against each other in one
// run, each at its fastest of three, so that the machine's speed and load
// cancel out.
func TestLongChainOfPassThroughNodesBuildsInLinearTime(t *testing.T) {
	short, long := fastest(t, 2_000), fastest(t, 20_000)
	t.Logf("2,000 tees in %v, 20,000 in %v: %.1fx", short, long, float64(long)/float64(short))
	if long > 50*short {
		t.Fatalf("20,000 tees took %v, 2,000 took %v: %.0fx for ten times the nodes", long, short, float64(long)/float64(short))
	}
}

// fastest builds a chain of tees three times and returns the shortest
// time, the one least disturbed by whatever else the machine runs.
func fastest(t *testing.T, tees int) time.Duration {
	best := buildLongChain(t, tees)
	for range 2 {
		best = min(best, buildLongChain(t, tees))
	}
	return best
}

// buildLongChain builds raw frames through tees into a packet sink, finds
// the mismatch, relinks the chain into a frame sink and checks the graph,
// and says how long all that took.
func buildLongChain(t *testing.T, tees int) time.Duration {
	t.Helper()
	names := make([]string, 0, tees+2)
	elements := make([]Element, 0, tees+2)
	names, elements = append(names, "src"), append(elements, counter(1, 0))
	for i := range tees {
		names, elements = append(names, fmt.Sprintf("tee%d", i)), append(elements, teeElement())
	}
	names, elements = append(names, "sink"), append(elements, (&collector{}).packets())
	start := time.Now()
	p := New()
	err := p.Chain(names, elements)
	if !errors.Is(err, ErrMismatch) {
		t.Fatalf("raw frames through %d tees into a packet sink: %v, want ErrMismatch", tees, err)
	}
	if err := p.Link(names[len(names)-2], "sink"); !errors.Is(err, ErrMismatch) {
		t.Fatalf("linking again: %v", err)
	}
	if err := p.Add("frames", (&collector{}).element()); err != nil {
		t.Fatal(err)
	}
	if err := p.Link(names[len(names)-2], "frames"); err != nil {
		t.Fatal(err)
	}
	if err := p.Check(); err == nil || !errors.Is(err, ErrBadGraph) {
		t.Fatalf("check with the unlinked packet sink: %v, want ErrBadGraph", err)
	}
	return time.Since(start)
}

func TestCyclesAreFoundWhereverTheyAre(t *testing.T) {
	p := New()
	for _, name := range []string{"a", "b", "c"} {
		if err := p.Add(name, teeElement()); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range [][2]string{{"a", "b"}, {"b", "c"}, {"c", "a"}} {
		if err := p.Link(l[0], l[1]); err != nil {
			t.Fatal(err)
		}
	}
	// A node fed by the cycle resolves its caps (to Any) without looping.
	if err := p.Add("sink", (&collector{}).element()); err != nil {
		t.Fatal(err)
	}
	if err := p.Link("c", "sink"); err != nil {
		t.Fatal(err)
	}
	if err := p.Check(); !errors.Is(err, ErrBadGraph) || err.Error() != "pipeline: invalid graph: a is on a cycle" {
		t.Fatalf("check: %v", err)
	}
}

func TestElementCapsMustMatchTheStageTypes(t *testing.T) {
	wrong := ProcessorElement("enc", Packets(media.H264), Packets(media.H264),
		func() (Processor[*media.Frame, *media.Packet], error) { return nil, nil })
	err := New().Add("enc", wrong)
	if !errors.Is(err, ErrBadGraph) || err.Error() != `node "enc": pipeline: invalid graph: element enc says its input is h264 packets but its stage handles *media.Frame` {
		t.Fatalf("add: %v", err)
	}
	if err := New().Add("raw", Element{Type: "raw", Out: Frames}); !errors.Is(err, ErrBadGraph) {
		t.Fatalf("an element made without a constructor: %v", err)
	}
}
