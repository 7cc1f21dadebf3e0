package qos_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
)

// gateCases feed TestGateDecisions and the FuzzGate seeds. The clock moves by
// step (default 100 ms) before each Gate call; the request interval is 300 ms
// unless given, so a waiting Gate asks again every third packet.
var gateCases = []struct {
	name     string
	spec     string
	interval time.Duration // 0: the default
	noLimit  bool          // interval 0: every request allowed
	step     time.Duration // 0: 100 ms
}{
	{name: "in-order stream passes whole",
		spec: "K0:pass D1:pass D2:pass K3:pass D4:pass D5:pass"},
	{name: "deltas before the first keyframe are dropped and ask once per interval",
		spec: "D5:nokey! D6:nokey D7:nokey D8:nokey! K9:pass D10:pass"},
	{name: "a hole drops until the next keyframe",
		spec: "K0:pass D1:pass D2:pass _ D4:hole! D5:broken K6:pass D7:pass"},
	{name: "a long wait asks again each interval",
		spec: "K0:pass _ D2:hole! D3:broken D4:broken D5:broken! D6:broken D7:broken D8:broken! K9:pass D10:pass"},
	{name: "a hole soon after a recovery is not asked for twice within the interval",
		spec: "K0:pass _ D2:hole! K3:pass _ D5:hole D6:broken! K7:pass"},
	{name: "a keyframe after a hole passes",
		spec: "K0:pass D1:pass _ K3:pass D4:pass"},
	{name: "a lost keyframe drops its GOP",
		spec: "K0:pass D1:pass _K2 D3:hole! D4:broken K5:pass"},
	{name: "a delta of a new epoch waits for that epoch's keyframe",
		spec: "K0:pass D1:pass D2:pass E2 _K0 D1:epoch! D2:epoch K3:pass D4:pass"},
	{name: "a keyframe of a new epoch passes even with a lower Seq",
		spec: "K10:pass D11:pass E2 K0:pass D1:pass D2:pass"},
	{name: "a straggler delta of the old epoch after a switch is dropped",
		spec: "K10:pass D11:pass E2 K0:pass E1 D12:epoch! E2 D1:broken K2:pass"},
	{name: "duplicates are dropped without breaking the chain or asking",
		spec: "K0:pass D1:pass D1:dup D2:pass D1:dup D2:dup K0:dup D3:pass"},
	{name: "a replayed GOP followed by overlapping live packets passes each picture once",
		spec: "K30:pass D31:pass D32:pass D33:pass D32:dup D33:dup D34:pass D35:pass"},
	{name: "a resent keyframe of the current GOP ends the wait",
		spec: "K30:pass D31:pass D32:pass _ D34:hole! K30:pass D31:pass D32:pass D33:pass D34:pass D35:pass"},
	{name: "while waiting a keyframe of an older GOP is a duplicate",
		spec: "K0:pass D1:pass K2:pass D3:pass _ D5:hole! K0:dup D6:broken K7:pass"},
	{name: "a delta of another GOP is dropped",
		spec: "K0:pass D1:pass D2g1:gop! D3:broken K4:pass D5:pass"},
	{name: "a delta claiming a later GOP after its keyframe was lost is dropped",
		spec: "K0:pass D1:pass D2g2:gop! K3:pass"},
	{name: "intra-only packets pass unless duplicate",
		spec: "J0:pass _ J2:pass J2:dup J1:dup J3:pass E2 J0:pass J1:pass"},
	{name: "a break drops until the next keyframe",
		spec: "K0:pass D1:pass B:break! D2:broken D3:broken D4:broken! K5:pass D6:pass"},
	{name: "a break soon after a request does not ask again",
		spec: "K0:pass _ D2:hole! B:break D3:broken D4:broken! K5:pass"},
	{name: "a break before any keyframe",
		spec: "B:break! D0:nokey K1:pass D2:pass"},
	{name: "a break lets a resent keyframe of the current GOP pass",
		spec: "K0:pass D1:pass D2:pass B:break! K0:pass D1:pass D2:pass D3:pass"},
	{name: "a duplicate while waiting neither ends the wait nor asks",
		spec: "K0:pass D1:pass _ D3:hole! @1s D1:dup D3:broken! D4:broken K5:pass"},
	{name: "a nil packet is dropped and changes nothing",
		spec: "N:nil K0:pass N:nil D1:pass"},
	{name: "a time gap lets the next drop ask again",
		spec: "K0:pass _ D2:hole! @2s D3:broken! D4:broken"},
	{name: "interval 0 asks on every drop that needs a keyframe",
		noLimit: true,
		spec:    "D1:nokey! D2:nokey! K3:pass _ D5:hole! D6:broken! D6:broken! B:break! K7:pass D7:dup"},
	{name: "a longer interval asks less often",
		interval: time.Second,
		spec:     "K0:pass _ D2:hole! D3:broken D4:broken D5:broken D6:broken D7:broken D8:broken D9:broken D10:broken D11:broken D12:broken! K13:pass"},
	{name: "at 30 frames/s a wait asks every 10th packet",
		step: time.Second / 30,
		spec: "D1:nokey! D2:nokey D3:nokey D4:nokey D5:nokey D6:nokey D7:nokey D8:nokey D9:nokey D10:nokey D11:nokey! D12:nokey K13:pass"},
}

// TestGateDecisions runs each spec through a Gate and compares every answer,
// and checks the Gate's promises (see checker) along the way.
func TestGateDecisions(t *testing.T) {
	for _, tc := range gateCases {
		t.Run(tc.name, func(t *testing.T) {
			steps, err := parseSpec(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			interval, step := qos.DefaultKeyframeRequestInterval, 100*time.Millisecond
			if tc.interval != 0 {
				interval = tc.interval
			}
			if tc.noLimit {
				interval = 0
			}
			if tc.step != 0 {
				step = tc.step
			}
			clk := newFakeClock()
			g := mustGate(t, clk, interval)
			c := newChecker(t, g, clk, interval)
			for i, st := range steps {
				switch {
				case st.noop:
					continue
				case st.advance != 0:
					clk.Advance(st.advance)
					continue
				}
				clk.Advance(step)
				if st.isBreak {
					if got := c.brk(); got != st.want.RequestKeyframe {
						t.Errorf("token %d %s: Break requested %v", i, st.token, got)
					}
					continue
				}
				if got := c.admit(st.packet); got != st.want {
					t.Errorf("token %d %s: got %s (%+v)", i, st.token, answerText(got), got)
				}
			}
			c.checkStats()
		})
	}
}

func TestNewGateRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  qos.Option
	}{
		{"negative interval", qos.WithKeyframeRequestInterval(-time.Millisecond)},
		{"nil clock", qos.WithClock(nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if g, err := qos.NewGate(tc.opt); !errors.Is(err, qos.ErrBadOption) || g != nil {
				t.Errorf("NewGate: %v, %v; want ErrBadOption", g, err)
			}
			if l, err := qos.NewKeyframeLimiter(tc.opt); !errors.Is(err, qos.ErrBadOption) || l != nil {
				t.Errorf("NewKeyframeLimiter: %v, %v; want ErrBadOption", l, err)
			}
		})
	}
}

func TestNewGateWaitsForAKeyframe(t *testing.T) {
	g, err := qos.NewGate()
	if err != nil {
		t.Fatal(err)
	}
	if !g.Waiting() {
		t.Error("a new Gate is not waiting for a keyframe")
	}
	if d := g.Admit(&media.Packet{Codec: media.H264, Key: true, Epoch: 1}); !d.Pass || g.Waiting() {
		t.Errorf("first keyframe: %+v, waiting %v", d, g.Waiting())
	}
}

// The zero Gate is not meant to be used, but it must not panic either.
func TestZeroGateDoesNotPanic(t *testing.T) {
	var g qos.Gate
	if d := g.Admit(&media.Packet{Codec: media.H264, Seq: 3, GOP: 0}); d.Pass || d.Reason != qos.NoKeyframeYet || !d.RequestKeyframe {
		t.Errorf("delta: %+v", d)
	}
	if d := g.Admit(&media.Packet{Codec: media.H264, Key: true, Seq: 4, GOP: 4}); !d.Pass {
		t.Errorf("keyframe: %+v", d)
	}
	g.Break()
}

func TestGateTreatsIntraOnlyPacketsAsKeyframes(t *testing.T) {
	for _, codec := range []media.Codec{media.JPEG, media.Raw} {
		t.Run(codec.String(), func(t *testing.T) {
			clk := newFakeClock()
			g := mustGate(t, clk, qos.DefaultKeyframeRequestInterval)
			c := newChecker(t, g, clk, qos.DefaultKeyframeRequestInterval)
			c.brk()
			// Not marked Key, out of order, across epochs: all pass but the duplicate.
			for i, tc := range []struct {
				seq, epoch uint64
				pass       bool
			}{{5, 1, true}, {9, 1, true}, {9, 1, false}, {2, 2, true}, {3, 2, true}} {
				clk.Advance(10 * time.Millisecond)
				d := c.admit(&media.Packet{Codec: codec, Seq: tc.seq, GOP: tc.seq, Epoch: tc.epoch})
				if d.Pass != tc.pass {
					t.Errorf("packet %d: %+v", i, d)
				}
			}
			c.checkStats()
		})
	}
}

func TestDropReasonStringsAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for r := qos.NotDropped; r <= qos.NilPacket; r++ {
		s := r.String()
		if s == "" || seen[s] {
			t.Errorf("reason %d: %q empty or repeated", r, s)
		}
		seen[s] = true
	}
	if got := qos.DropReason(200).String(); got != "drop_reason(200)" {
		t.Errorf("unknown reason: %q", got)
	}
	if qos.SeqHole.String() != "seq_hole" {
		t.Errorf("SeqHole: %q", qos.SeqHole)
	}
}

// TestGateNeverRequestsMoreOftenThanTheInterval drops a delta every
// millisecond for 3 s (a subscriber far behind, or a stream of losses) with
// Breaks in between: the Gate asks at most once per 300 ms.
func TestGateNeverRequestsMoreOftenThanTheInterval(t *testing.T) {
	clk := newFakeClock()
	g := mustGate(t, clk, qos.DefaultKeyframeRequestInterval)
	c := newChecker(t, g, clk, qos.DefaultKeyframeRequestInterval)
	c.admit(&media.Packet{Codec: media.H264, Key: true, Epoch: 1})
	for i := uint64(1); i <= 3000; i++ {
		clk.Advance(time.Millisecond)
		if i%7 == 0 {
			c.brk()
			continue
		}
		c.admit(&media.Packet{Codec: media.H264, Seq: 2 * i, Epoch: 1}) // every one a hole
	}
	c.checkStats()
	s := g.Stats()
	if s.KeyframeRequests > 11 {
		t.Errorf("%d keyframe requests in 3 s, want at most 11", s.KeyframeRequests)
	}
	if s.KeyframeRequests+s.KeyframeRequestsSuppressed != s.Dropped+s.Breaks {
		t.Errorf("requests %d + suppressed %d != drops %d + breaks %d",
			s.KeyframeRequests, s.KeyframeRequestsSuppressed, s.Dropped, s.Breaks)
	}
}

func TestGateDoesNotWriteToPackets(t *testing.T) {
	clk := newFakeClock()
	g := mustGate(t, clk, qos.DefaultKeyframeRequestInterval)
	stream := randomStream(newRand(1), 500)
	before := make([]media.Packet, len(stream))
	for i, ev := range stream {
		if ev.packet != nil {
			before[i] = *ev.packet
		}
	}
	for _, ev := range stream {
		clk.Advance(ev.advance)
		if ev.isBreak {
			g.Break()
			continue
		}
		g.Admit(ev.packet)
	}
	for i, ev := range stream {
		if ev.packet != nil && (ev.packet.Seq != before[i].Seq || ev.packet.GOP != before[i].GOP ||
			ev.packet.Epoch != before[i].Epoch || ev.packet.Key != before[i].Key || ev.packet.Codec != before[i].Codec) {
			t.Fatalf("event %d: packet changed from %+v to %+v", i, before[i], *ev.packet)
		}
	}
}

// TestGatePassesOnlyDecodableSequences is the Gate's main property: on random
// streams with losses, duplicates, replays of the current GOP, stale
// packets, encoder restarts, decoder breaks and irregular timing, every
// passed sequence decodes, no new keyframe is ever dropped, and requests keep
// to the interval.
func TestGatePassesOnlyDecodableSequences(t *testing.T) {
	var total qos.GateStats
	for seed := range uint64(300) {
		interval := qos.DefaultKeyframeRequestInterval
		if seed%5 == 0 {
			interval = 0
		}
		clk := newFakeClock()
		g := mustGate(t, clk, interval)
		c := newChecker(t, g, clk, interval)
		for _, ev := range randomStream(newRand(seed), 400) {
			clk.Advance(ev.advance)
			if ev.isBreak {
				c.brk()
			} else {
				c.admit(ev.packet)
			}
		}
		c.checkStats()
		if t.Failed() {
			t.Fatalf("seed %d", seed)
		}
		s := g.Stats()
		total.Passed += s.Passed
		total.KeyframeRequests += s.KeyframeRequests
		total.KeyframeRequestsSuppressed += s.KeyframeRequestsSuppressed
		for r, n := range s.DroppedBy {
			total.DroppedBy[r] += n
		}
	}
	// The streams must have met every case, or the property proves little.
	for r := qos.NoKeyframeYet; r <= qos.NilPacket; r++ {
		if total.DroppedBy[r] == 0 {
			t.Errorf("no drop as %v in any stream", r)
		}
	}
	if total.Passed == 0 || total.KeyframeRequests == 0 || total.KeyframeRequestsSuppressed == 0 {
		t.Errorf("streams too tame: %+v", total)
	}
	t.Logf("over all streams: %+v", total)
}

// TestGateAdmitDoesNotAllocate runs per packet on every subscriber: neither
// the pass path nor the drop and request path may allocate.
func TestGateAdmitDoesNotAllocate(t *testing.T) {
	clk := newFakeClock()
	g := mustGate(t, clk, qos.DefaultKeyframeRequestInterval)
	stream := randomStream(newRand(7), 1000)
	i := 0
	allocs := testing.AllocsPerRun(5000, func() {
		ev := stream[i%len(stream)]
		i++
		clk.t = clk.t.Add(ev.advance)
		if ev.isBreak {
			g.Break()
		} else {
			g.Admit(ev.packet)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per Admit", allocs)
	}
	if s := g.Stats(); s.Passed == 0 || s.Dropped == 0 || s.KeyframeRequests == 0 {
		t.Errorf("the stream did not exercise every path: %+v", s)
	}
}

// BenchmarkGateAdmit measures one Admit on a stream of 30-frame GOPs with a
// loss now and then (each drops the rest of its GOP and asks for a keyframe).
func BenchmarkGateAdmit(b *testing.B) {
	clk := newFakeClock()
	g := mustGate(b, clk, qos.DefaultKeyframeRequestInterval)
	var stream []*media.Packet
	for epoch := uint64(1); epoch <= 2; epoch++ { // two epochs, so that the loop can wrap around
		for seq := range uint64(3000) {
			if seq%500 == 250 {
				continue
			}
			gop := seq - seq%30
			stream = append(stream, &media.Packet{Codec: media.H264, Key: seq == gop, Seq: seq, GOP: gop, Epoch: epoch})
		}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		clk.Advance(time.Second / 30)
		g.Admit(stream[i%len(stream)])
	}
	s := g.Stats()
	b.ReportMetric(float64(s.Dropped)/float64(s.Passed+s.Dropped), "dropped/op")
}

// A Gate that asks once per wait asks at the drop that starts a wait and at
// a Break of a running chain, and not again, however long the wait, until a
// packet passes.
func TestGateAsksOncePerWait(t *testing.T) {
	clk := newFakeClock()
	g, err := qos.NewGate(qos.WithClock(clk.Now), qos.WithRequestOncePerWait())
	if err != nil {
		t.Fatal(err)
	}
	key := func(seq uint64) *media.Packet {
		return &media.Packet{Codec: media.H264, Key: true, Seq: seq, GOP: seq, Epoch: 1}
	}
	delta := func(seq, gop uint64) *media.Packet {
		return &media.Packet{Codec: media.H264, Seq: seq, GOP: gop, Epoch: 1}
	}
	requests := 0
	admit := func(p *media.Packet) {
		if d := g.Admit(p); d.RequestKeyframe {
			requests++
		}
		clk.Advance(time.Second) // long past any interval: only the wait counts
	}
	admit(delta(0, 0)) // no keyframe yet: asks
	admit(delta(1, 0))
	if requests != 1 {
		t.Fatalf("%d requests before the first keyframe, want 1", requests)
	}
	admit(key(2))
	admit(delta(3, 2))
	admit(delta(5, 2)) // a hole: a new wait asks
	admit(delta(6, 2))
	admit(delta(7, 2))
	if requests != 2 {
		t.Fatalf("%d requests after a hole, want 2", requests)
	}
	if g.Break() {
		t.Fatal("a Break during the same wait asked again")
	}
	admit(key(8))
	if !g.Break() {
		t.Fatal("a Break after a keyframe passed did not ask")
	}
	admit(delta(9, 8))
	if requests != 2 {
		t.Fatalf("the drop after a Break asked again: %d requests", requests)
	}
	if s := g.Stats(); s.KeyframeRequests != 3 || s.KeyframeRequestsSuppressed == 0 {
		t.Fatalf("stats %+v: want 3 requests and the repeats suppressed", s)
	}
}
