package storage_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/storage"
)

// The damaged recordings' source: 10 s of H.264 at 30 fps with a keyframe
// every second, and 4 s of JPEG beside it, committed three packets at a
// time as a live camera's recorder commits them, so that the file holds
// the old copies of pages that commits rewrote.
const (
	recW, recH    = 160, 120
	recH264Frames = 300
	recJPEGFrames = 120
	recGOP        = 30
)

var (
	recOnce  sync.Once
	recBytes []byte
	recErr   error
)

// multiStream returns the bytes of the source recording, made once per
// test binary.
func multiStream(t testing.TB) []byte {
	t.Helper()
	recOnce.Do(func() { recBytes, recErr = makeMultiStream(t.TempDir()) })
	if recErr != nil {
		t.Fatal(recErr)
	}
	return recBytes
}

func makeMultiStream(dir string) ([]byte, error) {
	path := filepath.Join(dir, "src.gopline")
	rec, err := storage.Open(path, storage.WithBatch(3, 0))
	if err != nil {
		return nil, err
	}
	defer rec.Close()
	for _, s := range []storage.StreamInfo{
		{Name: "/camera", Codec: media.H264, Width: recW, Height: recH, Source: "testsrc"},
		{Name: "/jpeg", Codec: media.JPEG, Width: recW, Height: recH},
	} {
		if err := rec.CreateStream(s); err != nil {
			return nil, err
		}
	}
	pat, err := testsrc.New(recW, recH)
	if err != nil {
		return nil, err
	}
	enc, err := ffmpeg.NewH264Encoder(recW, recH, ffmpeg.WithGOP(recGOP), ffmpeg.WithFrameRate(30))
	if err != nil {
		return nil, err
	}
	defer enc.Close()
	jenc, err := ffmpeg.NewJPEGEncoder(recW, recH)
	if err != nil {
		return nil, err
	}
	defer jenc.Close()
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for i := range recH264Frames {
		f := pat.Frame(uint64(i))
		f.CaptureTime = t0.Add(time.Duration(i) * time.Second / 30)
		p, err := enc.Encode(f)
		if err != nil {
			return nil, err
		}
		if err := rec.Append("/camera", p); err != nil {
			return nil, err
		}
		if i < recJPEGFrames {
			jp, err := jenc.Encode(f)
			if err != nil {
				return nil, err
			}
			if err := rec.Append("/jpeg", jp); err != nil {
				return nil, err
			}
		}
	}
	if err := rec.Close(); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

// writeFile writes b to a new file in t.TempDir() and returns its path.
func writeFile(t testing.TB, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// originals reads every packet of the source recording by stream, keyed by
// epoch and seq.
func originals(t testing.TB) map[string]map[[2]uint64]*media.Packet {
	t.Helper()
	rec := mustOpenPath(t, writeFile(t, "orig.gopline", multiStream(t)), storage.WithReadOnly())
	out := make(map[string]map[[2]uint64]*media.Packet)
	for _, s := range []string{"/camera", "/jpeg"} {
		out[s] = make(map[[2]uint64]*media.Packet)
		for _, ip := range readStream(t, rec, s) {
			out[s][[2]uint64{ip.p.Epoch, ip.p.Seq}] = ip.p
		}
	}
	return out
}

// checkRecovered opens a recovered file and checks each stream against the
// source: every packet is one of the source stream's, unchanged, in order,
// each stream starts at a keyframe, and a delta follows the packet before
// it. It returns the packets per stream.
func checkRecovered(t *testing.T, path string, res storage.RecoverResult, want map[string]map[[2]uint64]*media.Packet) map[string]int {
	t.Helper()
	rec := mustOpenPath(t, path, storage.WithReadOnly())
	infos, err := rec.Streams()
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != len(res.Streams) {
		t.Errorf("the file holds %d streams, the result names %d", len(infos), len(res.Streams))
	}
	counts := make(map[string]int)
	for _, rs := range res.Streams {
		got := readStream(t, rec, rs.Name)
		if int64(len(got)) != rs.Packets {
			t.Errorf("%s: %d packets in the file, the result says %d", rs.Name, len(got), rs.Packets)
		}
		source := want[rs.Name]
		if rs.Renamed && rs.Codec == media.JPEG {
			source = want["/jpeg"]
		} else if rs.Renamed {
			source = want["/camera"]
		}
		var prev *media.Packet
		for i, ip := range got {
			p := ip.p
			orig := source[[2]uint64{p.Epoch, p.Seq}]
			if orig == nil {
				t.Fatalf("%s: packet %d (seq %d) is not in the source", rs.Name, i, p.Seq)
			}
			if d := samePacket(p, orig); d != "" {
				t.Fatalf("%s: packet %d (seq %d) differs from the source: %s", rs.Name, i, p.Seq, d)
			}
			switch {
			case prev == nil && !p.Key:
				t.Fatalf("%s starts with a delta", rs.Name)
			case prev != nil && p.Seq <= prev.Seq:
				t.Fatalf("%s: seq %d after %d", rs.Name, p.Seq, prev.Seq)
			case prev != nil && !p.Key && p.Seq != prev.Seq+1:
				t.Fatalf("%s: delta seq %d after %d: its GOP has a hole", rs.Name, p.Seq, prev.Seq)
			}
			prev = p
		}
		if len(got) > 0 && (!rs.First.Equal(got[0].p.CaptureTime) || !rs.Last.Equal(got[len(got)-1].p.CaptureTime)) {
			t.Errorf("%s: span %v to %v, the packets' %v to %v", rs.Name, rs.First, rs.Last, got[0].p.CaptureTime, got[len(got)-1].p.CaptureTime)
		}
		counts[rs.Name] = len(got)
	}
	return counts
}

func TestRecoverCopiesAnIntactRecordingWhole(t *testing.T) {
	want := originals(t)
	src := writeFile(t, "src.gopline", multiStream(t))
	dst := filepath.Join(t.TempDir(), "new.gopline")
	res, err := storage.Recover(src, dst)
	if err != nil {
		t.Fatal(err)
	}
	counts := checkRecovered(t, dst, res, want)
	if counts["/camera"] != recH264Frames || counts["/jpeg"] != recJPEGFrames {
		t.Errorf("recovered %v, want all %d and %d packets", counts, recH264Frames, recJPEGFrames)
	}
	for _, rs := range res.Streams {
		if rs.Damaged+rs.Dropped+rs.Missing+rs.Lost() != 0 || rs.Renamed {
			t.Errorf("%s: %+v from an intact file", rs.Name, rs)
		}
	}
	rec := mustOpenPath(t, dst, storage.WithReadOnly())
	infos, err := rec.Streams()
	if err != nil {
		t.Fatal(err)
	}
	if infos[0].Source != "testsrc" || infos[0].Width != recW {
		t.Errorf("the stream's info is not kept: %+v", infos[0])
	}
}

func TestRecoverSalvagesTruncatedRecordings(t *testing.T) {
	want := originals(t)
	full := multiStream(t)
	prev := -1
	for _, percent := range []int{25, 50, 75, 90, 99} {
		src := writeFile(t, "cut.gopline", full[:len(full)*percent/100])
		if rec, err := storage.Open(src, storage.WithReadOnly()); err == nil {
			rec.Close()
			t.Logf("%d%%: the truncated file still opens", percent)
		}
		dst := filepath.Join(t.TempDir(), "new.gopline")
		res, err := storage.Recover(src, dst)
		if err != nil {
			t.Fatalf("%d%%: %v", percent, err)
		}
		counts := checkRecovered(t, dst, res, want)
		total := 0
		for _, n := range counts {
			total += n
		}
		// What the cut file still holds whole: the most any salvage finds.
		intact := 0
		for _, packets := range want {
			for _, p := range packets {
				if bytes.Contains(full[:len(full)*percent/100], p.Data) {
					intact++
				}
			}
		}
		t.Logf("%d%% of %d bytes: %v of %d packets intact, lost %v", percent, len(full), counts, intact, res.Lost)
		if total < prev {
			t.Errorf("%d%%: %d packets, fewer than %d from a shorter cut", percent, total, prev)
		}
		prev = total
		// Only the deltas after a hole in their GOP are left out.
		if total < intact*8/10 {
			t.Errorf("%d%%: salvaged %d of the %d packets intact in the file", percent, total, intact)
		}
	}
}

func TestRecoverSalvagesAroundZeroedPages(t *testing.T) {
	want := originals(t)
	b := bytes.Clone(multiStream(t))
	// Zero 16 KiB in the middle of the file.
	mid := len(b) / 2 &^ 1023
	clear(b[mid : mid+16<<10])
	src := writeFile(t, "holed.gopline", b)
	dst := filepath.Join(t.TempDir(), "new.gopline")
	res, err := storage.Recover(src, dst)
	if err != nil {
		t.Fatal(err)
	}
	counts := checkRecovered(t, dst, res, want)
	t.Logf("%v", counts)
	if counts["/camera"] < recH264Frames/2 || counts["/jpeg"] == 0 {
		t.Errorf("recovered %v around 16 KiB of zeros", counts)
	}
	for _, rs := range res.Streams {
		if rs.Name == "/camera" && rs.Packets < recH264Frames && rs.Damaged+rs.Dropped+rs.Missing+rs.Lost() == 0 {
			t.Errorf("%+v: packets are missing but nothing says so", rs)
		}
	}
}

func TestRecoverNamesAStreamWhoseNameIsLost(t *testing.T) {
	want := originals(t)
	b := bytes.Clone(multiStream(t))
	// Overwrite every copy of the JPEG stream's key and info.
	for _, s := range []string{"stream:/jpeg", `{"name":"/jpeg"`} {
		n := 0
		for at := bytes.Index(b, []byte(s)); at >= 0; at = bytes.Index(b, []byte(s)) {
			copy(b[at:], bytes.Repeat([]byte{'#'}, len(s)))
			n++
		}
		if n == 0 {
			t.Fatalf("%q is not in the file", s)
		}
	}
	src := writeFile(t, "nameless.gopline", b)
	dst := filepath.Join(t.TempDir(), "new.gopline")
	res, err := storage.Recover(src, dst)
	if err != nil {
		t.Fatal(err)
	}
	counts := checkRecovered(t, dst, res, want)
	if counts["/camera"] != recH264Frames || counts["recovered-1"] != recJPEGFrames {
		t.Errorf("recovered %v, want /camera whole and the JPEG stream as recovered-1", counts)
	}
	for _, rs := range res.Streams {
		if rs.Name == "recovered-1" && (!rs.Renamed || rs.Codec != media.JPEG) {
			t.Errorf("%+v", rs)
		}
	}
}

func TestRecoverRefusesWhatItCannotSalvage(t *testing.T) {
	dir := t.TempDir()
	for name, b := range map[string][]byte{
		"empty":  nil,
		"text":   bytes.Repeat([]byte("not a recording\n"), 1000),
		"zeros":  make([]byte, 64<<10),
		"header": multiStream(t)[:2048], // the meta pages alone
	} {
		src := writeFile(t, name, b)
		dst := filepath.Join(dir, name+".gopline")
		_, err := storage.Recover(src, dst)
		if !errors.Is(err, storage.ErrNothingRecovered) {
			t.Errorf("%s: %v, want ErrNothingRecovered", name, err)
		}
		if _, err := os.Lstat(dst); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: %s was written", name, dst)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}

func TestRecoverNeverWritesOverAFile(t *testing.T) {
	src := writeFile(t, "src.gopline", multiStream(t))
	dst := writeFile(t, "taken", []byte("keep me"))
	if _, err := storage.Recover(src, dst); !errors.Is(err, fs.ErrExist) {
		t.Errorf("into an existing file: %v, want fs.ErrExist", err)
	}
	if _, err := storage.Recover(src, src); !errors.Is(err, fs.ErrExist) {
		t.Errorf("into itself: %v, want fs.ErrExist", err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "keep me" {
		t.Errorf("the existing file was changed")
	}
	if b, _ := os.ReadFile(src); !bytes.Equal(b, multiStream(t)) {
		t.Errorf("the source was changed")
	}
}

// BenchmarkRecoverTruncated salvages a recording of 3000 synthetic H.264
// packets of about 10 KB (30 MB, committed three at a time) cut to 90%.
func BenchmarkRecoverTruncated(b *testing.B) {
	dir := b.TempDir()
	full := filepath.Join(dir, "full.gopline")
	rec, err := storage.Open(full, storage.WithBatch(3, 0), storage.WithSync(storage.SyncNone))
	if err != nil {
		b.Fatal(err)
	}
	createCamera(b, rec)
	s := newSynth()
	s.size, s.gop = 10000, 30
	appendAll(b, rec, "/camera", s, 0, 3000)
	if err := rec.Close(); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(full)
	if err != nil {
		b.Fatal(err)
	}
	src := filepath.Join(dir, "cut.gopline")
	if err := os.WriteFile(src, data[:len(data)*9/10], 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data) * 9 / 10))
	var packets int64
	for i := 0; b.Loop(); i++ {
		dst := filepath.Join(dir, "new.gopline")
		res, err := storage.Recover(src, dst)
		if err != nil {
			b.Fatal(err)
		}
		packets = res.Packets()
		os.Remove(dst)
	}
	b.ReportMetric(float64(packets), "packets")
}
