package pipeline

import (
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
)

type sent struct {
	to   string
	item media.Item
}

func recordSends(log *[]sent) func(*actor.PID, media.Item) {
	return func(to *actor.PID, item media.Item) { *log = append(*log, sent{to.Id, item}) }
}

func TestLinksSendWithinTheWindowAndQueueTheRest(t *testing.T) {
	a, b := actor.NewPID("local", "a"), actor.NewPID("local", "b")
	ls := newLinks(2, a, b)
	var log []sent
	items := []media.Item{&media.Frame{Seq: 0}, &media.Frame{Seq: 1}, &media.Frame{Seq: 2}}
	for _, it := range items {
		ls.offer(it, true, recordSends(&log))
	}
	if len(log) != 4 {
		t.Fatalf("sent %d items over two links with a window of 2, want 4", len(log))
	}
	if ls.drained() || ls.free() {
		t.Fatal("a third item waits, yet the links say drained or free")
	}
	log = nil
	ls.credit(a, 1)
	ls.sendPending(recordSends(&log))
	if len(log) != 1 || log[0].to != "a" || log[0].item != items[2] {
		t.Fatalf("after a credit from a: %v", log)
	}
	if ls.drained() {
		t.Fatal("b still holds the third item")
	}
	ls.credit(b, 3)
	ls.sendPending(recordSends(&log))
	if !ls.drained() || ls.free() {
		t.Fatalf("after b's credit: drained %v, free %v (a has no credit left)", ls.drained(), ls.free())
	}
}

func TestLinksHoldItemsUntilOpen(t *testing.T) {
	ls := newLinks(DefaultWindow, actor.NewPID("local", "a"))
	var log []sent
	ls.offer(&media.Frame{Seq: 0}, false, recordSends(&log))
	ls.offer(&media.Frame{Seq: 1}, true, recordSends(&log))
	if len(log) != 0 {
		t.Fatalf("sent %v before the first item could go: order would break", log)
	}
	ls.sendPending(recordSends(&log))
	if len(log) != 2 || log[0].item.(*media.Frame).Seq != 0 {
		t.Fatalf("once open: %v, want both in order", log)
	}
}
