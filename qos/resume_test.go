package qos_test

import (
	"testing"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
)

// resumeStep is a packet a session's subscription delivers, or a
// resubscription before it, and what Resume is to make of it.
type resumeStep struct {
	rejoin     bool
	epoch, seq uint64
	key        bool
	wantPass   bool
	wantMissed uint64
}

// pass and skip are steps of a packet of epoch 1 that Resume passes, or
// not.
func pass(seq uint64) resumeStep { return resumeStep{epoch: 1, seq: seq, wantPass: true} }
func skip(seq uint64) resumeStep { return resumeStep{epoch: 1, seq: seq} }

// rejoin marks s as the first packet after a resubscription.
func rejoin(s resumeStep) resumeStep { s.rejoin = true; return s }

// missed sets the gap s is to report.
func missed(s resumeStep, n uint64) resumeStep { s.wantMissed = n; return s }

func TestResumeNeverPassesWhatTheSessionHadOrOlderAfterAResubscription(t *testing.T) {
	cases := []struct {
		name  string
		steps []resumeStep
	}{
		// The session had 10..14 of the GOP of keyframe 10; its link
		// stalled and subscribed again as the publisher went on: the
		// replay of the cached GOP (10..16) resumes after 14, whose
		// references the session's decoder holds.
		{"a replay from the keyframe resumes after the last packet passed", []resumeStep{
			pass(10), pass(11), pass(12), pass(13), pass(14),
			rejoin(skip(10)), skip(11), skip(12), skip(13), skip(14), pass(15), pass(16), pass(17),
		}},
		{"a replay that holds nothing newer passes nothing, the live stream goes on", []resumeStep{
			pass(10), pass(11), pass(12),
			rejoin(skip(10)), skip(11), skip(12), pass(13),
		}},
		{"a replay of an older GOP than the session had passes none of it", []resumeStep{
			pass(40), pass(41),
			rejoin(skip(30)), skip(31), skip(35), pass(42),
		}},
		{"keyframes only: the packets published between two subscriptions are missed", []resumeStep{
			pass(10), pass(11),
			rejoin(missed(pass(311), 299)), pass(312),
		}},
		{"a replay of packets passed before is no gap, the first newer one is", []resumeStep{
			pass(10), pass(11),
			rejoin(skip(8)), skip(9), skip(11),
			missed(pass(15), 3), pass(16),
		}},
		{"a resubscription that continues where the last left off misses nothing", []resumeStep{
			pass(10), rejoin(pass(11)), pass(12),
		}},
		{"within one subscription a repair from the keyframe is passed, and a hole is the node's to count", []resumeStep{
			pass(10), pass(11), pass(12), pass(10), pass(11), pass(12), pass(20), pass(21),
		}},
		{"a restarted stream is passed from its start, and is no gap", []resumeStep{
			pass(10), rejoin(resumeStep{epoch: 2, seq: 0, key: true, wantPass: true}), {epoch: 2, seq: 5, wantPass: true},
		}},
		{"the first subscription misses nothing", []resumeStep{
			rejoin(pass(500)), pass(501),
		}},
		{"only the first newer packet after a resubscription counts the gap", []resumeStep{
			pass(10), rejoin(missed(pass(20), 9)), pass(25),
		}},
		{"once past the last packet, a repair from the keyframe is passed again", []resumeStep{
			pass(10), pass(11), rejoin(skip(10)), skip(11), pass(12), pass(10), pass(11), pass(12), pass(13),
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r qos.Resume
			for i, s := range c.steps {
				if s.rejoin {
					r.Rejoined()
				}
				p := &media.Packet{Codec: media.H264, Key: s.key, Epoch: s.epoch, Seq: s.seq}
				if gotPass, gotMissed := r.Next(p); gotPass != s.wantPass || gotMissed != s.wantMissed {
					t.Fatalf("step %d (epoch %d seq %d): pass %v missed %d, want pass %v missed %d",
						i, s.epoch, s.seq, gotPass, gotMissed, s.wantPass, s.wantMissed)
				}
			}
		})
	}
}
