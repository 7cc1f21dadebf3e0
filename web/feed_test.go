package web

import (
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/media"
)

// recorder is a feed's writer that keeps what it was given and, while
// held, blocks as a viewer on a slow link does.
type recorder struct {
	mu      sync.Mutex
	packets []*media.Packet
	hold    chan struct{}
}

func (r *recorder) write(p *media.Packet) error {
	if r.hold != nil {
		<-r.hold
	}
	r.mu.Lock()
	r.packets = append(r.packets, p)
	r.mu.Unlock()
	return nil
}

func (r *recorder) taken() []*media.Packet {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*media.Packet(nil), r.packets...)
}

func TestSlowViewerLosesWholeGOPsAndHoldsBackNobody(t *testing.T) {
	n := newLiveNode(t, Config{})
	slow := &recorder{hold: make(chan struct{})}
	fast := &recorder{}
	for _, r := range []*recorder{slow, fast} {
		f, err := startFeed(n.system, feedConfig{bus: n.bus, topic: "/cam", write: r.write, log: zerolog.Nop()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if r.hold != nil {
				select {
				case <-r.hold:
				default:
					close(r.hold)
				}
			}
			f.Stop()
		})
	}
	time.Sleep(2 * time.Second) // the slow viewer takes nothing for two GOPs
	if len(fast.taken()) < 30 {
		t.Fatalf("the fast viewer got %d packets in 2 s of a 30 fps topic: held back by the slow one", len(fast.taken()))
	}
	close(slow.hold)
	time.Sleep(1500 * time.Millisecond)
	st, err := n.bus.Stats("/cam")
	if err != nil {
		t.Fatal(err)
	}
	if st.Dropped == 0 {
		t.Error("the topic dropped nothing for a viewer that took nothing for 2 s")
	}
	got := slow.taken()
	if len(got) == 0 || !got[0].Key {
		t.Fatalf("the slow viewer got %d packets, first a keyframe: %v", len(got), len(got) > 0 && got[0].Key)
	}
	var chain media.Chain
	for i, p := range got {
		if l := chain.Take(p); !l.Decodes() {
			t.Fatalf("packet %d of the slow viewer (seq %d) does not decode after those before it: %v", i, p.Seq, l)
		}
	}
	t.Logf("slow viewer: %d packets, all decodable; the topic dropped %d", len(got), st.Dropped)
}
