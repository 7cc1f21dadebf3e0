package qos_test

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
)

// A spec is a compact script of what reaches a Gate, and what it should
// answer. Tokens are separated by spaces:
//
//	K7       H.264 keyframe, Seq 7 (its GOP is 7)
//	D8       H.264 delta, Seq 8, GOP of the last K or _K token of the epoch
//	D8g3     H.264 delta, Seq 8, GOP 3
//	J4       JPEG packet, Seq 4 (every JPEG packet is a keyframe)
//	_ _D3 _K9  a lost packet: nothing reaches the Gate (_K9 still opens GOP 9)
//	E2       the following packets are of Epoch 2 (the first epoch is 1)
//	N        a nil packet
//	B        Gate.Break
//	@1s      the clock jumps by 1s (before each K, D, J, N or B it moves by
//	         the case's step)
//
// Every K, D, J, N and B token carries its expected answer after a colon:
// "pass", or the drop reason ("nokey", "hole", "epoch", "broken", "dup",
// "gop", "nil"), or "break" for B; a trailing "!" means that a keyframe
// request goes out.
type specStep struct {
	token    string
	packet   *media.Packet // nil for N and B
	isBreak  bool
	advance  time.Duration // for @ tokens; no Gate call
	noop     bool          // E and _ tokens
	want     qos.Decision
	wantText string
}

var reasonCodes = map[string]qos.DropReason{
	"pass":   qos.NotDropped,
	"nokey":  qos.NoKeyframeYet,
	"hole":   qos.SeqHole,
	"epoch":  qos.NewEpoch,
	"broken": qos.BrokenChain,
	"dup":    qos.Duplicate,
	"gop":    qos.WrongGOP,
	"nil":    qos.NilPacket,
}

func parseSpec(spec string) ([]specStep, error) {
	var steps []specStep
	epoch := uint64(1)
	gops := map[uint64]uint64{} // current GOP per epoch
	for _, tok := range strings.Fields(spec) {
		st := specStep{token: tok}
		body, want, hasWant := strings.Cut(tok, ":")
		switch {
		case body == "_":
			st.noop = true
		case strings.HasPrefix(body, "@"):
			d, err := time.ParseDuration(body[1:])
			if err != nil {
				return nil, fmt.Errorf("%s: %v", tok, err)
			}
			st.advance = d
		case body == "N":
		case body == "B":
			st.isBreak = true
		default:
			lost := strings.HasPrefix(body, "_")
			body = strings.TrimPrefix(body, "_")
			if len(body) < 2 {
				return nil, fmt.Errorf("%s: bad token", tok)
			}
			num, gopText, hasGOP := strings.Cut(body[1:], "g")
			n, err := strconv.ParseUint(num, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", tok, err)
			}
			switch body[0] {
			case 'E':
				epoch, st.noop = n, true
			case 'K':
				gops[epoch] = n
				st.packet = &media.Packet{Codec: media.H264, Key: true, Seq: n, GOP: n, Epoch: epoch}
			case 'J':
				st.packet = &media.Packet{Codec: media.JPEG, Key: true, Seq: n, GOP: n, Epoch: epoch}
			case 'D':
				gop := gops[epoch]
				if hasGOP {
					if gop, err = strconv.ParseUint(gopText, 10, 64); err != nil {
						return nil, fmt.Errorf("%s: %v", tok, err)
					}
				}
				st.packet = &media.Packet{Codec: media.H264, Seq: n, GOP: gop, Epoch: epoch}
			default:
				return nil, fmt.Errorf("%s: bad token", tok)
			}
			if lost {
				st.packet, st.noop = nil, true
			}
		}
		callsGate := !st.noop && st.advance == 0
		if callsGate != hasWant {
			return nil, fmt.Errorf("%s: want an expected answer exactly on K, D, J, N and B tokens", tok)
		}
		if hasWant {
			st.wantText = want
			code := strings.TrimSuffix(want, "!")
			st.want.RequestKeyframe = code != want
			if st.isBreak {
				if code != "break" {
					return nil, fmt.Errorf("%s: B expects break or break!", tok)
				}
			} else {
				r, ok := reasonCodes[code]
				if !ok {
					return nil, fmt.Errorf("%s: unknown answer %q", tok, want)
				}
				st.want.Pass, st.want.Reason = r == qos.NotDropped, r
			}
		}
		steps = append(steps, st)
	}
	return steps, nil
}

// answerText writes a Decision the way specs spell it.
func answerText(d qos.Decision) string {
	code := "pass"
	for c, r := range reasonCodes {
		if !d.Pass && r == d.Reason {
			code = c
		}
	}
	if d.RequestKeyframe {
		code += "!"
	}
	return code
}
