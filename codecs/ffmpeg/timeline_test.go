package ffmpeg

import (
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/h264"
)

var epoch0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// ms is a timestamp in a 1/1000 time base.
func ms(n int64) int64 { return n }

func TestTimelineFillsAndOrdersPictureTimes(t *testing.T) {
	tl := newTimeline(epoch0, 1, 1000, 25)
	in := []int64{ms(500), noTimestamp, ms(620), ms(600), noTimestamp, ms(1000)}
	want := []time.Duration{0, 40, 120, 160, 200, 500}
	for i, ts := range in {
		if got := tl.picture(ts).Sub(epoch0); got != want[i]*time.Millisecond {
			t.Fatalf("picture %d (ts %d): +%v, want +%v", i, ts, got, want[i]*time.Millisecond)
		}
	}
}

// A picture without a timestamp is given one a frame after the last (the
// first at 0): the stream's own timestamps go on from there, a frame
// apart as they are, none counted repaired, whether they start at, below
// or far above the made-up one. An RTP stream's parser gives the first
// picture none.
func TestTimelineGoesOnFromAMadeUpPictureTime(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []int64
		want []time.Duration
	}{
		{"first at the made-up time", []int64{noTimestamp, 0, 40, 80}, []time.Duration{0, 40, 80, 120}},
		{"first far after it", []int64{noTimestamp, 9000, 9040, 9080}, []time.Duration{0, 40, 80, 120}},
		{"first before it", []int64{noTimestamp, noTimestamp, -40, 0}, []time.Duration{0, 40, 80, 120}},
		{"one inside the stream", []int64{0, 40, noTimestamp, 70, 110}, []time.Duration{0, 40, 80, 120, 160}},
		{"one the stream skips", []int64{0, 40, noTimestamp, 200}, []time.Duration{0, 40, 80, 200}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := newTimeline(epoch0, 1, 1000, 25)
			for i, ts := range tc.in {
				if got := tl.picture(ts).Sub(epoch0); got != tc.want[i]*time.Millisecond {
					t.Fatalf("picture %d (ts %d): +%v, want +%v", i, ts, got, tc.want[i]*time.Millisecond)
				}
			}
			if tl.repaired != 0 {
				t.Fatalf("%d repaired; want none", tl.repaired)
			}
		})
	}
}

// Packets without either timestamp at the start of a stream go a frame
// apart from 0, and the stream's own timestamps go on a frame after them,
// none counted repaired.
func TestTimelineGoesOnFromMadeUpPacketTimes(t *testing.T) {
	tl := newTimeline(epoch0, 1, 1000, 25)
	in := []int64{noTimestamp, noTimestamp, 5000, 5040}
	for i, ts := range in {
		capture, offset := tl.packet(ts, ts)
		if got := capture.Sub(epoch0); got != time.Duration(i)*40*time.Millisecond || offset != 0 {
			t.Fatalf("packet %d (ts %d): +%v, offset %v; want +%v, 0", i, ts, got, offset, time.Duration(i)*40*time.Millisecond)
		}
	}
	if tl.repaired != 0 {
		t.Fatalf("%d repaired; want none", tl.repaired)
	}
}

func TestTimelineGivesPacketsGrowingDecodeTimes(t *testing.T) {
	type pd struct{ pts, dts int64 }
	for _, tc := range []struct {
		name    string
		in      []pd
		capture []time.Duration // ms after the start
		offset  []time.Duration // ms
	}{
		{"mp4 with b-frames", []pd{{0, -80}, {120, -40}, {40, 0}, {80, 40}},
			[]time.Duration{0, 120, 40, 80}, []time.Duration{80, 160, 40, 40}},
		{"mkv without the first decode times", []pd{{0, noTimestamp}, {120, noTimestamp}, {40, 0}, {80, 40}},
			[]time.Duration{0, 120, 40, 80}, []time.Duration{0, 119, 38, 40}},
		{"raw, no timestamps at 25 frames/s", []pd{{noTimestamp, noTimestamp}, {noTimestamp, noTimestamp}, {noTimestamp, noTimestamp}},
			[]time.Duration{0, 40, 80}, []time.Duration{0, 0, 0}},
		{"a presentation before the decode is moved after it", []pd{{100, 100}, {50, 140}},
			[]time.Duration{0, 40}, []time.Duration{0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := newTimeline(epoch0, 1, 1000, 25)
			for i, p := range tc.in {
				capture, offset := tl.packet(p.pts, p.dts)
				if got := capture.Sub(epoch0); got != tc.capture[i]*time.Millisecond || offset != tc.offset[i]*time.Millisecond {
					t.Fatalf("packet %d: +%v offset %v, want +%v offset %v", i, got, offset,
						tc.capture[i]*time.Millisecond, tc.offset[i]*time.Millisecond)
				}
			}
		})
	}
}

func TestTimelineConvertsTimeBasesExactly(t *testing.T) {
	tl := newTimeline(epoch0, 1001, 30000, 0)
	tl.picture(0)
	if got := tl.picture(108000).Sub(epoch0); got != 3603600*time.Millisecond {
		t.Fatalf("108000 ticks of 1001/30000 s: %v", got)
	}
	if tl.frame != 1 {
		t.Fatalf("frame of %d ticks at the assumed 25 frames/s in 1001/30000 s, want 1", tl.frame)
	}
}

// A raw H.264 stream is timed by its SPS's VUI timing, else by the rate
// given, else by AssumedFrameRate.
func TestRawFrameRateComesFromTheVUIElseTheGivenRate(t *testing.T) {
	// Baseline SPS, 160x128, without VUI parameters: profile 66, level 30,
	// sps id 0, log2_max_frame_num 4, poc type 2, 1 reference frame,
	// 10x8 macroblocks, frame_mbs_only, direct_8x8, no cropping, no VUI.
	noVUI := []byte{0, 0, 0, 1, 0x67, 0x42, 0x00, 0x1e, 0xda, 0x0a, 0x11, 0x90}
	if sps, err := h264.ParseSPS(noVUI[4:]); err != nil || sps.VUI != nil || sps.Width() != 160 {
		t.Fatalf("the test's SPS: %+v, %v", sps, err)
	}
	if _, ok := vuiFrameRate(noVUI); ok {
		t.Fatal("a rate from an SPS without VUI")
	}
	if got := rawFrameRate(noVUI, 12.5); got != 12.5 {
		t.Fatalf("without VUI, given 12.5: %v", got)
	}
	if got := rawFrameRate(noVUI, 0); got != AssumedFrameRate {
		t.Fatalf("without VUI or a given rate: %v", got)
	}
	if got := rawFrameRate(nil, 0); got != AssumedFrameRate {
		t.Fatalf("without parameter sets: %v", got)
	}
}
