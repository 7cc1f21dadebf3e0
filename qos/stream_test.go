package qos_test

import (
	"math/rand/v2"
	"time"

	"github.com/gopline/gopline/media"
)

// event is one thing that happens to a Gate: a packet arrives (possibly
// nil) or the decoder breaks, after the clock moved by advance.
type event struct {
	advance time.Duration
	packet  *media.Packet
	isBreak bool
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

// source is an encoder and the path behind it, as a Gate sees them: it makes
// packets in order, GOPs of random length, keyframes on request, restarts
// with a new epoch, and keeps what a GOP cache and a lossy, duplicating
// network would hand on again.
type source struct {
	codec    media.Codec
	epoch    uint64
	seq, gop uint64
	gopLen   uint64
	started  bool
	forceKey bool
	current  []*media.Packet // the current GOP, keyframe first: what a cache replays
	history  []*media.Packet // recent packets of any epoch
}

func (s *source) next() *media.Packet {
	key := !s.started || s.forceKey || s.seq-s.gop >= s.gopLen || s.codec.IntraOnly()
	if s.started {
		s.seq++
	}
	s.started, s.forceKey = true, false
	if key {
		s.gop = s.seq
		s.current = s.current[:0]
	}
	p := &media.Packet{Codec: s.codec, Key: key, Seq: s.seq, GOP: s.gop, Epoch: s.epoch}
	s.current = append(s.current, p)
	s.history = append(s.history, p)
	if len(s.history) > 64 {
		s.history = s.history[1:]
	}
	return p
}

// restart is a new encoder instance: a new epoch, Seq from start.
func (s *source) restart(epoch, start uint64) {
	s.epoch, s.seq, s.started = epoch, start, false
}

// randomStream returns n events of a random stream with loss, duplication,
// cache replays, stale packets, encoder restarts, keyframe requests answered
// late or never, decoder breaks and nil packets.
func randomStream(r *rand.Rand, n int) []event {
	s := &source{codec: media.H264, epoch: 1 + r.Uint64N(3), gopLen: 1 + r.Uint64N(30)}
	if r.IntN(10) == 0 {
		s.codec = media.JPEG
	}
	loss := r.Float64() * 0.3
	var evs []event
	add := func(p *media.Packet, isBreak bool) {
		evs = append(evs, event{advance: time.Duration(r.Int64N(int64(100 * time.Millisecond))), packet: p, isBreak: isBreak})
	}
	for len(evs) < n {
		switch x := r.IntN(100); {
		case x < 70: // the next packet, maybe lost, maybe twice
			p := s.next()
			if r.Float64() >= loss {
				add(p, false)
			}
			if r.IntN(20) == 0 {
				add(p, false)
			}
		case x < 75: // a cache replays the current GOP, maybe overlapping live packets
			for _, p := range s.current {
				add(p, false)
			}
		case x < 80 && len(s.history) > 0: // a stale packet
			add(s.history[r.IntN(len(s.history))], false)
		case x < 83: // the encoder restarts; epochs may come back
			s.restart(1+r.Uint64N(4), r.Uint64N(100))
		case x < 88: // the encoder answers a keyframe request
			s.forceKey = true
		case x < 92:
			add(nil, true)
		case x < 93:
			add(nil, false)
		case x < 96: // a packet of a foreign or broken shape
			seq := s.seq + r.Uint64N(5) - 2
			add(&media.Packet{Codec: media.H264, Key: r.IntN(2) == 0, Seq: seq, GOP: seq - r.Uint64N(3), Epoch: 1 + r.Uint64N(4)}, false)
		default: // a long silence, then the next packet
			evs = append(evs, event{advance: time.Duration(r.Int64N(int64(2 * time.Second))), packet: s.next()})
		}
	}
	return evs[:n]
}
