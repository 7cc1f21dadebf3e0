package qos_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
)

// retainer is the shape of transport.Retainer, which this package cannot
// import (transport imports qos): the broker's view of a durability store.
type retainer interface {
	Retain(p *media.Packet)
	Replay() []*media.Packet
}

var _ retainer = (*qos.GOPCache)(nil)

// testStream makes the packets of one encoder: Seq +1 per packet, each GOP
// opened by a keyframe.
type testStream struct {
	codec      media.Codec
	epoch, seq uint64
	gopStart   uint64
}

func newTestStream(epoch uint64) *testStream { return &testStream{codec: media.H264, epoch: epoch} }

// packet returns the stream's next packet, of size bytes.
func (s *testStream) packet(key bool, size int) *media.Packet {
	if key {
		s.gopStart = s.seq
	}
	p := &media.Packet{Codec: s.codec, Key: key, Seq: s.seq, GOP: s.gopStart, Epoch: s.epoch, Data: make([]byte, size)}
	s.seq++
	return p
}

// gop returns the stream's next GOP of n packets: a keyframe of keySize
// bytes, then deltas of deltaSize.
func (s *testStream) gop(n, keySize, deltaSize int) []*media.Packet {
	ps := []*media.Packet{s.packet(true, keySize)}
	for range n - 1 {
		ps = append(ps, s.packet(false, deltaSize))
	}
	return ps
}

func mustCache(t testing.TB, opts ...qos.CacheOption) *qos.GOPCache {
	t.Helper()
	c, err := qos.NewGOPCache(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func retainAll(c *qos.GOPCache, ps []*media.Packet) {
	for _, p := range ps {
		c.Retain(p)
	}
}

// samePackets fails unless got holds exactly the pointers of want, in order.
func samePackets(t testing.TB, what string, got, want []*media.Packet) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d packets %s, want %d %s", what, len(got), seqs(got), len(want), seqs(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: packet %d is %s, want %s (the published pointer)", what, i, describe(got[i]), describe(want[i]))
		}
	}
}

func seqs(ps []*media.Packet) string {
	s := "["
	for i, p := range ps {
		if i > 0 {
			s += " "
		}
		if p.Key {
			s += "K"
		}
		s += fmt.Sprint(p.Seq)
	}
	return s + "]"
}

// concat joins GOPs into one replay.
func concat(gops ...[]*media.Packet) []*media.Packet {
	var all []*media.Packet
	for _, g := range gops {
		all = append(all, g...)
	}
	return all
}

func TestGOPCacheReplaysEveryPhaseOfAGOP(t *testing.T) {
	s := newTestStream(9)
	c := mustCache(t)
	retainAll(c, s.gop(30, 500, 50)) // an older GOP, replaced by the next keyframe
	gop := s.gop(30, 500, 50)
	for i, p := range gop {
		c.Retain(p)
		got := c.Replay()
		samePackets(t, fmt.Sprintf("after packet %d", i), got, gop[:i+1])
		if !got[0].Key {
			t.Fatalf("after packet %d: replay starts with a delta", i)
		}
		for j := 1; j < len(got); j++ {
			if got[j].Seq != got[j-1].Seq+1 || got[j].Key {
				t.Fatalf("after packet %d: %s is not contiguous from its keyframe", i, seqs(got))
			}
		}
		samePackets(t, fmt.Sprintf("Current after packet %d", i), c.Current(), gop[:i+1])
		if st := c.Stats(); st.GOPs != 1 || st.Frames != i+1 || st.Bytes != int64(500+50*i) {
			t.Fatalf("after packet %d: stats %+v", i, st)
		}
	}
	if st := c.Stats(); st.Retained != 60 || st.Skipped != 0 || st.Truncated != 0 || st.Evicted != 1 || st.Replays != 30 {
		t.Errorf("stats %+v", st)
	}
}

func TestGOPCacheKeepLastTwoKeepsTwoWholeGOPs(t *testing.T) {
	s := newTestStream(1)
	c := mustCache(t, qos.WithMaxGOPs(2))
	g1, g2, g3 := s.gop(10, 100, 10), s.gop(10, 100, 10), s.gop(10, 100, 10)
	retainAll(c, g1)
	samePackets(t, "one GOP", c.Replay(), g1)
	retainAll(c, g2)
	samePackets(t, "two GOPs", c.Replay(), concat(g1, g2))
	samePackets(t, "Current", c.Current(), g2)
	c.Retain(g3[0])
	samePackets(t, "a third keyframe", c.Replay(), concat(g2, g3[:1]))
	retainAll(c, g3[1:])
	samePackets(t, "the third GOP", c.Replay(), concat(g2, g3))
	if st := c.Stats(); st.GOPs != 2 || st.Frames != 20 || st.Bytes != 2*190 || st.Evicted != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestGOPCacheBounds(t *testing.T) {
	type kept struct{ gop, frames int } // the first frames packets of the gop-th GOP published
	cases := []struct {
		name  string
		opts  []qos.CacheOption
		gops  [][3]int // per GOP: frames, keyframe bytes, delta bytes
		want  []kept   // oldest first
		trunc uint64
	}{
		{name: "a GOP longer than MaxFrames stops growing at the bound",
			opts: []qos.CacheOption{qos.WithMaxFrames(10)}, gops: [][3]int{{25, 100, 10}}, want: []kept{{0, 10}}, trunc: 1},
		{name: "a GOP that reaches MaxFrames exactly is whole",
			opts: []qos.CacheOption{qos.WithMaxFrames(10)}, gops: [][3]int{{10, 100, 10}}, want: []kept{{0, 10}}},
		{name: "the newest GOP grows by evicting older whole GOPs",
			opts: []qos.CacheOption{qos.WithMaxGOPs(3), qos.WithMaxFrames(20)},
			gops: [][3]int{{8, 100, 10}, {8, 100, 10}, {8, 100, 10}}, want: []kept{{1, 8}, {2, 8}}},
		{name: "and stops growing when it alone fills the bound",
			opts: []qos.CacheOption{qos.WithMaxGOPs(3), qos.WithMaxFrames(20)},
			gops: [][3]int{{8, 100, 10}, {30, 100, 10}}, want: []kept{{1, 20}}, trunc: 1},
		{name: "a GOP bigger than MaxBytes stops growing at the bound",
			opts: []qos.CacheOption{qos.WithMaxBytes(1000)}, gops: [][3]int{{30, 500, 100}}, want: []kept{{0, 6}}, trunc: 1},
		{name: "keep all keeps the GOPs that fit the bytes",
			opts: []qos.CacheOption{qos.WithMaxGOPs(0), qos.WithMaxFrames(0), qos.WithMaxBytes(1000)},
			gops: [][3]int{{5, 110, 10}, {5, 110, 10}, {5, 110, 10}, {5, 110, 10}, {5, 110, 10}, {5, 110, 10}, {5, 110, 10}},
			want: []kept{{1, 5}, {2, 5}, {3, 5}, {4, 5}, {5, 5}, {6, 5}}},
		{name: "a big keyframe evicts as many older GOPs as it needs",
			opts: []qos.CacheOption{qos.WithMaxGOPs(0), qos.WithMaxBytes(1000)},
			gops: [][3]int{{5, 100, 10}, {5, 100, 10}, {5, 100, 10}, {3, 800, 10}}, want: []kept{{2, 5}, {3, 3}}},
		{name: "an oversize keyframe is not kept; the older GOP stays",
			opts: []qos.CacheOption{qos.WithMaxBytes(1000)},
			gops: [][3]int{{5, 100, 10}, {5, 2000, 10}}, want: []kept{{0, 5}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestStream(3)
			c := mustCache(t, tc.opts...)
			var gops [][]*media.Packet
			for _, g := range tc.gops {
				gop := s.gop(g[0], g[1], g[2])
				gops = append(gops, gop)
				retainAll(c, gop)
			}
			var want []*media.Packet
			for _, k := range tc.want {
				want = append(want, gops[k.gop][:k.frames]...)
			}
			samePackets(t, "replay", c.Replay(), want)
			checkDecodable(t, c.Replay())
			if st := c.Stats(); st.Truncated != tc.trunc {
				t.Errorf("truncated %d GOPs, want %d (%+v)", st.Truncated, tc.trunc, st)
			}
			// The next keyframe starts afresh.
			k := s.packet(true, 50)
			c.Retain(k)
			samePackets(t, "Current after the next keyframe", c.Current(), []*media.Packet{k})
		})
	}
}

func TestGOPCacheOversizeKeyframe(t *testing.T) {
	s := newTestStream(3)
	c := mustCache(t, qos.WithMaxBytes(1000))
	g1 := s.gop(5, 100, 10)
	retainAll(c, g1)
	retainAll(c, s.gop(5, 1001, 10))
	samePackets(t, "after an oversize GOP", c.Replay(), g1)
	if c.CanRepair(3, g1[4].Seq) {
		t.Error("CanRepair after the stream moved past the cache")
	}
	if st := c.Stats(); st.Oversize != 1 || st.Skipped != 5 || st.Truncated != 0 {
		t.Errorf("stats %+v", st)
	}
	g3 := s.gop(5, 1000, 0)
	retainAll(c, g3)
	samePackets(t, "a keyframe of exactly MaxBytes", c.Replay(), g3)
}

func TestGOPCacheExpiresGOPsOlderThanMaxAge(t *testing.T) {
	clk := newFakeClock()
	s := newTestStream(5)
	c := mustCache(t, qos.WithMaxGOPs(2), qos.WithMaxAge(time.Second), qos.WithCacheClock(clk.Now))
	g1, g2 := s.gop(10, 100, 10), s.gop(10, 100, 10)
	for _, p := range g1 {
		c.Retain(p)
		clk.Advance(50 * time.Millisecond)
	}
	clk.Advance(500 * time.Millisecond) // the stream pauses
	for _, p := range g2 {
		c.Retain(p)
		clk.Advance(50 * time.Millisecond)
	}
	// g1's newest packet was retained 1.05 s ago, g2's 50 ms ago.
	samePackets(t, "within the lifespan of g2 only", c.Replay(), g2)
	if st := c.Stats(); st.Expired != 1 || st.GOPs != 1 {
		t.Errorf("stats %+v", st)
	}
	clk.Advance(950 * time.Millisecond) // g2's newest is now exactly 1 s old
	samePackets(t, "at exactly the lifespan", c.Replay(), g2)
	clk.Advance(time.Nanosecond)
	if got := c.Replay(); got != nil {
		t.Fatalf("replayed %s past its lifespan", seqs(got))
	}
	if got := c.Current(); got != nil {
		t.Fatalf("Current %s past its lifespan", seqs(got))
	}
	// The rest of an expired GOP is not appended: it has no keyframe.
	d := s.packet(false, 10)
	c.Retain(d)
	if got := c.Replay(); got != nil {
		t.Fatalf("replayed %s without a keyframe", seqs(got))
	}
	if st := c.Stats(); st.Expired != 2 || st.Frames != 0 || st.Bytes != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestGOPCacheAgeCountsFromTheNewestPacket(t *testing.T) {
	clk := newFakeClock()
	s := newTestStream(5)
	c := mustCache(t, qos.WithMaxAge(time.Second), qos.WithCacheClock(clk.Now))
	gop := s.gop(100, 100, 10)
	for _, p := range gop {
		c.Retain(p)
		clk.Advance(100 * time.Millisecond) // the GOP lasts 10 s
	}
	samePackets(t, "a long GOP whose keyframe is old", c.Replay(), gop)
}

func TestGOPCacheStopsAppendingWhenTheChainBreaks(t *testing.T) {
	mk := func(key bool, seq, gop, epoch uint64) *media.Packet {
		return &media.Packet{Codec: media.H264, Key: key, Seq: seq, GOP: gop, Epoch: epoch, Data: []byte{1}}
	}
	cases := []struct {
		name    string
		breaker *media.Packet // arrives after K10 D11 D12 of epoch 1
		// whether the breaker stops appending, or is a duplicate that changes nothing
		truncates bool
	}{
		{"a hole in Seq", mk(false, 14, 10, 1), true},
		{"a delta of another epoch", mk(false, 13, 10, 2), true},
		{"a delta of another epoch with a continuing Seq and GOP", mk(false, 13, 10, 99), true},
		{"a delta of another GOP", mk(false, 13, 11, 1), true},
		{"a duplicate delta", mk(false, 12, 10, 1), false},
		{"an old delta", mk(false, 11, 10, 1), false},
		{"a repeated keyframe", mk(true, 10, 10, 1), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCache(t)
			prefix := []*media.Packet{mk(true, 10, 10, 1), mk(false, 11, 10, 1), mk(false, 12, 10, 1)}
			retainAll(c, prefix)
			c.Retain(tc.breaker)
			d13, d14 := mk(false, 13, 10, 1), mk(false, 14, 10, 1)
			c.Retain(d13)
			c.Retain(d14)
			st := c.Stats()
			if !tc.truncates {
				samePackets(t, "after a duplicate", c.Replay(), append(prefix, d13, d14))
				if st.Truncated != 0 || st.Skipped != 1 {
					t.Errorf("stats %+v", st)
				}
				return
			}
			samePackets(t, "the prefix stays", c.Replay(), prefix)
			if c.CanRepair(1, 12) {
				t.Error("CanRepair with a truncated GOP")
			}
			if st.Truncated != 1 || st.Skipped != 3 {
				t.Errorf("stats %+v", st)
			}
			k := mk(true, 15, 15, 1)
			c.Retain(k)
			d := mk(false, 16, 15, 1)
			c.Retain(d)
			samePackets(t, "the next keyframe restarts", c.Replay(), []*media.Packet{k, d})
			if !c.CanRepair(1, 12) {
				t.Error("no repair after the next keyframe")
			}
		})
	}
}

func TestGOPCacheSkipsDeltasBeforeAnyKeyframe(t *testing.T) {
	c := mustCache(t)
	s := newTestStream(1)
	s.packet(true, 10) // lost
	for range 5 {
		c.Retain(s.packet(false, 10))
	}
	if got := c.Replay(); got != nil {
		t.Fatalf("replayed %s", seqs(got))
	}
	if st := c.Stats(); st.Skipped != 5 || st.Truncated != 0 || st.Retained != 5 {
		t.Errorf("stats %+v", st)
	}
	c.Retain(nil)
	if st := c.Stats(); st.Retained != 5 {
		t.Errorf("a nil packet counted: %+v", st)
	}
}

func TestGOPCacheEpochChangeWithKeyframe(t *testing.T) {
	c := mustCache(t, qos.WithMaxGOPs(2))
	a, b := newTestStream(1), newTestStream(2)
	a.seq, b.seq = 1000, 0 // the new encoder counts from 0
	ga := a.gop(5, 100, 10)
	gb := b.gop(5, 100, 10)
	retainAll(c, ga)
	retainAll(c, gb)
	samePackets(t, "GOPs of two epochs", c.Replay(), concat(ga, gb))
	checkDecodable(t, c.Replay())
}

func TestGOPCacheIntraOnlyPacketsAreGOPsOfOne(t *testing.T) {
	s := newTestStream(1)
	s.codec = media.JPEG
	c := mustCache(t, qos.WithMaxGOPs(3))
	var ps []*media.Packet
	for range 5 {
		p := s.packet(false, 10) // JPEG packets are keyframes whatever Key says
		p.GOP = p.Seq
		ps = append(ps, p)
		c.Retain(p)
	}
	samePackets(t, "the last three pictures", c.Replay(), ps[2:])
	samePackets(t, "Current", c.Current(), ps[4:])
}

func TestGOPCacheCanRepair(t *testing.T) {
	s := newTestStream(7)
	c := mustCache(t, qos.WithMaxGOPs(2))
	if c.CanRepair(7, 0) {
		t.Error("an empty cache can repair")
	}
	g1 := s.gop(10, 100, 10) // Seq 0-9
	g2 := s.gop(5, 100, 10)  // Seq 10-14, the GOP goes on
	retainAll(c, g1)
	retainAll(c, g2)
	cases := []struct {
		epoch, lastSeq uint64
		want           bool
	}{
		{7, 12, true},  // lost 13: the cached GOP holds it from its keyframe
		{7, 9, true},   // lost the keyframe 10
		{7, 3, true},   // lost more than a GOP: skip ahead to the newest
		{7, 14, true},  // decoder broke at the newest packet
		{7, 15, false}, // ahead of the cache
		{8, 500, true}, // another epoch: moves to the cached one
	}
	for _, tc := range cases {
		if got := c.CanRepair(tc.epoch, tc.lastSeq); got != tc.want {
			t.Errorf("CanRepair(%d, %d) = %v, want %v", tc.epoch, tc.lastSeq, got, tc.want)
		}
	}
	samePackets(t, "what a repair sends", c.Current(), g2)
	s.packet(false, 10) // Seq 15 lost on its way to the broker
	c.Retain(s.packet(false, 10))
	if c.CanRepair(7, 12) {
		t.Error("CanRepair after the cache missed a packet")
	}
	c.Reset()
	if c.CanRepair(8, 0) || c.Current() != nil || c.Replay() != nil {
		t.Error("a Reset cache still answers")
	}
}

func TestGOPCacheReset(t *testing.T) {
	s := newTestStream(1)
	c := mustCache(t, qos.WithMaxGOPs(2))
	retainAll(c, s.gop(5, 100, 10))
	retainAll(c, s.gop(5, 100, 10))
	c.Reset()
	st := c.Stats()
	if st.GOPs != 0 || st.Frames != 0 || st.Bytes != 0 || st.Retained != 10 {
		t.Errorf("stats after Reset %+v", st)
	}
	c.Retain(s.packet(false, 10))
	if c.Replay() != nil {
		t.Error("a delta after Reset was kept")
	}
	g := s.gop(3, 100, 10)
	retainAll(c, g)
	samePackets(t, "after Reset", c.Replay(), g)
}

func TestGOPCacheDoesNotWriteToPackets(t *testing.T) {
	s := newTestStream(1)
	c := mustCache(t, qos.WithMaxGOPs(2), qos.WithMaxFrames(25))
	var all []*media.Packet
	for range 5 {
		all = append(all, s.gop(12, 100, 10)...)
	}
	for i, p := range all {
		for j := range p.Data {
			p.Data[j] = byte(i + j)
		}
	}
	before := make([]*media.Packet, len(all))
	for i, p := range all {
		before[i] = p.Clone()
	}
	for _, p := range all {
		c.Retain(p)
		c.Replay()
	}
	c.Reset()
	for i, p := range all {
		if fmt.Sprint(*p) != fmt.Sprint(*before[i]) {
			t.Fatalf("packet %d changed from %+v to %+v", i, *before[i], *p)
		}
	}
}

func TestGOPCacheZeroValueTakesTheDefaults(t *testing.T) {
	var c qos.GOPCache
	s := newTestStream(1)
	retainAll(&c, s.gop(qos.DefaultCacheMaxFrames+5, 10, 1))
	if st := c.Stats(); st.Frames != qos.DefaultCacheMaxFrames || st.Truncated != 1 {
		t.Errorf("zero cache stats %+v", st)
	}
	checkDecodable(t, c.Replay())
}

func TestNewGOPCacheOptions(t *testing.T) {
	bad := []struct {
		name string
		opts []qos.CacheOption
	}{
		{"negative GOPs", []qos.CacheOption{qos.WithMaxGOPs(-1)}},
		{"negative frames", []qos.CacheOption{qos.WithMaxFrames(-1)}},
		{"negative bytes", []qos.CacheOption{qos.WithMaxBytes(-1)}},
		{"negative age", []qos.CacheOption{qos.WithMaxAge(-time.Second)}},
		{"nil clock", []qos.CacheOption{qos.WithCacheClock(nil)}},
		{"no bound at all", []qos.CacheOption{qos.WithMaxGOPs(0), qos.WithMaxFrames(0), qos.WithMaxBytes(0)}},
	}
	for _, tc := range bad {
		if c, err := qos.NewGOPCache(tc.opts...); !errors.Is(err, qos.ErrBadOption) || c != nil {
			t.Errorf("%s: %v, %v; want ErrBadOption", tc.name, c, err)
		}
	}
	for _, opts := range [][]qos.CacheOption{
		{qos.WithMaxGOPs(0), qos.WithMaxFrames(0)},
		{qos.WithMaxGOPs(0), qos.WithMaxBytes(0)},
		{qos.WithMaxFrames(0), qos.WithMaxBytes(0)},
	} {
		if _, err := qos.NewGOPCache(opts...); err != nil {
			t.Errorf("one bound is enough: %v", err)
		}
	}
}

// checkDecodable fails unless replay decodes from its first packet: a
// keyframe first, and each delta continuing the packet before it.
func checkDecodable(t testing.TB, replay []*media.Packet) (gops int) {
	t.Helper()
	for i, p := range replay {
		if p == nil {
			t.Fatalf("replay %s: nil packet at %d", seqs(replay), i)
		}
		if p.Key || p.Codec.IntraOnly() {
			gops++
			continue
		}
		if i == 0 {
			t.Fatalf("replay %s starts with a delta", seqs(replay))
		}
		prev := replay[i-1]
		if p.Epoch != prev.Epoch || p.Seq != prev.Seq+1 || p.GOP != prev.GOP {
			t.Fatalf("replay %s: %s does not continue %s", seqs(replay), describe(p), describe(prev))
		}
	}
	return gops
}

// Fuzz and property input for a GOPCache: two header bytes, then one byte
// per step. The first header byte chooses the GOP bound (low two bits), the
// frame bound (next three) and the byte bound (top three); the second the
// maximum age (low two bits), the GOP length (1 to 32, next five) and JPEG
// instead of H.264 (top bit). A step's low nibble is an op, its high nibble
// the op's argument.
const (
	cacheOpNext     = 0  // 0 to 5: the next packet, a delta of 1 + 5*arg bytes, 33 ms * (1 + arg%3) later
	cacheOpLose     = 6  // the next packet is lost before the broker
	cacheOpTwice    = 7  // the next packet is published twice
	cacheOpStale    = 8  // one of the last 64 packets is published again (arg back)
	cacheOpRestart  = 9  // the encoder restarts: a new epoch, Seq from 3*arg
	cacheOpForceKey = 10 // the next packet is a keyframe of 100 + 20*arg*arg bytes
	cacheOpOdd      = 11 // a packet of any shape near the current Seq and epoch
	cacheOpJump     = 12 // the clock jumps by 250 ms * arg
	cacheOpReset    = 13 // the cache is Reset
	cacheOpNil      = 14 // a nil packet
	cacheOpProbe    = 15 // CanRepair is asked about a packet near the current one
)

var (
	cacheFuzzGOPs   = [4]int{1, 2, 3, 0}
	cacheFuzzFrames = [8]int{0, 1, 2, 5, 10, 30, 100, 600}
	cacheFuzzBytes  = [8]int64{0, 300, 1000, 3000, 10000, 64 << 20, 500, 0}
	cacheFuzzAges   = [4]time.Duration{0, 100 * time.Millisecond, time.Second, 5 * time.Second}
)

// cacheFuzzData backs every fuzz packet's Data: packets are immutable, so
// they may share it.
var cacheFuzzData = make([]byte, 8192)

// cacheRun drives a GOPCache with a stream decoded from bytes and checks
// after every step that what it replays decodes from its first packet, keeps
// to the bounds and the lifespan, holds only published packets, and agrees
// with Current, CanRepair and Stats; and that whenever the source's current
// GOP reached the cache whole and within the bounds, the cache holds it all.
type cacheRun struct {
	t   testing.TB
	c   *qos.GOPCache
	clk *fakeClock

	maxGOPs, maxFrames int
	maxBytes           int64
	maxAge             time.Duration

	// The encoder.
	codec             media.Codec
	epoch, seq, start uint64
	gopLen            uint64
	started, forceKey bool
	keySize           int
	history           []*media.Packet
	odd               bool   // an odd packet of this epoch was retained
	oddMax            uint64 // the highest Seq of those

	// What reached the cache.
	seen       map[*media.Packet]time.Time // when each packet was last retained
	retained   uint64
	replays    uint64
	cur        []*media.Packet // the encoder's current GOP as far as it reached the cache whole
	curBytes   int64
	curAt      time.Time // when cur's newest packet was retained
	intact     bool      // cur must be the cache's newest GOP
	intactSeen int       // steps checked while intact, to show the property was exercised
}

// newCacheRun decodes the header; it returns nil when the bounds are all 0,
// after checking that NewGOPCache refuses them.
func newCacheRun(t testing.TB, head0, head1 byte) *cacheRun {
	r := &cacheRun{
		t: t, clk: newFakeClock(), seen: map[*media.Packet]time.Time{},
		maxGOPs: cacheFuzzGOPs[head0&3], maxFrames: cacheFuzzFrames[head0>>2&7], maxBytes: cacheFuzzBytes[head0>>5],
		maxAge: cacheFuzzAges[head1&3], gopLen: 1 + uint64(head1>>2&31), codec: media.H264, epoch: 100, keySize: 200,
	}
	if head1&0x80 != 0 {
		r.codec = media.JPEG
	}
	c, err := qos.NewGOPCache(qos.WithMaxGOPs(r.maxGOPs), qos.WithMaxFrames(r.maxFrames), qos.WithMaxBytes(r.maxBytes),
		qos.WithMaxAge(r.maxAge), qos.WithCacheClock(r.clk.Now))
	if r.maxGOPs == 0 && r.maxFrames == 0 && r.maxBytes == 0 {
		if !errors.Is(err, qos.ErrBadOption) {
			t.Fatalf("a cache without bounds: %v", err)
		}
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	r.c = c
	return r
}

func (r *cacheRun) fits(frames int, bytes int64) bool {
	return (r.maxFrames == 0 || frames <= r.maxFrames) && (r.maxBytes == 0 || bytes <= r.maxBytes)
}

// next makes the encoder's next packet; a delta has deltaSize bytes.
func (r *cacheRun) next(deltaSize int) *media.Packet {
	key := !r.started || r.forceKey || r.seq-r.start >= r.gopLen || r.codec.IntraOnly()
	if r.started {
		r.seq++
	}
	size := deltaSize
	if key {
		r.start = r.seq
		size = r.keySize
	}
	r.started, r.forceKey, r.keySize = true, false, 200
	p := &media.Packet{Codec: r.codec, Key: key, Seq: r.seq, GOP: r.start, Epoch: r.epoch, Data: cacheFuzzData[:size]}
	r.history = append(r.history, p)
	if len(r.history) > 64 {
		r.history = r.history[1:]
	}
	return p
}

// publish hands an encoder's packet to the cache and follows its GOP.
func (r *cacheRun) publish(p *media.Packet) {
	r.retain(p)
	size := int64(len(p.Data))
	switch {
	case p.Key:
		r.cur, r.curBytes, r.curAt = append(r.cur[:0], p), size, r.clk.Now()
		// An odd packet of this epoch at or after p's Seq makes p a
		// duplicate in the cache's eyes.
		r.intact = r.fits(1, size) && !(r.odd && p.Seq <= r.oddMax)
	case r.intact && r.fits(len(r.cur)+1, r.curBytes+size):
		r.cur, r.curBytes, r.curAt = append(r.cur, p), r.curBytes+size, r.clk.Now()
	default:
		r.intact = false
	}
}

// lose drops an encoder's packet before the cache.
func (r *cacheRun) lose(p *media.Packet) {
	if !p.Key {
		r.intact = false
		return
	}
	r.cur, r.intact = r.cur[:0], false
}

func (r *cacheRun) retain(p *media.Packet) {
	r.c.Retain(p)
	if p != nil {
		r.retained++
		r.seen[p] = r.clk.Now()
	}
}

func (r *cacheRun) step(b byte) {
	op, arg := b&15, b>>4
	switch op {
	case cacheOpLose:
		r.clk.Advance(33 * time.Millisecond)
		r.lose(r.next(10))
	case cacheOpTwice:
		r.clk.Advance(33 * time.Millisecond)
		p := r.next(10)
		r.publish(p)
		r.retain(p) // a duplicate: the cache must skip it
	case cacheOpStale:
		r.clk.Advance(time.Millisecond)
		if n := len(r.history); n > 0 {
			p := r.history[n-1-int(arg)%n]
			if p.Epoch != r.epoch {
				r.intact = false // a packet of an old epoch: it may break the newest GOP, or start one
			}
			r.retain(p) // of this epoch: at or before the newest Seq, a duplicate
		}
	case cacheOpRestart:
		r.epoch++
		r.seq, r.started, r.odd = 3*uint64(arg), false, false
	case cacheOpForceKey:
		r.forceKey, r.keySize = true, 100+20*int(arg)*int(arg)
	case cacheOpOdd:
		r.clk.Advance(time.Millisecond)
		seq := r.seq + uint64(arg>>1) - 2
		key := arg&1 != 0
		gop := seq - uint64(arg&2)
		epoch := r.epoch - uint64(arg%3)
		r.retain(&media.Packet{Codec: r.codec, Key: key, Seq: seq, GOP: gop, Epoch: epoch, Data: cacheFuzzData[:int(arg)*30]})
		if epoch == r.epoch && (!r.odd || seq > r.oddMax) {
			r.odd, r.oddMax = true, seq
		}
		r.intact = false
	case cacheOpJump:
		r.clk.Advance(time.Duration(arg) * 250 * time.Millisecond)
	case cacheOpReset:
		r.c.Reset()
		r.cur, r.intact = r.cur[:0], false
	case cacheOpNil:
		r.retain(nil)
	case cacheOpProbe:
		epoch, seq := r.epoch-uint64(arg&1), r.seq+uint64(arg>>1)-4
		if r.c.CanRepair(epoch, seq) && len(r.c.Current()) == 0 {
			r.t.Fatalf("CanRepair(%d, %d) with nothing to send", epoch, seq)
		}
	default:
		r.clk.Advance(33 * time.Millisecond * time.Duration(1+arg%3))
		r.publish(r.next(1 + 5*int(arg)))
	}
	r.check()
}

func (r *cacheRun) check() {
	t := r.t
	t.Helper()
	now := r.clk.Now()
	if r.intact && r.maxAge > 0 && now.Sub(r.curAt) > r.maxAge {
		r.intact = false // expired: the cache drops it now, and takes no more of it
	}
	replay := r.c.Replay()
	r.replays++
	gops := checkDecodable(t, replay)
	var bytes int64
	for i, p := range replay {
		at, ok := r.seen[p]
		if !ok {
			t.Fatalf("replay %s holds %s, which was never retained", seqs(replay), describe(p))
		}
		bytes += int64(len(p.Data))
		newest := i == len(replay)-1 || replay[i+1].Key || replay[i+1].Codec.IntraOnly()
		if newest && r.maxAge > 0 && now.Sub(at) > r.maxAge {
			t.Fatalf("replay %s holds a GOP whose newest packet %s is %v old (max age %v)", seqs(replay), describe(p), now.Sub(at), r.maxAge)
		}
	}
	switch {
	case r.maxGOPs > 0 && gops > r.maxGOPs:
		t.Fatalf("replay %s holds %d GOPs, bound %d", seqs(replay), gops, r.maxGOPs)
	case r.maxFrames > 0 && len(replay) > r.maxFrames:
		t.Fatalf("replay holds %d frames, bound %d", len(replay), r.maxFrames)
	case r.maxBytes > 0 && bytes > r.maxBytes:
		t.Fatalf("replay holds %d bytes, bound %d", bytes, r.maxBytes)
	}
	st := r.c.Stats()
	if st.GOPs != gops || st.Frames != len(replay) || st.Bytes != bytes || st.Retained != r.retained || st.Replays != r.replays ||
		st.Skipped > st.Retained || st.Oversize > st.Skipped || st.Truncated > st.Skipped {
		t.Fatalf("stats %+v disagree with replay (%d GOPs, %d frames, %d bytes) or %d retained, %d replays",
			st, gops, len(replay), bytes, r.retained, r.replays)
	}
	current := r.c.Current()
	if len(replay) > 0 {
		last := len(replay) - 1
		for !replay[last].Key && !replay[last].Codec.IntraOnly() {
			last--
		}
		samePackets(t, "Current against the end of Replay", current, replay[last:])
	} else if current != nil {
		t.Fatalf("Current %s with an empty replay", seqs(current))
	}
	if r.intact {
		r.intactSeen++
		samePackets(t, "the encoder's current GOP, which reached the cache whole", current, r.cur)
		head := r.cur[len(r.cur)-1]
		if !r.c.CanRepair(head.Epoch, head.Seq) || !r.c.CanRepair(head.Epoch, head.GOP) || !r.c.CanRepair(head.Epoch+1000, 0) {
			t.Fatalf("no repair from an intact GOP %s", seqs(current))
		}
		if r.c.CanRepair(head.Epoch, head.Seq+1) {
			t.Fatalf("CanRepair for a subscriber ahead of the cache")
		}
	}
}

func runCacheScript(t testing.TB, data []byte) *cacheRun {
	if len(data) < 2 {
		return nil
	}
	r := newCacheRun(t, data[0], data[1])
	if r == nil {
		return nil
	}
	steps := data[2:]
	if len(steps) > maxFuzzSteps {
		steps = steps[:maxFuzzSteps]
	}
	for _, b := range steps {
		r.step(b)
	}
	return r
}

// randomCacheScript returns a script of n steps that reads like a real
// stream: mostly packets in order, with losses, duplicates, restarts, big
// keyframes, pauses and now and then a Reset.
func randomCacheScript(rnd *rand.Rand, n int) []byte {
	data := []byte{byte(rnd.UintN(256)), byte(rnd.UintN(256))}
	arg := func() byte { return byte(rnd.UintN(16)) << 4 }
	for range n {
		var op byte
		switch x := rnd.IntN(1000); {
		case x < 700:
			op = byte(rnd.IntN(6))
		case x < 750:
			op = cacheOpLose
		case x < 780:
			op = cacheOpTwice
		case x < 810:
			op = cacheOpStale
		case x < 840:
			op = cacheOpRestart
		case x < 900:
			op = cacheOpForceKey
		case x < 930:
			op = cacheOpOdd
		case x < 960:
			op = cacheOpJump
		case x < 965:
			op = cacheOpReset
		case x < 970:
			op = cacheOpNil
		default:
			op = cacheOpProbe
		}
		data = append(data, op|arg())
	}
	return data
}

// TestGOPCacheReplayIsAlwaysDecodable is the cache's main property: on
// random streams with losses, duplicates, encoder restarts, big keyframes,
// pauses and resets, under random bounds, every replay decodes from its first
// packet and keeps to the bounds and the lifespan, and a GOP that reached the
// cache whole and within the bounds is replayed whole.
func TestGOPCacheReplayIsAlwaysDecodable(t *testing.T) {
	seeds, steps := 300, 1500
	if testing.Short() {
		seeds = 60
	}
	var total qos.CacheStats
	intact := 0
	for seed := range uint64(seeds) {
		r := runCacheScript(t, randomCacheScript(newRand(seed), steps))
		if r == nil {
			continue
		}
		intact += r.intactSeen
		s := r.c.Stats()
		total.Retained += s.Retained
		total.Skipped += s.Skipped
		total.Truncated += s.Truncated
		total.Oversize += s.Oversize
		total.Evicted += s.Evicted
		total.Expired += s.Expired
	}
	if total.Truncated == 0 || total.Oversize == 0 || total.Evicted == 0 || total.Expired == 0 || total.Skipped == 0 || intact == 0 {
		t.Errorf("streams too tame: %+v, %d intact checks", total, intact)
	}
	t.Logf("over all streams: %+v, %d checks of an intact GOP", total, intact)
}

// cacheSeeds are FuzzGOPCache's seeds, each with why it is there.
func cacheSeeds() [][]byte {
	const (
		gop5, gop30, jpeg                   = 4 << 2, 29 << 2, 0x80
		keep1, keep2, keepAll               = 0, 1, 3
		frames10, frames30, framesDefault   = 4 << 2, 5 << 2, 7 << 2
		bytes1000, bytes3000, bytesDefault  = 2 << 5, 3 << 5, 5 << 5
		age100ms, age1s                     = 1, 2
		next, lose, twice, restart, bigKey  = cacheOpNext, cacheOpLose, cacheOpTwice, cacheOpRestart, cacheOpForceKey | 0xf0
		stale, odd, jump, reset, nilP, prob = cacheOpStale | 0x30, cacheOpOdd | 0x50, cacheOpJump | 0x40, cacheOpReset, cacheOpNil, cacheOpProbe | 0x70
	)
	return [][]byte{
		// A clean stream of 5-packet GOPs, KEEP_LAST 1.
		{keep1 | framesDefault | bytesDefault, gop5, next, next, next, next, next, next, next, next, next, next, next},
		// KEEP_LAST 2, a loss in the second GOP, then recovery.
		{keep2 | frames30 | bytes3000, gop5, next, next, next, next, next, next, lose, next, next, next, next, next, prob},
		// A long GOP cut by the frame bound.
		{keep1 | frames10, gop30, next, next, next, next, next, next, next, next, next, next, next, next, next, next, prob},
		// Big keyframes against a byte bound, with KEEP_ALL.
		{keepAll | bytes1000, gop5, next, next, bigKey, next, next, next, next, next, next, bigKey, next, next},
		// Restarts, duplicates, stale and odd packets.
		{keep2 | framesDefault, gop30, next, next, twice, restart, next, next, stale, odd, next, restart, lose, next, next, twice},
		// Lifespan: pauses longer than the maximum age.
		{keep2 | frames30, gop5 | age100ms, next, next, jump, next, next, next, next, next, jump, next, prob},
		{keep1 | frames30, gop30 | age1s, next, next, next, jump, jump, jump, next, next},
		// JPEG: every packet its own GOP.
		{keep2 | frames10 | bytes1000, jpeg | gop5, next, next, lose, next, twice, bigKey, next, stale, odd},
		// Reset and nil packets in the middle of a GOP.
		{keep1 | framesDefault, gop30, next, next, next, reset, next, next, nilP, bigKey, next, next},
		// No bounds at all: NewGOPCache refuses.
		{keepAll, gop5, next, next},
	}
}

// FuzzGOPCache runs a GOPCache on streams decoded from arbitrary bytes (see
// cacheRun and the cacheOp constants) and checks after every step that its
// replay decodes, keeps to the bounds and the lifespan, and holds the current
// GOP whole when it reached the cache whole. The committed corpus in
// testdata/fuzz/FuzzGOPCache holds streams with losses, restarts, big
// keyframes, pauses and resets.
func FuzzGOPCache(f *testing.F) {
	for _, s := range cacheSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		runCacheScript(t, data)
	})
}

func TestGOPCacheSeedsExerciseTheCache(t *testing.T) {
	var total qos.CacheStats
	for _, s := range cacheSeeds() {
		r := runCacheScript(t, s)
		if r == nil {
			continue
		}
		st := r.c.Stats()
		total.Truncated += st.Truncated
		total.Oversize += st.Oversize
		total.Evicted += st.Evicted
		total.Expired += st.Expired
	}
	if total.Truncated == 0 || total.Oversize == 0 || total.Evicted == 0 || total.Expired == 0 {
		t.Errorf("the seeds miss a path: %+v", total)
	}
}

// cacheBenchStream returns two epochs of 30-packet GOPs with 2 KB deltas and
// 20 KB keyframes, so that a loop over it can wrap around (the second epoch's
// first keyframe starts a new GOP, as does the first's after it).
func cacheBenchStream() []*media.Packet {
	key, delta := make([]byte, 20000), make([]byte, 2000)
	var ps []*media.Packet
	for epoch := uint64(1); epoch <= 2; epoch++ {
		for seq := range uint64(3000) {
			gop := seq - seq%30
			data := delta
			if seq == gop {
				data = key
			}
			ps = append(ps, &media.Packet{Codec: media.H264, Key: seq == gop, Seq: seq, GOP: gop, Epoch: epoch, Data: data})
		}
	}
	return ps
}

// TestGOPCacheDoesNotAllocate: Retain runs on every published packet, Replay
// on every Subscribe; once the cache's slices have grown, neither allocates.
func TestGOPCacheDoesNotAllocate(t *testing.T) {
	clk := newFakeClock()
	for _, opts := range [][]qos.CacheOption{
		nil,
		{qos.WithMaxGOPs(2), qos.WithMaxAge(time.Second), qos.WithCacheClock(clk.Now)},
		{qos.WithMaxGOPs(0), qos.WithMaxFrames(50)},
	} {
		c := mustCache(t, opts...)
		stream := cacheBenchStream()
		i := 0
		retain := func() {
			clk.Advance(time.Second / 30)
			c.Retain(stream[i%len(stream)])
			i++
		}
		for range 100 { // grow the slices
			retain()
		}
		if allocs := testing.AllocsPerRun(5000, retain); allocs != 0 {
			t.Errorf("%d options: %v allocations per Retain", len(opts), allocs)
		}
		var n int
		if allocs := testing.AllocsPerRun(1000, func() { n += len(c.Replay()) }); allocs != 0 || n == 0 {
			t.Errorf("%d options: %v allocations per Replay (%d packets)", len(opts), allocs, n)
		}
	}
}

// BenchmarkGOPCacheRetain measures one Retain on a stream of 30-packet GOPs,
// KEEP_LAST 1: mostly appended deltas, a new GOP every 30 packets.
func BenchmarkGOPCacheRetain(b *testing.B) {
	c := mustCache(b)
	stream := cacheBenchStream()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.Retain(stream[i%len(stream)])
	}
}

// BenchmarkGOPCacheReplay measures Replay of a cache holding two whole
// 30-packet GOPs, with a lifespan to check.
func BenchmarkGOPCacheReplay(b *testing.B) {
	clk := newFakeClock()
	c := mustCache(b, qos.WithMaxGOPs(2), qos.WithMaxAge(time.Minute), qos.WithCacheClock(clk.Now))
	retainAll(c, cacheBenchStream()[:90])
	if n := len(c.Replay()); n != 60 {
		b.Fatalf("replay of %d packets, want 60", n)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n += len(c.Replay())
	}
	_ = n
}

// The broker hands every published packet to the cache; a subscriber that
// joins late is replayed the current GOP, keyframe first.
func ExampleGOPCache() {
	cache, err := qos.NewGOPCache(qos.WithMaxGOPs(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	const epoch = 42
	for seq := range uint64(8) {
		gop := seq - seq%5 // a keyframe every 5 packets
		cache.Retain(&media.Packet{Codec: media.H264, Key: seq == gop, Seq: seq, GOP: gop, Epoch: epoch, Data: []byte{0}})
	}
	for _, p := range cache.Replay() {
		fmt.Printf("seq %d key %v\n", p.Seq, p.Key)
	}
	fmt.Println("repair after seq 6:", cache.CanRepair(epoch, 6))
	// Output:
	// seq 5 key true
	// seq 6 key false
	// seq 7 key false
	// repair after seq 6: true
}
