package ffmpeg

import (
	"bytes"
	"errors"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
)

// passPackets reads path in passthrough mode with the clock at epoch0.
func passPackets(t *testing.T, path string) ([]*media.Packet, ReadStats) {
	t.Helper()
	r := mustReader(t, path, WithPassthrough(), WithClock(func() time.Time { return epoch0 }))
	var pkts []*media.Packet
	for {
		p, err := r.ReadPacket()
		if errors.Is(err, io.EOF) {
			return pkts, r.Stats()
		}
		if err != nil {
			t.Fatalf("packet %d: %v", len(pkts), err)
		}
		pkts = append(pkts, p)
	}
}

// decodedTimes decodes path with the clock at epoch0 and returns the
// capture times of its pictures.
func decodedTimes(t *testing.T, path string) ([]time.Time, ReadStats) {
	t.Helper()
	r := mustReader(t, path, WithClock(func() time.Time { return epoch0 }))
	var times []time.Time
	for {
		f, err := r.ReadFrame()
		if errors.Is(err, io.EOF) {
			return times, r.Stats()
		}
		if err != nil {
			t.Fatalf("picture %d: %v", len(times), err)
		}
		times = append(times, f.CaptureTime)
		f.Release()
	}
}

// captureTimes returns the packets' capture times in presentation order.
func captureTimes(pkts []*media.Packet) []time.Time {
	times := make([]time.Time, len(pkts))
	for i, p := range pkts {
		times[i] = p.CaptureTime
	}
	slices.SortFunc(times, time.Time.Compare)
	return times
}

// Two MPEG-TS files joined (an encoder that restarted) pass through as
// ffmpeg -c copy and the decoding Reader have them: every picture a frame
// after the last, the second file's B-frames in their order, the jump
// counted once.
func TestPassthroughRebasesJoinedMPEGTS(t *testing.T) {
	seg := testclip.Make(t, "a.ts", 90, 30, "-c:v", "libx264", "-g", "30", "-f", "mpegts")
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	joined := writeFile(t, "joined.ts", append(slices.Clone(data), data...))
	pkts, st := passPackets(t, joined)
	if len(pkts) != 180 || st.RepairedTimestamps != 1 {
		t.Fatalf("%d packets, stats %+v; want 180, 1 timestamp repaired", len(pkts), st)
	}
	frames, dst := decodedTimes(t, joined)
	got := captureTimes(pkts)
	if !slices.EqualFunc(got, frames, time.Time.Equal) || dst.RepairedTimestamps != 1 {
		t.Fatalf("passthrough times %v...%v, decoded %v...%v (%d repaired)", got[0], got[len(got)-1],
			frames[0], frames[len(frames)-1], dst.RepairedTimestamps)
	}
	for i := 1; i < len(got); i++ {
		if step := got[i].Sub(got[i-1]); step < 33*time.Millisecond || step > 34*time.Millisecond {
			t.Fatalf("picture %d is %v after the one before, want a frame (1/30 s)", i, step)
		}
	}
	// The keyframe of the second file is shown after the first file's
	// pictures: display order is kept.
	if k := pkts[90]; !k.Key || !k.CaptureTime.After(got[89]) {
		t.Fatalf("packet 90 (key %v) at %v, the first file's last picture at %v", k.Key, k.CaptureTime, got[89])
	}
}

// An MP4 cut without re-encoding has an edit list that starts it after its
// keyframe. Its passed-through pictures are at the times the decoding Reader
// gives them; the packets before the cut, which they need, come first with
// capture times before the start.
func TestPassthroughKeepsAnEditListsStart(t *testing.T) {
	long := testclip.Make(t, "long.mp4", 180, 30, "-c:v", "libx264", "-g", "30")
	cut := filepath.Join(t.TempDir(), "cut.mp4")
	ffmpegCLI(t, "-v", "error", "-ss", "1.5", "-i", long, "-c", "copy", "-t", "2", cut)
	pkts, _ := passPackets(t, cut)
	frames, _ := decodedTimes(t, cut)
	if len(frames) == 0 || !frames[0].Equal(epoch0) {
		t.Fatalf("decoded %d pictures, the first at %v; want the first at the opening", len(frames), frames)
	}
	if !pkts[0].Key || !pkts[0].CaptureTime.Before(epoch0) {
		t.Fatalf("the first packet (key %v) at %v, want the keyframe before the start %v", pkts[0].Key, pkts[0].CaptureTime, epoch0)
	}
	var shown []time.Time
	for _, at := range captureTimes(pkts) {
		if !at.Before(epoch0) {
			shown = append(shown, at)
		}
	}
	if !slices.EqualFunc(shown, frames, time.Time.Equal) {
		t.Fatalf("%d packets from the start, %v...; %d decoded pictures, %v...", len(shown), shown[:min(3, len(shown))],
			len(frames), frames[:min(3, len(frames))])
	}
	if pre := len(pkts) - len(shown); pre == 0 || pre >= 30 {
		t.Fatalf("%d packets before the start, want the part of a GOP before the cut", pre)
	}
}

// A JPEG the demuxer flagged as corrupt (the end of a cut-short AVI) is
// left out and counted, as an H.264 packet that cannot be parsed is: cut
// short by the end of the file, as the decoding Reader counts it.
func TestPassthroughLeavesOutACorruptJPEG(t *testing.T) {
	full := testclip.Make(t, "mj.avi", 30, 30, "-c:v", "mjpeg", "-q:v", "5")
	data, err := os.ReadFile(full)
	if err != nil {
		t.Fatal(err)
	}
	cut := writeFile(t, "cut.avi", data[:len(data)*6/10])
	pkts, st := passPackets(t, cut)
	if st.Truncated != 1 || st.Undecodable != 0 || len(pkts) == 0 {
		t.Fatalf("%d packets, stats %+v; want the cut-short one counted truncated", len(pkts), st)
	}
	for _, p := range pkts {
		if _, err := jpeg.Decode(bytes.NewReader(p.Data)); err != nil {
			t.Fatalf("packet %d of %d: %v", p.Seq, len(pkts), err)
		}
	}
}

// A clean Matroska file with B-frames passes through with no timestamp
// repaired.
func TestPassthroughRepairsNothingInACleanMatroskaWithBFrames(t *testing.T) {
	mkv := testclip.Make(t, "b.mkv", 60, 25, "-c:v", "libx264", "-bf", "2", "-g", "25")
	pkts, st := passPackets(t, mkv)
	if len(pkts) != 60 || st.RepairedTimestamps != 0 {
		t.Fatalf("%d packets, stats %+v; want 60, nothing repaired", len(pkts), st)
	}
}

// An AVI stores no presentation times, only its frames in decode order:
// an H.264 stream with B-frames in it passes through with each picture's
// presentation time from its slices' picture order, as a raw H.264 stream
// does, so that its pictures decode in order of time. It had each packet's
// decode time as its presentation time: the pictures came out of order
// (frames 3, 0, 1, 2 exported at 0.04 s steps).
func TestPassthroughTimesAnAVIsBFramesInDisplayOrder(t *testing.T) {
	raw := testclip.Make(t, "b.h264", 75, 25, "-c:v", "libx264", "-bf", "2", "-g", "25", "-pix_fmt", "yuv420p")
	avi := filepath.Join(t.TempDir(), "b.avi")
	ffmpegCLI(t, "-v", "error", "-r", "25", "-i", raw, "-c", "copy", avi)
	want, _ := passPackets(t, raw) // timed from the slices' picture order
	got, _ := passPackets(t, avi)
	if len(got) != 75 || len(want) != 75 {
		t.Fatalf("%d packets of the AVI, %d of the raw stream; want 75", len(got), len(want))
	}
	reordered := 0
	for i := range got {
		if !got[i].CaptureTime.Equal(want[i].CaptureTime) {
			t.Fatalf("packet %d (key %v) at %v, the raw stream's at %v: not the picture's presentation time",
				i, got[i].Key, got[i].CaptureTime.Sub(epoch0), want[i].CaptureTime.Sub(epoch0))
		}
		if got[i].CompositionOffset > 0 {
			reordered++
		}
	}
	if reordered == 0 {
		t.Fatal("no packet is shown after it is decoded: the clip has no B-frames")
	}
}
