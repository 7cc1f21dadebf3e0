package qos_test

import (
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
)

// Fuzz input: a header byte, then one byte per step. The header's low two bits
// choose the keyframe request interval, its next five bits the GOP length
// (1 to 32), its top bit the JPEG codec instead of H.264. A step's low nibble
// is an op, its high nibble the op's argument.
const (
	opNext     = 0  // 0 to 5: the next packet arrives, 33 ms * (1 + arg%3) later
	opLose     = 6  // the next packet is lost
	opTwice    = 7  // the next packet arrives twice
	opReplay   = 8  // the current GOP arrives again from its keyframe, as a cache sends it
	opStale    = 9  // one of the last 16 packets arrives again (arg back)
	opRestart  = 10 // the encoder restarts: epoch 1 + arg%4, Seq from arg
	opForceKey = 11 // the encoder answers a keyframe request: the next packet is a keyframe
	opBreak    = 12 // the decoder breaks
	opNil      = 13 // a nil packet arrives
	opOdd      = 14 // a packet of any shape near the current Seq
	opJump     = 15 // the clock jumps by arg * 100 ms
)

// maxFuzzSteps bounds a fuzz input's work; longer inputs are cut.
const maxFuzzSteps = 4096

var fuzzIntervals = [4]time.Duration{qos.DefaultKeyframeRequestInterval, 0, 50 * time.Millisecond, time.Second}

// eventsFromBytes decodes a fuzz input into the events that reach a Gate.
func eventsFromBytes(data []byte) (time.Duration, []event) {
	if len(data) == 0 {
		return qos.DefaultKeyframeRequestInterval, nil
	}
	head, steps := data[0], data[1:]
	if len(steps) > maxFuzzSteps {
		steps = steps[:maxFuzzSteps]
	}
	s := &source{codec: media.H264, epoch: 1, gopLen: 1 + uint64(head>>2&31)}
	if head&0x80 != 0 {
		s.codec = media.JPEG
	}
	var evs []event
	frame := 33 * time.Millisecond
	for _, b := range steps {
		op, arg := b&15, uint64(b>>4)
		switch op {
		case opLose:
			s.next()
		case opTwice:
			p := s.next()
			evs = append(evs, event{advance: frame, packet: p}, event{packet: p})
		case opReplay:
			for _, p := range s.current {
				evs = append(evs, event{advance: time.Millisecond, packet: p})
			}
		case opStale:
			if n := uint64(len(s.history)); n > 0 {
				evs = append(evs, event{advance: time.Millisecond, packet: s.history[n-1-arg%n]})
			}
		case opRestart:
			s.restart(1+arg%4, arg)
		case opForceKey:
			s.forceKey = true
		case opBreak:
			evs = append(evs, event{advance: time.Millisecond, isBreak: true})
		case opNil:
			evs = append(evs, event{advance: time.Millisecond})
		case opOdd:
			seq := s.seq + arg>>1 - 4
			evs = append(evs, event{advance: time.Millisecond, packet: &media.Packet{
				Codec: s.codec, Key: arg&1 != 0, Seq: seq, GOP: seq - arg&3, Epoch: s.epoch + arg>>3}})
		case opJump:
			evs = append(evs, event{advance: time.Duration(arg) * 100 * time.Millisecond, packet: s.next()})
		default:
			evs = append(evs, event{advance: frame * time.Duration(1+arg%3), packet: s.next()})
		}
	}
	return fuzzIntervals[head&3], evs
}

// fuzzInput builds a fuzz input from a header and steps.
func fuzzInput(head byte, steps ...byte) []byte { return append([]byte{head}, steps...) }

// FuzzGate runs a Gate on streams decoded from arbitrary bytes and checks its
// promises (see checker): every passed sequence decodes, a new keyframe always
// passes, duplicates never break the chain or ask for a keyframe, requests
// keep to the interval, and the counts add up. The committed corpus in
// testdata/fuzz/FuzzGate holds streams with losses, replays, restarts and
// breaks.
func FuzzGate(f *testing.F) {
	const gop5, gop30, jpeg = 4 << 2, 29 << 2, 0x80
	f.Add(fuzzInput(gop5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
	f.Add(fuzzInput(gop5, 0, 0, opLose, 0, 0, 0, 0, 0, 0, 0, 0))
	f.Add(fuzzInput(gop30, 0, 0, 0, opLose, 0, 0, opReplay, 0, 0, opTwice, 0))
	f.Add(fuzzInput(gop5|1, 0, 0, 0x1a, opLose, 0, 0, 0, opForceKey, 0, 0))
	f.Add(fuzzInput(gop30|2, 0, opBreak, 0, opBreak, opBreak, opForceKey, 0, 0, opNil, 0))
	f.Add(fuzzInput(gop5|3, 0, 0x19, 0x29, 0, 0x1e, 0x4e, 0xfe, 0, 0x3f, 0))
	f.Add(fuzzInput(jpeg|gop5, 0, 0, opLose, 0, opTwice, 0x39, 0x2a, 0, 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		interval, evs := eventsFromBytes(data)
		clk := newFakeClock()
		g := mustGate(t, clk, interval)
		c := newChecker(t, g, clk, interval)
		for _, ev := range evs {
			clk.Advance(ev.advance)
			if ev.isBreak {
				c.brk()
			} else {
				c.admit(ev.packet)
			}
		}
		c.checkStats()
	})
}
