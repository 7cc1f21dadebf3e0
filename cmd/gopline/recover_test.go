package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/smallfs"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/storage"
)

// truncatedRecording is exportRecording cut to 90% of its bytes, as an
// interrupted copy leaves it.
func truncatedRecording(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(exportRecording(t))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cut.gopline")
	if err := os.WriteFile(path, b[:len(b)*9/10], 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTruncatedRecordingErrorsPointToRecover(t *testing.T) {
	cut := truncatedRecording(t)
	hint := "gopline recover " + cut + " --out NEW salvages what is intact\n"
	for _, args := range [][]string{
		{"info", cut},
		{"export", cut, "--stream", "/camera", "--out", filepath.Join(t.TempDir(), "x.mp4")},
		{"play", cut, "--stream", "/camera"},
	} {
		code, _, stderr := runCmd(args...)
		if code != exitFailure || !strings.HasSuffix(stderr, hint) {
			t.Errorf("gopline %v: exit %d, %q; want exit 1 and an error ending %q", args, code, stderr, hint)
		}
	}
}

func TestRecoverSalvagesATruncatedRecording(t *testing.T) {
	cut := truncatedRecording(t)
	out := filepath.Join(t.TempDir(), "new.gopline")
	code, stdout, stderr := runCmd("recover", cut, "--out", out)
	if code != exitOK || !strings.Contains(stdout, "Recovered ") || !strings.Contains(stdout, "/camera") {
		t.Fatalf("gopline recover: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := runCmd("info", out); code != exitOK {
		t.Errorf("gopline info of the recovered file: exit %d\n%s%s", code, stdout, stderr)
	}
	out2 := filepath.Join(t.TempDir(), "new.gopline")
	code, stdout, stderr = runCmd("recover", cut, "-o", out2, "--json") // -o as record takes it
	var report recoverReport
	if err := json.Unmarshal([]byte(stdout), &report); code != exitOK || err != nil || len(report.Streams) == 0 || report.Streams[0].Packets == 0 {
		t.Errorf("gopline recover --json: exit %d, %v\n%s%s", code, err, stdout, stderr)
	}
}

func TestRecoverRefusesToWriteOverAFile(t *testing.T) {
	cut := truncatedRecording(t)
	taken := filepath.Join(t.TempDir(), "taken.gopline")
	if err := os.WriteFile(taken, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"recover", cut, "--out", taken},
		{"recover", cut, "--out", cut},
		{"recover", cut},
	} {
		if code, _, stderr := runCmd(args...); code != exitUsage {
			t.Errorf("gopline %v: exit %d, %s; want %d", args, code, stderr, exitUsage)
		}
	}
	if b, _ := os.ReadFile(taken); string(b) != "keep" {
		t.Error("the existing file was changed")
	}
}

func TestRecoverFailsWhenNothingCanBeSalvaged(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{"empty": "", "text": strings.Repeat("not a recording\n", 500)} {
		src := filepath.Join(dir, name)
		if err := os.WriteFile(src, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, name+".gopline")
		code, _, stderr := runCmd("recover", src, "--out", out)
		if code != exitFailure || !strings.Contains(stderr, "nothing could be recovered") {
			t.Errorf("recover %s: exit %d, %q", name, code, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("recover %s wrote %s", name, out)
		}
	}
}

// A stream not found by name is not said to be lost whole while streams
// whose names were lost hold packets: its packets may be theirs.
func TestRecoverDoesNotCallAStreamLostWholeBesideNamelessOnes(t *testing.T) {
	var out strings.Builder
	r := recoverReport{From: "a", To: "b", Lost: []string{"/cam"},
		Streams: []recoveredStream{{Stream: "recovered-1", Renamed: true, Codec: "h264", Packets: 30}}}
	if err := writeRecovered(&out, r); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); strings.Contains(s, "Lost whole") || !strings.Contains(s, "Not found by name: /cam (their packets may be among recovered-1") {
		t.Errorf("report:\n%s", s)
	}
	out.Reset()
	r.Streams[0].Renamed, r.Streams[0].Stream = false, "/other"
	if err := writeRecovered(&out, r); err != nil || !strings.Contains(out.String(), "Lost whole (no packet salvaged): /cam") {
		t.Errorf("report without nameless streams:\n%s (%v)", out.String(), err)
	}
}

func TestRecoverSaysOnlyWhatWasLost(t *testing.T) {
	for _, tc := range []struct {
		s    recoveredStream
		want string
	}{
		{recoveredStream{Packets: 1855, Counted: 1855}, "none"},
		{recoveredStream{Packets: 1800, Counted: 1855, Missing: 55}, "55 of 1855 (55 missing)"},
		{recoveredStream{Packets: 1800, Counted: 1855, Damaged: 3, Dropped: 52}, "55 of 1855 (3 damaged, 52 after a lost keyframe)"},
		// Counters older than the chunks found: the scan's count stands.
		{recoveredStream{Packets: 1855, Counted: 1800, Damaged: 2}, "2 of 1800 (2 damaged)"},
		{recoveredStream{Packets: 1800, Missing: 7}, "at least 7 (7 missing): the file's counts are lost"},
		{recoveredStream{Packets: 1800}, "unknown: the file's counts are lost"},
		// The counters are lost, and with them the entry of the last chunk:
		// the report says so.
		{recoveredStream{Packets: 591, Missing: 7, Dropped: 2, Uncounted: "its counters are lost, and so is the last commit's entry of its last chunk"},
			"at least 9 (2 after a lost keyframe, 7 missing): its counters are lost, and so is the last commit's entry of its last chunk"},
		// The counters are lost, and the chunks' indexes tell the count.
		{recoveredStream{Packets: 591, Counted: 600, CountedBy: "indexes", Missing: 7, Dropped: 2}, "9 of 600 (2 after a lost keyframe, 7 missing)"},
		// A full disk cut a commit short: the file held 339 packets, the
		// 4 more written were never committed and are not counted in.
		{recoveredStream{Packets: 343, Counted: 339, Uncommitted: 4}, "none; 4 more from a commit cut short"},
		{recoveredStream{Packets: 340, Counted: 339, Uncommitted: 4, Missing: 3}, "3 of 339 (3 missing); 4 more from a commit cut short"},
		// The commit cut short wrote over older copies of chunks that the
		// last complete commit held anew: nothing is lost, and the report
		// says what was written over.
		{recoveredStream{Packets: 210, Counted: 210, OverwrittenChunks: 1}, "none; a commit cut short wrote over 1 older chunk the last commit did not hold"},
		{recoveredStream{Packets: 343, Counted: 339, Uncommitted: 4, OverwrittenChunks: 2},
			"none; 4 more from a commit cut short, which wrote over 2 older chunks the last commit did not hold"},
	} {
		tc.s.Lost = max(0, tc.s.Counted-tc.s.Packets+tc.s.Uncommitted)
		if got := lostText(tc.s); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.s, got, tc.want)
		}
	}
}

// A recording that a full disk stopped is not damaged as far as its last
// complete commit goes: recover writes every packet the recorder kept and
// reports none lost, nor a chunk unreadable, whatever the commit that
// failed wrote over; what it wrote is said apart.
func TestRecoverReportsNothingLostOfARecordingAFullDiskStopped(t *testing.T) {
	dir := smallfs.Dir(t, "1m")
	if dir == "" {
		return // the child ran the test
	}
	p, err := testsrc.New(160, 120)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		ballast := filepath.Join(dir, "ballast")
		if err := os.WriteFile(ballast, make([]byte, 600<<10+i*37<<10), 0o644); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "cam.gopline")
		rec, err := storage.Open(path, storage.WithBatch(1+i%3, 0))
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.CreateStream(storage.StreamInfo{Name: "/camera", Codec: media.H264, Width: 160, Height: 120}); err != nil {
			t.Fatal(err)
		}
		enc, err := ffmpeg.NewH264Encoder(160, 120, ffmpeg.WithGOP(10))
		if err != nil {
			t.Fatal(err)
		}
		var werr *storage.WriteError
		start := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
		for n := 0; werr == nil; n++ {
			f := p.Frame(uint64(n))
			f.CaptureTime = start.Add(time.Duration(n) * time.Second / 30)
			pkt, err := enc.Encode(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := rec.Append("/camera", pkt); err != nil && !errors.As(err, &werr) {
				t.Fatal(err)
			}
			if n > 100000 {
				t.Fatal("the disk never filled")
			}
		}
		enc.Close()
		// The file as the recorder left it when the robot went down.
		whole, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rec.Close()
		for _, f := range []string{path, ballast} {
			if err := os.Remove(f); err != nil {
				t.Fatal(err)
			}
		}
		src := filepath.Join(t.TempDir(), "full.gopline")
		if err := os.WriteFile(src, whole, 0o644); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runCmd("recover", src, "--out", filepath.Join(t.TempDir(), "new.gopline"), "--json")
		var report recoverReport
		if err := json.Unmarshal([]byte(stdout), &report); code != exitOK || err != nil || len(report.Streams) != 1 {
			t.Fatalf("recover: exit %d, %v\n%s%s", code, err, stdout, stderr)
		}
		s := report.Streams[0]
		text := lostText(s)
		t.Logf("kept %d: %s", werr.Kept, text)
		if s.Counted != werr.Kept || s.CountedBy != "counters" || s.Packets-s.Uncommitted != werr.Kept || s.Lost != 0 ||
			s.Damaged+s.Dropped+s.Missing+s.UnreadableChunks != 0 || !strings.HasPrefix(text, "none") {
			t.Errorf("the recorder kept %d packets; recover reports %+v: %q", werr.Kept, s, text)
		}
	}
}
