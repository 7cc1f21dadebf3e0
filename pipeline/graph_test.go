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

// TestLongChainOfPassThroughNodesBuildsInLinearTime builds and checks a line
// of 50,000 tees. Following every tee's chain back to the source at each
// link (quadratic: over a billion steps) takes a minute or more; linear work
// takes half a second, a few seconds under the race detector.
func TestLongChainOfPassThroughNodesBuildsInLinearTime(t *testing.T) {
	const tees = 50_000
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
	frames := (&collector{}).element()
	if err := p.Add("frames", frames); err != nil {
		t.Fatal(err)
	}
	if err := p.Link(names[len(names)-2], "frames"); err != nil {
		t.Fatal(err)
	}
	if err := p.Check(); err == nil || !errors.Is(err, ErrBadGraph) {
		t.Fatalf("check with the unlinked packet sink: %v, want ErrBadGraph", err)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Fatalf("building and checking %d nodes took %v", tees+3, took)
	}
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
