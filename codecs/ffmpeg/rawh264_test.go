package ffmpeg

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	stdslices "slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

var rawT0 = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

// readAllPackets reads every packet of a passthrough Reader of path.
func readAllPackets(t *testing.T, path string) ([]*media.Packet, *Reader) {
	t.Helper()
	r := mustReader(t, path, WithPassthrough(), WithClock(func() time.Time { return rawT0 }))
	var pkts []*media.Packet
	for {
		p, err := r.ReadPacket()
		if err == io.EOF {
			return pkts, r
		}
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, p)
	}
}

// shownOrder returns the decode index of each of path's pictures in the
// order FFmpeg's decoder shows them.
func shownOrder(t *testing.T, path string) []uint64 {
	t.Helper()
	var order []uint64
	for _, line := range testclip.Probe(t, path, "-show_entries", "frame=coded_picture_number") {
		field, _, _ := strings.Cut(line, ",")
		if field == "" {
			continue
		}
		n, err := strconv.ParseUint(field, 10, 64)
		if err != nil {
			t.Fatalf("ffprobe line %q: %v", line, err)
		}
		order = append(order, n)
	}
	return order
}

// A raw H.264 stream has no timestamps: the Reader times its packets from
// their slice headers, so that their presentation times put the pictures
// in the order a decoder shows them, a frame apart, and their decode times
// grow in the order they come.
func TestReaderPassthroughTimesRawH264InTheOrderItIsShown(t *testing.T) {
	const n, rate = 60, 30
	encodes := []struct {
		name     string
		args     []string
		reorders bool
	}{
		{"two B-frames", []string{"-bf", "2", "-g", "25"}, true},
		{"three B-frames without pyramid", []string{"-bf", "3", "-x264-params", "b-pyramid=none"}, true},
		{"no B-frames", []string{"-bf", "0"}, false},
	}
	for _, e := range encodes {
		t.Run(e.name, func(t *testing.T) {
			clip := testclip.Make(t, "raw.h264", n, rate, append([]string{"-c:v", "libx264", "-pix_fmt", "yuv420p"}, e.args...)...)
			pkts, r := readAllPackets(t, clip)
			shown := shownOrder(t, clip)
			if len(pkts) != n || len(shown) != n {
				t.Fatalf("%d packets, ffprobe shows %d pictures; want %d", len(pkts), len(shown), n)
			}
			if reorders := !stdslices.IsSorted(shown); reorders != e.reorders {
				t.Fatalf("the decoder reorders: %t, want %t", reorders, e.reorders)
			}
			byTime := stdslices.Clone(pkts)
			stdslices.SortStableFunc(byTime, func(a, b *media.Packet) int { return a.CaptureTime.Compare(b.CaptureTime) })
			for k, p := range byTime {
				if p.Seq != shown[k] {
					t.Fatalf("the %d-th picture in time is packet %d; the decoder shows packet %d", k, p.Seq, shown[k])
				}
				want := rawT0.Add(time.Duration(k) * time.Second / rate)
				if d := p.CaptureTime.Sub(want); d < -time.Microsecond || d > time.Microsecond {
					t.Fatalf("picture %d captured at %v, want %v", k, p.CaptureTime.Sub(rawT0), want.Sub(rawT0))
				}
			}
			var lastDecode time.Time
			for i, p := range pkts {
				decode := p.CaptureTime.Add(-p.CompositionOffset)
				if p.CompositionOffset < 0 || (i > 0 && !decode.After(lastDecode)) {
					t.Fatalf("packet %d: composition offset %v, decode time %v after %v", i, p.CompositionOffset,
						decode.Sub(rawT0), lastDecode.Sub(rawT0))
				}
				lastDecode = decode
				if !e.reorders && p.CompositionOffset != 0 {
					t.Errorf("packet %d of a stream without reordering is offset by %v", i, p.CompositionOffset)
				}
			}
			if st := r.Stats(); st.RepairedTimestamps != 0 || st.Undecodable != 0 {
				t.Errorf("stats: %v", st)
			}
		})
	}
}

// Two raw H.264 files joined change their pictures' size mid-stream: the
// packets carry the size of their GOP's SPS, so that a recording refuses
// the packets of the second size.
func TestReaderPassthroughTakesEachGOPsSizeFromItsSPS(t *testing.T) {
	first := testclip.Make(t, "first.h264", 20, 25, "-c:v", "libx264", "-pix_fmt", "yuv420p")
	second := testclip.Make(t, "second.h264", 20, 25, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-s", "318x178")
	var joined []byte
	for _, path := range []string{first, second} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		joined = append(joined, data...)
	}
	path := writeFile(t, "joined.h264", joined)
	pkts, _ := readAllPackets(t, path)
	if len(pkts) != 40 {
		t.Fatalf("%d packets, want 40", len(pkts))
	}
	for i, p := range pkts {
		w, h := 160, 120
		if i >= 20 {
			w, h = 318, 178 // cropped from 320x192
		}
		if p.Width != w || p.Height != h {
			t.Fatalf("packet %d is %dx%d, want %dx%d", i, p.Width, p.Height, w, h)
		}
	}

	rec, err := storage.Open(filepath.Join(t.TempDir(), "joined.gopline"))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	if err := rec.CreateStream(storage.StreamInfo{Name: "/cam", Codec: media.H264, Width: 160, Height: 120}); err != nil {
		t.Fatal(err)
	}
	for i, p := range pkts {
		err := rec.Append("/cam", p)
		if i < 20 && err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if i >= 20 && !errors.Is(err, storage.ErrFormatChanged) {
			t.Fatalf("packet %d of the second size: %v, want ErrFormatChanged", i, err)
		}
	}
}

// A raw H.264 stream whose probe found no SPS timing (a pipe joined
// part-way, its first SPS after the probe; here, a probe of 32 bytes) is
// timed at the rate of its first keyframe's SPS, not at the assumed 25
// frames/s; and the bytes before that keyframe, which start inside a NAL
// unit, are left out before the keyframe, not damage.
func TestReaderTimesARawH264StreamAtItsFirstSPSsRate(t *testing.T) {
	clip, err := os.ReadFile(testclip.Make(t, "ten.h264", 30, 10, "-c:v", "libx264", "-tune", "zerolatency", "-g", "10", "-f", "h264"))
	if err != nil {
		t.Fatal(err)
	}
	// Joined inside the first GOP: from inside its second picture's slice.
	first := -1
	for i := 0; i+4 < len(clip); i++ {
		if clip[i] == 0 && clip[i+1] == 0 && clip[i+2] == 1 && clip[i+3]&0x1f == 1 {
			first = i
			break
		}
	}
	if first < 0 {
		t.Fatal("no P-slice in the clip")
	}
	path := filepath.Join(t.TempDir(), "joined.h264")
	if err := os.WriteFile(path, clip[first+5:], 0o600); err != nil {
		t.Fatal(err)
	}
	r := mustReader(t, path, WithPassthrough(), WithInputFormat("h264"), WithInputOptions(map[string]string{"probesize": "32"}),
		WithClock(func() time.Time { return rawT0 }))
	var pkts []*media.Packet
	for {
		p, err := r.ReadPacket()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, p)
	}
	if len(pkts) != 20 {
		t.Fatalf("%d packets, want the 20 from the second GOP on", len(pkts))
	}
	if step := pkts[1].DecodeTime().Sub(pkts[0].DecodeTime()); step != 100*time.Millisecond {
		t.Errorf("packets %v apart, want 100ms (10 frames/s)", step)
	}
	if got := r.Info().FrameRate; got != 10 {
		t.Errorf("frame rate %v, want 10", got)
	}
	if st := r.Stats(); st.Undecodable != 0 || st.BeforeKeyframe == 0 {
		t.Errorf("skipped %s, want the packets before the keyframe before_keyframe, nothing undecodable", st)
	}
}
