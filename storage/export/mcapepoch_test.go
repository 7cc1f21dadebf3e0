package export_test

import (
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/export"
)

// A robot whose clock was not set records times about 1970's start, and
// some before it (time 0 minus an offset), which neither an MCAP log time
// nor a Foxglove timestamp holds. The export keeps every message, those
// before 1970 at its start, in their order, and says so once, with how
// many and the earliest time; the rest keep their own times.
func TestMCAPKeepsMessagesCapturedBefore1970AndSaysSo(t *testing.T) {
	const frames, before = 30, 15
	start := time.Unix(0, 0).Add(-before * time.Second / fps)
	times := make([]time.Time, frames)
	for i := range frames {
		times[i] = start.Add(time.Duration(i) * time.Second / fps)
	}
	path := recordAt(t, "clockless.gopline", times, nil)
	out := filepath.Join(t.TempDir(), "clockless.mcap")
	res, err := export.MCAP(t.Context(), openRecording(t, path), camera, time.Time{}, time.Time{}, out, nil)
	if err != nil {
		t.Fatalf("the export failed: %v", err)
	}
	if b := res.BeforeEpoch; res.Frames != frames || len(b) != 1 || b[0].Stream != camera || b[0].Messages != before || !b[0].Earliest.Equal(start) {
		t.Errorf("%d frames, before 1970: %+v; want %d frames, %d of %s before 1970, the earliest at %v", res.Frames, b, frames, before, camera, start)
	}
	it, err := openMCAP(t, out).Messages(mcap.InOrder(mcap.FileOrder))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		_, _, m, err := it.NextInto(nil)
		if errors.Is(err, io.EOF) {
			if i != frames {
				t.Errorf("%d messages, want %d", i, frames)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var msg mcapMessage
		if err := json.Unmarshal(m.Data, &msg); err != nil {
			t.Fatal(err)
		}
		at := max(times[i].UnixNano(), 0)
		if m.LogTime != uint64(at) || msg.Timestamp.Sec != at/1e9 || msg.Timestamp.Nsec != at%1e9 {
			t.Errorf("message %d, captured %v: log time %d, timestamp %+v; want %d", i, times[i].UTC(), m.LogTime, msg.Timestamp, at)
		}
	}
}

// A message captured at 1970's start whose decode time, its composition
// offset earlier, falls before it (a B-frame stream's first picture) is
// logged at 1970's start and counted with those captured before it.
func TestMCAPCountsADecodeTimeBefore1970(t *testing.T) {
	const offset = 2 * time.Second / fps
	times := []time.Time{time.Unix(0, 0), time.Unix(0, 0).Add(time.Second / fps), time.Unix(0, 0).Add(2 * time.Second / fps)}
	path := recordAt(t, "epoch.gopline", times, map[int]time.Duration{0: offset}) // the first decoded before 1970
	res, err := export.MCAP(t.Context(), openRecording(t, path), camera, time.Time{}, time.Time{}, filepath.Join(t.TempDir(), "epoch.mcap"), nil)
	if err != nil {
		t.Fatalf("the export failed: %v", err)
	}
	if b := res.BeforeEpoch; len(b) != 1 || b[0].Messages != 1 || !b[0].Earliest.Equal(time.Unix(0, 0).Add(-offset)) {
		t.Errorf("before 1970: %+v; want the first message, decoded %v before 1970", b, offset)
	}
}

// recordAt records the test pattern's pictures captured at times into a
// recording named name, each packet i with the composition offset
// offsets gives it, and returns its path.
func recordAt(t *testing.T, name string, times []time.Time, offsets map[int]time.Duration) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.CreateStream(storage.StreamInfo{Name: camera, Codec: media.H264, Width: testWidth, Height: testHeight}); err != nil {
		t.Fatal(err)
	}
	enc, err := ffmpeg.NewH264Encoder(testWidth, testHeight, ffmpeg.WithGOP(gop), ffmpeg.WithFrameRate(fps))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	p := testPattern(t)
	for i, at := range times {
		f := p.Frame(uint64(i))
		f.CaptureTime = at
		pkt, err := enc.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		pkt.CompositionOffset += offsets[i]
		if err := rec.Append(camera, pkt); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
