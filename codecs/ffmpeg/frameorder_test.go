package ffmpeg

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

var frameOrderBase = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// runFrameOrder plays a script of a decoder's life on a frameOrder: "k5"
// feeds keyframe Seq 5, "d6" delta Seq 6, "o6" is the picture of Seq 6
// coming out, "r" a reset. Packet n is captured at base+capture(n) ms. It
// returns the Seqs and capture times (ms after base) of the pictures out.
func runFrameOrder(t *testing.T, script string, capture func(seq uint64) int) (seqs []uint64, ms []int) {
	t.Helper()
	var o frameOrder
	for _, step := range strings.Fields(script) {
		if step == "r" {
			o.reset()
			continue
		}
		n, err := strconv.ParseUint(step[1:], 10, 64)
		if err != nil {
			t.Fatalf("step %q: %v", step, err)
		}
		switch step[0] {
		case 'k', 'd':
			o.fed(n, step[0] == 'k', frameOrderBase.Add(time.Duration(capture(n))*time.Millisecond))
		case 'o':
			seq, at := o.picture(int64(n))
			seqs, ms = append(seqs, seq), append(ms, int(at.Sub(frameOrderBase)/time.Millisecond))
		default:
			t.Fatalf("step %q", step)
		}
	}
	return seqs, ms
}

func inDecodeOrder(seq uint64) int { return int(seq) }

// The pictures of a stream are numbered in presentation order with the
// Seqs its packets had, whatever the reordering, from wherever it starts.
func TestFrameOrderNumbersPicturesInPresentationOrder(t *testing.T) {
	for _, c := range []struct {
		name, script string
		want         []uint64
	}{
		{"no reordering", "k0 o0 d1 o1 d2 o2 k3 o3", []uint64{0, 1, 2, 3}},
		// I0 P3 B1 B2 in presentation order are packets 0 1 2 3.
		{"two B-frames", "k0 o0 d1 d2 o2 d3 o3 d4 o1 d5 d6 o5 o6 o4", []uint64{0, 1, 2, 3, 4, 5, 6}},
		// I0 P4 B2 b1 b3: the B-pyramid of three B-frames.
		{"B-pyramid", "k0 o0 d1 d2 d3 o3 d4 o2 o4 o1", []uint64{0, 1, 2, 3, 4}},
		{"late start", "k1200 d1201 d1202 o1200 o1202 d1203 o1203 o1201", []uint64{1200, 1201, 1202, 1203}},
		// Frame threads hold every picture back until the end: Flush gives
		// them out.
		{"flush at the end", "k0 d1 d2 d3 d4 d5 o0 o2 o3 o1 o5 o4", []uint64{0, 1, 2, 3, 4, 5}},
		// Seq 2 gave no picture: the next picture takes its number, until
		// the keyframe's picture clears it.
		{"dropped picture", "k0 o0 d1 o1 d2 d3 o3 k4 o4 d5 o5", []uint64{0, 1, 2, 4, 5}},
		{"a picture lost among B-frames", "k0 o0 d1 d2 d3 o3 k4 o2 d5 d6 o4 o6 o5", []uint64{0, 1, 2, 4, 5, 6}},
		// After damage the decoder starts afresh at a later keyframe.
		{"damage", "k0 o0 d1 d2 o2 d3 r k9 d10 d11 o9 o11 o10", []uint64{0, 1, 9, 10, 11}},
		{"new stream", "k0 d1 o0 o1 r k0 o0 d1 o1", []uint64{0, 1, 0, 1}},
		{"a picture of no packet fed keeps its own", "o7", []uint64{7}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got, _ := runFrameOrder(t, c.script, inDecodeOrder); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("Seqs %v, want %v", got, c.want)
			}
		})
	}
}

// Each picture takes the earliest capture time pending: its own packet's
// when the times are presentation times, and still growing times when the
// packets were stamped in decode order.
func TestFrameOrderTimesPictures(t *testing.T) {
	const script = "k0 o0 d1 d2 o2 d3 o3 d4 o1 d5 d6 o5 o6 o4"
	presented := map[uint64]int{0: 0, 1: 30, 2: 10, 3: 20, 4: 60, 5: 40, 6: 50}
	if _, ms := runFrameOrder(t, script, func(seq uint64) int { return presented[seq] }); !reflect.DeepEqual(ms, []int{0, 10, 20, 30, 40, 50, 60}) {
		t.Errorf("presentation times: pictures at %v ms", ms)
	}
	if _, ms := runFrameOrder(t, script, inDecodeOrder); !reflect.DeepEqual(ms, []int{0, 1, 2, 3, 4, 5, 6}) {
		t.Errorf("decode times: pictures at %v ms", ms)
	}
	// Seq 1 gave no picture: its time is cleared with it by the keyframe.
	if _, ms := runFrameOrder(t, "k0 o0 d1 k2 o2", inDecodeOrder); !reflect.DeepEqual(ms, []int{0, 2}) {
		t.Errorf("after a dropped picture: pictures at %v ms", ms)
	}
	// Times that do not follow the pictures (an RTP sender's burst
	// squeezed them on arrival): picture 1 takes keyframe 2's earlier
	// time, the keyframe's picture clears picture 1's, and the keyframe's
	// picture takes the time before it, not none, nor one going back.
	squeezed := map[uint64]int{0: 0, 1: 50, 2: 10, 3: 5}
	if _, ms := runFrameOrder(t, "k0 o0 d1 k2 o1 o2 d3 o3", func(seq uint64) int { return squeezed[seq] }); !reflect.DeepEqual(ms, []int{0, 10, 10, 10}) {
		t.Errorf("squeezed times: pictures at %v ms", ms)
	}
	// A clock set back 10 s (a camera's, by NTP) is no squeeze: its
	// times stand.
	stepped := map[uint64]int{0: 20000, 1: 20040, 2: 10080, 3: 10120}
	if _, ms := runFrameOrder(t, "k0 o0 d1 o1 k2 o2 d3 o3", func(seq uint64) int { return stepped[seq] }); !reflect.DeepEqual(ms, []int{20000, 20040, 10080, 10120}) {
		t.Errorf("a clock set back: pictures at %v ms", ms)
	}
}

// A decoder that keeps taking packets without giving pictures does not make
// frameOrder remember them all.
func TestFrameOrderIsBounded(t *testing.T) {
	var o frameOrder
	for i := range uint64(10 * pendingLimit) {
		o.fed(i, i == 0, frameOrderBase)
		if len(o.seqs) > pendingLimit || len(o.times) > pendingLimit {
			t.Fatalf("%d Seqs and %d times pending after %d packets", len(o.seqs), len(o.times), i+1)
		}
	}
	if seq, _ := o.picture(10*pendingLimit - 1); seq != 9*pendingLimit {
		t.Fatalf("picture numbered %d, want the oldest Seq remembered, %d", seq, 9*pendingLimit)
	}
}
