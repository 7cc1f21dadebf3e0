package pipeline

import (
	"testing"
	"time"

	"github.com/gopline/gopline/media"
)

// pacerRun drives a pacer as a node does, with a clock the test sets and
// outputs the test opens and closes; items come from the script.
type pacerRun struct {
	t       *testing.T
	p       pacer
	now     time.Time
	script  []paced
	emitted []media.Item
	dropped []media.Item
	late    []time.Duration // how late each dropped item was
}

// run steps until the pacer waits, and returns what it waits for.
func (r *pacerRun) run(drained, free bool) (pace, time.Time) {
	for range 100 {
		do, at := r.p.step(r.now, drained, free)
		switch do {
		case paceFetch:
			if len(r.script) == 0 {
				r.p.end()
				continue
			}
			r.p.add(r.script[0].item, r.script[0].due, r.now)
			r.script = r.script[1:]
		case paceEmit:
			r.emitted = append(r.emitted, r.p.take())
			free, drained = false, false // one item fills the outputs
		case paceDrop:
			r.late = append(r.late, r.p.lateness(r.now))
			r.dropped = append(r.dropped, r.p.take())
		default:
			return do, at
		}
	}
	r.t.Fatal("the pacer did not settle in 100 steps")
	return 0, time.Time{}
}

func TestPacerSendsUnpacedItemsAsTheOutputsDrain(t *testing.T) {
	a, b := &media.Frame{Seq: 0}, &media.Frame{Seq: 1}
	r := &pacerRun{t: t, script: []paced{{item: a}, {item: b}}}
	if do, _ := r.run(false, false); do != paceWait || len(r.emitted) != 0 {
		t.Fatalf("outputs busy: %v, emitted %d", do, len(r.emitted))
	}
	if do, _ := r.run(true, true); do != paceWait || len(r.emitted) != 1 || r.emitted[0] != a {
		t.Fatalf("outputs drained once: %v, emitted %v", do, r.emitted)
	}
	if do, _ := r.run(true, true); do != paceWait || len(r.emitted) != 2 {
		t.Fatalf("drained again: %v, emitted %d", do, len(r.emitted))
	}
	// The last item out, the source is asked again once the outputs can
	// take more, and has no more: the stream ends (its end travels after
	// what the outputs still hold).
	if do, _ := r.run(true, true); do != paceEnd || len(r.emitted) != 2 {
		t.Fatalf("drained again at the end of the script: %v, emitted %d", do, len(r.emitted))
	}
}

// An unpaced source (a file read as fast as it goes) is asked for its next
// item only once the outputs can take it: an item read ahead would hold its
// picture while the one before is still out, so a source whose chain runs
// in its calls would read each picture into other memory than the last.
func TestPacerAsksAnUnpacedSourceOnlyWhenTheOutputsCanTakeIt(t *testing.T) {
	a, b := &media.Frame{Seq: 0}, &media.Frame{Seq: 1}
	r := &pacerRun{t: t, script: []paced{{item: a}, {item: b}}}
	if do, _ := r.run(true, true); do != paceWait || len(r.emitted) != 1 {
		t.Fatalf("outputs free: %v, emitted %d", do, len(r.emitted))
	}
	// a is out and the outputs have no credit: b is not read yet.
	if len(r.script) != 1 {
		t.Fatalf("the source was asked for %d items ahead of credit", 1-len(r.script))
	}
	if do, _ := r.run(true, false); do != paceWait || len(r.script) != 1 {
		t.Fatalf("outputs drained but without credit: %v, script left %d", do, len(r.script))
	}
	if do, _ := r.run(true, true); do != paceWait || len(r.emitted) != 2 || r.emitted[1] != b {
		t.Fatalf("credit back: %v, emitted %v", do, r.emitted)
	}
	// A paced source's next frame is still read while the outputs are busy:
	// its moment decides whether the held one is dropped.
	start := time.Unix(100, 0)
	c, d := &media.Frame{Seq: 2}, &media.Frame{Seq: 3}
	r = &pacerRun{t: t, now: start, script: []paced{{item: c, due: start}, {item: d, due: start.Add(33 * time.Millisecond)}}}
	if r.run(true, true); len(r.emitted) != 1 {
		t.Fatalf("paced: emitted %d", len(r.emitted))
	}
	if r.run(false, false); len(r.script) != 0 {
		t.Fatal("a paced source's next frame was not read while the outputs were busy")
	}
}

func TestPacerWaitsForAPacedItemsMoment(t *testing.T) {
	start := time.Unix(100, 0)
	f := &media.Frame{}
	r := &pacerRun{t: t, now: start, script: []paced{{item: f, due: start.Add(40 * time.Millisecond)}}}
	do, at := r.run(true, true)
	if do != paceWake || !at.Equal(start.Add(40*time.Millisecond)) || len(r.emitted) != 0 {
		t.Fatalf("before its moment: %v at %v, emitted %d", do, at, len(r.emitted))
	}
	r.now = at
	if r.run(true, true); len(r.emitted) != 1 {
		t.Fatal("the item did not go out at its moment")
	}
}

func TestPacerDropsAFrameOnlyWhenTheNextIsDueAndAfterLookingAgain(t *testing.T) {
	start := time.Unix(100, 0)
	old, newer := &media.Frame{Seq: 0}, &media.Frame{Seq: 1}
	r := &pacerRun{t: t, now: start, script: []paced{{item: old, due: start}, {item: newer, due: start.Add(33 * time.Millisecond)}}}
	// Due, outputs busy, the next frame not yet due: wait for it (or a credit).
	if do, at := r.run(false, false); do != paceWake || !at.Equal(start.Add(33*time.Millisecond)) {
		t.Fatalf("busy, next not due: %v at %v", do, at)
	}
	r.now = start.Add(33 * time.Millisecond)
	// Both due, still busy: first look at the mailbox once more.
	if do, _ := r.run(false, false); do != paceLookAgain || len(r.dropped) != 0 {
		t.Fatalf("busy, both due: %v, dropped %d", do, len(r.dropped))
	}
	// Still busy after looking: the old frame goes, the newer waits.
	r.run(false, false)
	if len(r.dropped) != 1 || r.dropped[0] != old || r.late[0] != 33*time.Millisecond {
		t.Fatalf("dropped %v, %v late, want the old frame, 33ms late", r.dropped, r.late)
	}
	if r.run(true, true); len(r.emitted) != 1 || r.emitted[0] != newer {
		t.Fatalf("emitted %v, want the newer frame", r.emitted)
	}
}

func TestPacerNeverDropsAPacedPacket(t *testing.T) {
	start := time.Unix(100, 0)
	r := &pacerRun{t: t, now: start.Add(time.Second), script: []paced{
		{item: &media.Packet{Seq: 0}, due: start}, {item: &media.Packet{Seq: 1}, due: start.Add(time.Millisecond)},
	}}
	for range 3 {
		if do, _ := r.run(false, false); do != paceWait || len(r.dropped) != 0 {
			t.Fatalf("a late packet behind busy outputs: %v, dropped %d", do, len(r.dropped))
		}
	}
	if r.run(true, true); len(r.emitted) != 1 {
		t.Fatalf("emitted %d once free, want 1", len(r.emitted))
	}
}

func TestPacerEndsOnlyWhenNothingIsHeld(t *testing.T) {
	start := time.Unix(100, 0)
	r := &pacerRun{t: t, now: start, script: []paced{{item: &media.Frame{}, due: start}}}
	r.p.add(r.script[0].item, r.script[0].due, r.now)
	r.script = nil
	r.p.end()
	if do, _ := r.run(false, false); do != paceWait {
		t.Fatalf("ended with a frame held: %v, want paceWait", do)
	}
	if do, _ := r.run(true, true); do != paceEnd || len(r.emitted) != 1 {
		t.Fatalf("ended, frame sent: %v, emitted %d", do, len(r.emitted))
	}
}

// A chain that runs in the source's calls is free again when the pacer
// looks, but the time it took may have passed the next frames' moments: a
// frame given late makes way for a successor that is due too, and goes out
// when its successor is not yet due.
func TestPacerDropsALateFrameForADueSuccessorEvenWithFreeOutputs(t *testing.T) {
	start := time.Unix(100, 0)
	f := func(seq uint64, ms int) paced {
		return paced{item: &media.Frame{Seq: seq}, due: start.Add(time.Duration(ms) * time.Millisecond)}
	}
	// Frame 0 goes out at its moment (a first frame is never late, what
	// the start took notwithstanding); its chain takes until 70 ms.
	r := &pacerRun{t: t, now: start.Add(5 * time.Millisecond), script: []paced{f(1, 33), f(2, 66), f(3, 100)}}
	r.p.add(&media.Frame{Seq: 0}, start, r.now)
	if do, _ := r.p.step(r.now, true, true); do != paceEmit {
		t.Fatalf("the first frame, 5 ms after its moment: %v, want it sent", do)
	}
	r.emitted = append(r.emitted, r.p.take())
	r.now = start.Add(70 * time.Millisecond)
	if do, at := r.run(true, true); do != paceWake || !at.Equal(start.Add(100*time.Millisecond)) {
		t.Fatalf("after the chain: %v at %v, want to wait for frame 3's moment", do, at)
	}
	if len(r.dropped) != 1 || r.dropped[0].(*media.Frame).Seq != 1 {
		t.Fatalf("dropped %v, want frame 1, overtaken by a due successor", r.dropped)
	}
	if len(r.emitted) != 2 || r.emitted[0].(*media.Frame).Seq != 0 || r.emitted[1].(*media.Frame).Seq != 2 {
		t.Fatalf("emitted %v, want frame 0 and then frame 2, the newest due", r.emitted)
	}
	// Given on time, a frame goes out at its moment without a look ahead.
	r = &pacerRun{t: t, now: start, script: []paced{f(0, 10), f(1, 43)}}
	if do, at := r.run(true, true); do != paceWake || !at.Equal(start.Add(10*time.Millisecond)) {
		t.Fatalf("on time: %v at %v", do, at)
	}
	r.now = start.Add(10 * time.Millisecond)
	if do, at := r.run(true, true); do != paceWake || !at.Equal(start.Add(43*time.Millisecond)) || len(r.emitted) != 1 || len(r.dropped) != 0 {
		t.Fatalf("on time: emitted %d, dropped %d, then %v at %v", len(r.emitted), len(r.dropped), do, at)
	}
}

func TestPacerLetsALateFrameGoWithinItsSlack(t *testing.T) {
	start := time.Unix(100, 0)
	frames := func(n int) []paced {
		var s []paced
		for i := range n {
			s = append(s, paced{item: &media.Frame{Seq: uint64(i + 1)}, due: start.Add(time.Duration(i+1) * 10 * time.Millisecond)})
		}
		return s
	}
	// Frame 0 went out at its moment; its chain took until 35 ms, three
	// and a half frames. With a slack of four, frame 1 is late but goes,
	// and so do the frames after it while the chain catches up.
	r := &pacerRun{t: t, now: start, script: frames(8)}
	r.p.slack = 4
	r.p.add(&media.Frame{Seq: 0}, start, r.now)
	r.p.step(r.now, true, true)
	r.emitted = append(r.emitted, r.p.take())
	for _, ms := range []int{35, 38, 41, 44, 47, 50} {
		r.now = start.Add(time.Duration(ms) * time.Millisecond)
		r.run(true, true)
	}
	if len(r.dropped) != 0 {
		t.Fatalf("dropped %v within the slack", r.dropped)
	}
	for i, it := range r.emitted {
		if it.(*media.Frame).Seq != uint64(i) {
			t.Fatalf("emitted %v, want every frame in order", r.emitted)
		}
	}
	if len(r.emitted) < 6 {
		t.Fatalf("emitted %d frames by 50 ms, want the late ones caught up", len(r.emitted))
	}
	// Held up for five frames, frame 1 is more than four behind when
	// frame 2 comes: it is dropped, and frame 2, under four behind, goes.
	r = &pacerRun{t: t, now: start, script: frames(8)}
	r.p.slack = 4
	r.p.add(&media.Frame{Seq: 0}, start, r.now)
	r.p.step(r.now, true, true)
	r.emitted = append(r.emitted, r.p.take())
	r.now = start.Add(52 * time.Millisecond)
	r.p.step(r.now, true, true) // fetches frame 1, late
	r.p.add(r.script[0].item, r.script[0].due, r.now)
	r.script = r.script[1:]
	do, _ := r.p.step(r.now, true, true) // fetches frame 2 to look ahead
	if do != paceFetch {
		t.Fatalf("a late frame: %v, want a look at its successor", do)
	}
	r.p.add(r.script[0].item, r.script[0].due, r.now)
	r.script = r.script[1:]
	if do, _ := r.p.step(r.now, true, true); do != paceDrop {
		t.Fatalf("frame 1, 42 ms behind with a slack of 40: %v, want it dropped", do)
	}
	r.p.take()
	if do, _ := r.p.step(r.now, true, true); do != paceFetch {
		t.Fatalf("frame 2, 32 ms behind: %v, want a look at its successor", do)
	}
}

func TestPacerKeepsItsSlackAcrossAReset(t *testing.T) {
	p := pacer{slack: 4}
	p.add(&media.Frame{}, time.Unix(1, 0), time.Unix(1, 0))
	p.reset()
	if p.slack != 4 || p.held.item != nil {
		t.Fatalf("after reset: slack %d, held %v", p.slack, p.held.item)
	}
}

// A planned frame (a Planner's, not made yet) is paced as a made one: it
// goes out on time while the outputs are free and is dropped, still not
// made, when the graph is busy past its successor's moment.
func TestPacerDropsAPlannedFrameBeforeItIsMade(t *testing.T) {
	start := time.Unix(1, 0)
	period := 40 * time.Millisecond
	p := pacer{slack: 1}
	p.addPlanned(start, start)
	if do, _ := p.step(start, true, true); do != paceEmit {
		t.Fatalf("a due planned frame with the outputs free: %v, want emit", do)
	}
	if v, planned := p.takePlanned(); v != nil || !planned {
		t.Fatalf("took %v (planned %v), want the planned frame, not made", v, planned)
	}
	now := start.Add(period)
	if do, _ := p.step(now, false, false); do != paceFetch {
		t.Fatalf("nothing held: %v, want fetch", do)
	}
	p.addPlanned(start.Add(period), now)
	if do, _ := p.step(now, false, false); do != paceFetch {
		t.Fatalf("frame 1 due, the graph busy: %v, want a look at its successor", do)
	}
	p.addPlanned(start.Add(2*period), now)
	now = start.Add(2 * period)
	for do, _ := p.step(now, false, false); do != paceDrop; do, _ = p.step(now, false, false) {
		if do != paceLookAgain {
			t.Fatalf("frame 1 a period late, the graph busy: %v, want it dropped", do)
		}
	}
	if v, planned := p.takePlanned(); v != nil || !planned {
		t.Fatalf("dropped %v (planned %v), want the planned frame, never made", v, planned)
	}
}
