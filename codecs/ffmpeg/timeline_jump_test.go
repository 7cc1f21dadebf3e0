package ffmpeg

import (
	"slices"
	"testing"
	"time"
)

// A decode timestamp that goes back by more than a frame is a
// discontinuity: the packets after it go on a frame after the last one,
// with their own spacing and composition offsets, counted once. A step back
// within a frame is jitter, repaired on its own packet.
func TestTimelineRebasesAJumpBackOfPackets(t *testing.T) {
	type pd struct{ pts, dts int64 }
	// Two copies of the same B-frame stream, 40 ms a frame: presented at
	// 0, 120, 40, 80, decoded 80 ms before.
	seg := []pd{{1000, 920}, {1120, 960}, {1040, 1000}, {1080, 1040}}
	tl := newTimeline(epoch0, 1, 1000, 25)
	var capture, offset []time.Duration
	for _, p := range append(slices.Clone(seg), seg...) {
		c, o := tl.packet(p.pts, p.dts)
		capture, offset = append(capture, c.Sub(epoch0)), append(offset, o)
	}
	want := []time.Duration{0, 120, 40, 80, 160, 280, 200, 240}
	for i := range want {
		if capture[i] != want[i]*time.Millisecond || offset[i] != offset[i%4] {
			t.Fatalf("packet %d: +%v offset %v, want +%v offset %v (all: %v)", i, capture[i], offset[i],
				want[i]*time.Millisecond, offset[i%4], capture)
		}
	}
	if tl.repaired != 1 || tl.jumps != 1 || tl.lastJump != -160*time.Millisecond {
		t.Fatalf("repaired %d, jumps %d of %v; want one jump back by 160ms", tl.repaired, tl.jumps, tl.lastJump)
	}

	// Jitter: a decode time equal to the last, then one a tick back.
	tl = newTimeline(epoch0, 1, 1000, 25)
	for _, p := range []pd{{0, 0}, {40, 40}, {40, 40}, {80, 39}, {120, 120}} {
		tl.packet(p.pts, p.dts)
	}
	if tl.repaired != 2 || tl.jumps != 0 {
		t.Fatalf("jitter: repaired %d, jumps %d; want 2 packets repaired, once each, no jump", tl.repaired, tl.jumps)
	}
}

// A jump forward is a gap the pictures keep, unless the format may restart
// its clock and the jump is longer than MaxTimestampGap.
func TestTimelineRebasesALongJumpForwardOnlyWhereTheClockMayRestart(t *testing.T) {
	jump := int64(MaxTimestampGap/time.Millisecond) + 1000
	for _, restarts := range []bool{false, true} {
		tl := newTimeline(epoch0, 1, 1000, 25)
		if restarts {
			tl.mayRestart()
		}
		tl.packet(0, 0)
		gap, _ := tl.packet(5000, 5000) // 5 s: a gap either way
		far, _ := tl.packet(5000+jump, 5000+jump)
		want := 5000*time.Millisecond + time.Duration(jump)*time.Millisecond
		if restarts {
			want = 5040 * time.Millisecond
		}
		if gap.Sub(epoch0) != 5*time.Second || far.Sub(epoch0) != want {
			t.Fatalf("restarts %v: +%v, +%v; want +5s, +%v", restarts, gap.Sub(epoch0), far.Sub(epoch0), want)
		}
	}
}

// Decoded pictures follow the same rule: after a jump back the pictures go
// on a frame after the last, counted once.
func TestTimelineRebasesAJumpBackOfPictures(t *testing.T) {
	tl := newTimeline(epoch0, 1, 1000, 25)
	var got []time.Duration
	for _, ts := range []int64{500, 540, 580, 500, 540, 580} {
		got = append(got, tl.picture(ts).Sub(epoch0)/time.Millisecond)
	}
	if !slices.Equal(got, []time.Duration{0, 40, 80, 120, 160, 200}) || tl.repaired != 1 {
		t.Fatalf("pictures at %v ms, %d repaired; want a frame apart, 1 repaired", got, tl.repaired)
	}
}

// Whatever timestamps a stream gives, passed-through packets are decoded
// in growing time and never presented before they are decoded, and each
// packet adds at most one to the repaired count.
func FuzzTimelinePackets(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{10, 0, 9, 0, 20, 0, 19, 0, 1, 0, 0, 0, 255, 255, 255, 255})
	f.Add([]byte{0, 0x80, 0, 0x80, 5, 0, 5, 0, 0, 0x7f, 0, 0x7f})
	f.Fuzz(func(t *testing.T, data []byte) {
		tl := newTimeline(epoch0, 1, 90000, 30)
		if len(data)%2 == 1 {
			tl.mayRestart()
		}
		// Each 4 bytes are a packet: its pts and dts, 16 bits each and
		// scaled to about 6 s of ticks either way; -32768 stands for none.
		stamp := func(lo, hi byte) int64 {
			v := int64(int16(uint16(lo) | uint16(hi)<<8))
			if v == -32768 {
				return noTimestamp
			}
			return v * 17
		}
		var lastDecode time.Time
		for i := 0; i+4 <= len(data); i += 4 {
			repaired := tl.repaired
			// Some inputs flag every fifth packet outside the edits.
			discard := len(data)%3 == 0 && i/4%5 == 4
			capture, offset := tl.packetOf(stamp(data[i], data[i+1]), stamp(data[i+2], data[i+3]), discard)
			decode := capture.Add(-offset)
			if offset < 0 || (i > 0 && !decode.After(lastDecode)) {
				t.Fatalf("packet %d: captured %v, decoded %v after the last decode %v", i/4, capture, decode, lastDecode)
			}
			if tl.repaired-repaired > 1 {
				t.Fatalf("packet %d counted %d times", i/4, tl.repaired-repaired)
			}
			lastDecode = decode
		}
	})
}

// One timestamp that jumps while the stream goes on from its old clock is
// repaired alone, as jitter: the packets after it keep their times. A jump
// that the next packet follows is a discontinuity, however small.
func TestTimelineRepairsAnOutlierAndRebasesOnlyAJumpTheNextPacketFollows(t *testing.T) {
	for _, tc := range []struct {
		name     string
		restarts bool
		moved    map[int]int64 // packet index: ticks its timestamps move by
		want     []time.Duration
		jumps    int
	}{
		{"one packet 2 frames early", false, map[int]int64{3: -81},
			[]time.Duration{0, 40, 80, 120, 160, 200}, 0},
		{"one packet 20s late", true, map[int]int64{3: 20000},
			[]time.Duration{0, 40, 80, 120, 160, 200}, 0},
		{"the last packet early", false, map[int]int64{5: -1000},
			[]time.Duration{0, 40, 80, 120, 160, 200}, 0},
		{"the clock back 2 frames", false, map[int]int64{3: -120, 4: -120, 5: -120},
			[]time.Duration{0, 40, 80, 120, 160, 200}, 1},
		{"the clock back 2 frames after a bad one", true, map[int]int64{2: 20000, 3: -120, 4: -120, 5: -120},
			[]time.Duration{0, 40, 80, 120, 160, 200}, 1},
	} {
		tl := newTimeline(epoch0, 1, 1000, 25)
		if tc.restarts {
			tl.mayRestart()
		}
		var got []time.Duration
		for i := range 6 {
			ts := int64(i)*40 + tc.moved[i]
			c, o := tl.packet(ts+40, ts) // each presented a frame after its decoding
			if o != 40*time.Millisecond {
				t.Fatalf("%s: packet %d has offset %v, want its own 40ms", tc.name, i, o)
			}
			got = append(got, c.Sub(epoch0))
		}
		wantRepaired := 1
		if tc.jumps > 0 && len(tc.moved) > 3 {
			wantRepaired = 2
		}
		if !slices.Equal(got, msList(tc.want)) || tl.jumps != tc.jumps || tl.repaired != wantRepaired {
			t.Fatalf("%s: %v, %d jumps, %d repaired; want %v, %d jumps, %d repaired", tc.name, got, tl.jumps,
				tl.repaired, msList(tc.want), tc.jumps, wantRepaired)
		}
	}
}

func msList(d []time.Duration) []time.Duration {
	out := make([]time.Duration, len(d))
	for i := range d {
		out[i] = d[i] * time.Millisecond
	}
	return out
}

// Each jump is said, but a burst: at most jumpLines lines in a jumpBurst,
// the next saying how many jumps it stands for.
func TestJumpLogSaysEachJumpButABurst(t *testing.T) {
	var l jumpLog
	var said []uint64
	for i := range 8 { // 8 jumps a second apart: 5 said, 3 held
		if ok, n := l.allow(epoch0.Add(time.Duration(i) * time.Second)); ok {
			said = append(said, n)
		}
	}
	if ok, n := l.allow(epoch0.Add(jumpBurst)); !ok || n != 4 || !slices.Equal(said, []uint64{1, 1, 1, 1, 1}) {
		t.Fatalf("said %v, then %v with %d; want 5 lines of one jump, then one of 4", said, ok, n)
	}
	if ok, n := l.allow(epoch0.Add(jumpBurst + 7*time.Second)); !ok || n != 1 {
		t.Fatalf("a jump 7s later: %v, %d; want said", ok, n)
	}
}

// Matroska gives no decode time for the first packets of a stream with
// B-frames: the one it gives next goes back from the made-up ones, which is
// no fault of the stream's and not counted repaired.
func TestTimelineCountsNoRepairAfterMissingDecodeTimes(t *testing.T) {
	tl := newTimeline(epoch0, 1, 1000, 25)
	for _, p := range [][2]int64{{0, noTimestamp}, {120, noTimestamp}, {40, 0}, {80, 40}, {240, 80}, {160, 120}} {
		tl.packet(p[0], p[1])
	}
	if tl.repaired != 0 {
		t.Fatalf("%d repaired, want none", tl.repaired)
	}
}

// A live input's discontinuity (an encoder that restarted after an outage)
// is re-based to the moment it is read, moved ahead as the capture times
// have run ahead of their reading, so that the outage stays a gap; never
// earlier than a frame after the last, and not for one bad timestamp. A
// file's goes on a frame after the last.
func TestTimelineRebasesALiveDiscontinuityAfterTheOutage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		live   bool
		outage time.Duration // how long after the last packet the restart is read
		dts    []int64       // after packets at 0, 40, 80
		want   []time.Duration
	}{
		{"live, after 2s", true, 2 * time.Second, []int64{0, 40, 80}, []time.Duration{2080, 2120, 2160}},
		{"file", false, 2 * time.Second, []int64{0, 40, 80}, []time.Duration{120, 160, 200}},
		{"live, read at once", true, 0, []int64{0, 40, 80}, []time.Duration{120, 160, 200}},
		{"live, one bad", true, 20 * time.Millisecond, []int64{-500, 160, 200}, []time.Duration{120, 160, 200}},
	} {
		// The clock runs a second behind the capture times: what was read
		// while the input opened.
		now := epoch0.Add(-time.Second)
		tl := newTimeline(epoch0, 1, 1000, 25)
		if tc.live {
			tl.live(func() time.Time { return now })
		}
		for _, ts := range []int64{0, 40, 80} {
			now = now.Add(40 * time.Millisecond)
			tl.packet(ts, ts)
		}
		now = now.Add(tc.outage)
		var got []time.Duration
		for _, ts := range tc.dts {
			c, _ := tl.packet(ts, ts)
			got = append(got, c.Sub(epoch0))
			now = now.Add(40 * time.Millisecond)
		}
		if !slices.Equal(got, msList(tc.want)) {
			t.Fatalf("%s: %v, want %v", tc.name, got, msList(tc.want))
		}
	}
}

// Where a packet flagged outside the edits jumps back, an edit after the
// first starts: its packets go on a frame after the last at once, neither
// repaired nor a jump.
func TestTimelineGoesOnAtAnEditBoundary(t *testing.T) {
	tl := newTimeline(epoch0, 1, 1000, 25)
	var got []time.Duration
	for i, dts := range []int64{0, 40, 80, 2000, 2040, 0, 40, 80} {
		c, _ := tl.packetOf(dts, dts, i == 5 || i == 6)
		got = append(got, c.Sub(epoch0))
	}
	want := msList([]time.Duration{0, 40, 80, 2000, 2040, 2080, 2120, 2160})
	if !slices.Equal(got, want) || tl.repaired != 0 || tl.jumps != 0 {
		t.Fatalf("%v, %d repaired, %d jumps; want %v, none", got, tl.repaired, tl.jumps, want)
	}
}

// A decoded picture whose timestamp alone jumps is put a frame after the
// last, and the pictures after it keep the stream's clock.
func TestTimelineRepairsAnOutlierPicture(t *testing.T) {
	tl := newTimeline(epoch0, 1, 1000, 25)
	var got []time.Duration
	for _, ts := range []int64{0, 40, 80, -3000, 160, 200} {
		got = append(got, tl.picture(ts).Sub(epoch0))
	}
	want := msList([]time.Duration{0, 40, 80, 120, 160, 200})
	if !slices.Equal(got, want) || tl.repaired != 1 || tl.jumps != 0 {
		t.Fatalf("%v, %d repaired, %d jumps; want %v, 1 repaired, no jump", got, tl.repaired, tl.jumps, want)
	}
}
