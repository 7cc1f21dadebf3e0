package media_test

import (
	"testing"

	"github.com/gopline/gopline/media"
)

// pk is a packet of the chain tests: H.264 unless jpeg, epoch 1 unless set.
type pk struct {
	seq, gop, epoch uint64
	key, jpeg       bool
}

func (k pk) packet() *media.Packet {
	p := &media.Packet{Codec: media.H264, Seq: k.seq, GOP: k.gop, Epoch: k.epoch, Key: k.key}
	if p.Epoch == 0 {
		p.Epoch = 1
	}
	if k.jpeg {
		p.Codec = media.JPEG
	}
	return p
}

func key(seq uint64) pk                  { return pk{seq: seq, gop: seq, key: true} }
func delta(seq, gop uint64) pk           { return pk{seq: seq, gop: gop} }
func (k pk) in(epoch uint64) pk          { k.epoch = epoch; return k }
func (k pk) asJPEG() pk                  { k.jpeg = true; return k }
func brk() pk                            { return pk{seq: ^uint64(0)} } // a Break, not a packet
func isBreak(k pk) bool                  { return k.seq == ^uint64(0) }
func links(l ...media.Link) []media.Link { return l }

// The one table of the chain rule: every user of media.Chain (gate, GOP
// cache, decoders, recorder, export) relies on these answers.
var chainCases = []struct {
	name string
	pkts []pk
	want []media.Link
}{
	{"a GOP in order", []pk{key(0), delta(1, 0), delta(2, 0)},
		links(media.LinkStarts, media.LinkContinues, media.LinkContinues)},
	{"deltas before the first keyframe", []pk{delta(3, 0), delta(4, 0), key(5), delta(6, 5)},
		links(media.LinkNoKeyframeYet, media.LinkNoKeyframeYet, media.LinkStarts, media.LinkContinues)},
	{"a hole breaks the chain until the next keyframe", []pk{key(0), delta(2, 0), delta(3, 0), key(4), delta(5, 4)},
		links(media.LinkStarts, media.LinkSeqHole, media.LinkBroken, media.LinkStarts, media.LinkContinues)},
	{"a delta of another GOP", []pk{key(0), delta(1, 0), delta(2, 9)},
		links(media.LinkStarts, media.LinkContinues, media.LinkWrongGOP)},
	{"a new epoch needs its keyframe", []pk{key(0), delta(1, 0), delta(2, 0).in(2), key(0).in(2), delta(1, 0).in(2)},
		links(media.LinkStarts, media.LinkContinues, media.LinkNewEpoch, media.LinkStarts, media.LinkContinues)},
	{"a new epoch's keyframe may go back in Seq", []pk{key(10), key(0).in(7)},
		links(media.LinkStarts, media.LinkStarts)},
	{"duplicates change nothing", []pk{key(0), delta(1, 0), delta(1, 0), key(0), delta(2, 0)},
		links(media.LinkStarts, media.LinkContinues, media.LinkDuplicate, media.LinkDuplicate, media.LinkContinues)},
	{"a keyframe resent after a break restarts the chain", []pk{key(0), delta(1, 0), brk(), delta(2, 0), key(0), delta(1, 0), delta(2, 0)},
		links(media.LinkStarts, media.LinkContinues, media.LinkBroken, media.LinkStarts, media.LinkContinues, media.LinkContinues)},
	{"a keyframe of an older GOP is a duplicate even after a break", []pk{key(0), key(5), delta(6, 5), brk(), key(0)},
		links(media.LinkStarts, media.LinkStarts, media.LinkContinues, media.LinkDuplicate)},
	{"a keyframe mends a hole", []pk{key(0), key(9), delta(10, 9)},
		links(media.LinkStarts, media.LinkStarts, media.LinkContinues)},
	{"intra-only packets are keyframes", []pk{delta(0, 0).asJPEG(), delta(3, 3).asJPEG(), delta(3, 3).asJPEG()},
		links(media.LinkStarts, media.LinkStarts, media.LinkDuplicate)},
	{"after a break a delta is refused even if it follows", []pk{key(0), brk(), delta(1, 0)},
		links(media.LinkStarts, media.LinkBroken)},
}

func TestChainFollowsTheRule(t *testing.T) {
	for _, tc := range chainCases {
		t.Run(tc.name, func(t *testing.T) {
			var c media.Chain
			var got []media.Link
			for _, k := range tc.pkts {
				if isBreak(k) {
					c.Break()
					continue
				}
				p := k.packet()
				before := c.Check(p)
				if again := c.Check(p); again != before {
					t.Fatalf("Check changed the chain: %v then %v", before, again)
				}
				if l := c.Take(p); l != before {
					t.Fatalf("Take says %v, Check said %v", l, before)
				}
				got = append(got, before)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("links %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("packet %d: %v, want %v (all: %v)", i, got[i], tc.want[i], got)
				}
			}
		})
	}
}

func TestChainWaitsUntilAKeyframe(t *testing.T) {
	var c media.Chain
	if !c.Waiting() {
		t.Fatal("a new chain does not wait for a keyframe")
	}
	c.Take(key(4).packet())
	if c.Waiting() {
		t.Fatal("waiting after a keyframe")
	}
	if e, s, ok := c.Last(); !ok || e != 1 || s != 4 {
		t.Fatalf("Last = %d, %d, %v", e, s, ok)
	}
	c.Take(delta(6, 4).packet())
	if !c.Waiting() {
		t.Fatal("not waiting after a hole")
	}
}

func TestChainAfterContinuesAStoredChain(t *testing.T) {
	c := media.ChainAfter(1, 10, 12)
	if l := c.Check(delta(13, 10).packet()); l != media.LinkContinues {
		t.Fatalf("next delta: %v", l)
	}
	if l := c.Check(delta(12, 10).packet()); l != media.LinkDuplicate {
		t.Fatalf("last delta again: %v", l)
	}
}

func TestLinkNames(t *testing.T) {
	if s := media.LinkSeqHole.String(); s != "seq_hole" {
		t.Fatal(s)
	}
	if s := media.Link(200).String(); s != "link(200)" {
		t.Fatal(s)
	}
}

// FuzzChain feeds a Chain any sequence of packets and breaks, and checks
// it against the rule stated plainly: what decodes is a keyframe or the
// next Seq of the chain's keyframe's Epoch and GOP, and nothing continues
// a chain broken since its last keyframe.
//
// Input: two bytes a step. The first: bit 0 a keyframe, bit 1 JPEG, bits 2-3
// the epoch (1-4), bit 4 a Break before the packet, bits 5-7 how far the
// delta's GOP lies behind its Seq. The second: the Seq, as a signed offset
// from the last one.
func FuzzChain(f *testing.F) {
	for _, tc := range chainCases {
		var b []byte
		last := uint64(0)
		for _, k := range tc.pkts {
			if isBreak(k) {
				continue
			}
			h := byte(0)
			if k.key {
				h |= 1
			}
			if k.jpeg {
				h |= 2
			}
			h |= byte((max(k.epoch, 1)-1)&3) << 2
			b = append(b, h|byte(min(k.seq-k.gop, 7))<<5, byte(int8(k.seq-last)))
			last = k.seq
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var c media.Chain
		type start struct{ epoch, gop uint64 }
		var (
			chain  *start // the keyframe of the chain, nil before the first
			last   uint64 // the last Seq taken
			broken bool
			seq    uint64 = 1000
		)
		for i := 0; i+1 < len(data) && i < 4096; i += 2 {
			h := data[i]
			seq += uint64(int64(int8(data[i+1])))
			p := &media.Packet{Codec: media.H264, Key: h&1 != 0, Epoch: 1 + uint64(h>>2&3), Seq: seq}
			if h&2 != 0 {
				p.Codec = media.JPEG
			}
			p.GOP = seq - min(seq, uint64(h>>5))
			if p.Key {
				p.GOP = seq
			}
			if h&16 != 0 {
				c.Break()
				broken = true
			}
			l := c.Take(p)
			key := p.Key || p.Codec.IntraOnly()
			switch l {
			case media.LinkStarts:
				if !key {
					t.Fatalf("step %d: a delta starts a chain", i/2)
				}
				if chain != nil && p.Epoch == chain.epoch && p.Seq <= last && !(broken && p.GOP >= chain.gop) {
					t.Fatalf("step %d: an old keyframe starts a chain", i/2)
				}
				chain, last, broken = &start{p.Epoch, p.GOP}, p.Seq, false
			case media.LinkContinues:
				if key || chain == nil || broken || p.Epoch != chain.epoch || p.GOP != chain.gop || p.Seq != last+1 {
					t.Fatalf("step %d: seq %d continues a chain it does not follow", i/2, p.Seq)
				}
				last = p.Seq
			case media.LinkDuplicate:
				if chain == nil || p.Epoch != chain.epoch || p.Seq > last || (key && broken && p.GOP >= chain.gop) {
					t.Fatalf("step %d: seq %d is no duplicate", i/2, p.Seq)
				}
			default:
				if key || !l.NeedsKeyframe() {
					t.Fatalf("step %d: link %v for a keyframe", i/2, l)
				}
				if chain != nil && p.Epoch == chain.epoch && p.Seq <= last {
					t.Fatalf("step %d: a duplicate delta breaks the chain (%v)", i/2, l)
				}
				broken = true
			}
			if c.Waiting() != (chain == nil || broken) {
				t.Fatalf("step %d: Waiting %v", i/2, c.Waiting())
			}
		}
	})
}
