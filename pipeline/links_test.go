package pipeline

import (
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
)

// send offers item to every link as a node does, and returns the names of
// the links it may go out on at once.
func send(ls links, item media.Item, open bool) []string {
	var out []string
	for _, l := range ls {
		if l.take(open) {
			out = append(out, l.to.Id)
		} else {
			l.hold(item)
		}
	}
	return out
}

// release returns what the links let go now, as a node does after credit.
func release(ls links) map[string][]media.Item {
	out := map[string][]media.Item{}
	for _, l := range ls {
		for v, ok := l.release(); ok; v, ok = l.release() {
			out[l.to.Id] = append(out[l.to.Id], v)
		}
	}
	return out
}

func TestLinksSendWithinTheWindowAndQueueTheRest(t *testing.T) {
	a, b := actor.NewPID("local", "a"), actor.NewPID("local", "b")
	ls := newLinks(2, a, b)
	items := []media.Item{&media.Frame{Seq: 0}, &media.Frame{Seq: 1}, &media.Frame{Seq: 2}}
	var sent int
	for _, it := range items {
		sent += len(send(ls, it, true))
	}
	if sent != 4 {
		t.Fatalf("sent %d items over two links with a window of 2, want 4", sent)
	}
	if ls.drained() || ls.free() {
		t.Fatal("a third item waits, yet the links say drained or free")
	}
	ls.credit(a, 1)
	if got := release(ls); len(got) != 1 || len(got["a"]) != 1 || got["a"][0] != items[2] {
		t.Fatalf("after a credit from a: %v", got)
	}
	if ls.drained() {
		t.Fatal("b still holds the third item")
	}
	ls.credit(b, 3)
	if got := release(ls); len(got["b"]) != 1 {
		t.Fatalf("after b's credit: %v", got)
	}
	if !ls.drained() || ls.free() {
		t.Fatalf("drained %v, free %v (a has no credit left)", ls.drained(), ls.free())
	}
}

func TestLinksKeepTheOrderUntilOpen(t *testing.T) {
	ls := newLinks(DefaultWindow, actor.NewPID("local", "a"))
	first, second := &media.Frame{Seq: 0}, &media.Frame{Seq: 1}
	if out := send(ls, first, false); len(out) != 0 {
		t.Fatal("sent before the pipeline was open")
	}
	if out := send(ls, second, true); len(out) != 0 {
		t.Fatal("the second item went out before the first")
	}
	if got := release(ls)["a"]; len(got) != 2 || got[0] != first || got[1] != second {
		t.Fatalf("once open: %v, want both in order", got)
	}
}

func TestAFinishedLinkDropsWhatWaitedAndHoldsNothingBack(t *testing.T) {
	a, b := actor.NewPID("local", "a"), actor.NewPID("local", "b")
	ls := newLinks(1, a, b)
	first, second := &media.Frame{Seq: 0}, &media.Frame{Seq: 1}
	send(ls, first, true)
	send(ls, second, true) // waits on both links
	if ls.drained() || ls.free() || ls.unneeded() {
		t.Fatal("both links hold the second item, yet drained, free or unneeded")
	}
	dropped := ls.finish(b)
	if len(dropped) != 1 || dropped[0] != second {
		t.Fatalf("finishing b dropped %v, want the item that waited on it", dropped)
	}
	if ls.live() != 1 || ls.unneeded() {
		t.Fatalf("%d live links, unneeded %v; a still takes items", ls.live(), ls.unneeded())
	}
	if len(ls.finish(b)) != 0 || ls.live() != 1 {
		t.Fatal("finishing b again changed something")
	}
	ls.credit(a, 1)
	if got := release(ls); len(got["a"]) != 1 || len(got["b"]) != 0 {
		t.Fatalf("after a's credit: %v, want the second item on a alone", got)
	}
	ls.credit(a, 1)
	if !ls.drained() || !ls.free() {
		t.Fatalf("drained %v, free %v: b is finished and a has credit", ls.drained(), ls.free())
	}
	if ls[1].take(true) {
		t.Fatal("a finished link took an item")
	}
	ls.credit(b, 5) // credits of items b refused after it finished
	if ls.live() != 1 || !ls.free() {
		t.Fatal("a credit brought b back")
	}
	ls.finish(a)
	if !ls.unneeded() {
		t.Fatal("every link finished, yet the node is not unneeded")
	}
}

func TestASinkIsNeverUnneeded(t *testing.T) {
	if (links{}).unneeded() {
		t.Fatal("a node without outputs was found unneeded")
	}
}
