package main

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/export"
)

// exportRecording writes a recording of a 3 s H.264 stream /camera (30 fps,
// a keyframe every second) and a 1 s JPEG stream /jpeg, and returns its path.
func exportRecording(t *testing.T) string {
	t.Helper()
	return writeExportRecording(t, "cam.gopline")
}

// writeExportRecording writes exportRecording's streams into a file named
// name in a directory of the test's, opened with opts.
func writeExportRecording(t *testing.T, name string, opts ...storage.Option) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	rec, err := storage.Open(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	p, err := testsrc.New(160, 120)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := ffmpeg.NewH264Encoder(160, 120, ffmpeg.WithGOP(30))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	jenc, err := ffmpeg.NewJPEGEncoder(160, 120)
	if err != nil {
		t.Fatal(err)
	}
	defer jenc.Close()
	for _, name := range []string{"/camera", "/jpeg"} {
		codec := media.H264
		if name == "/jpeg" {
			codec = media.JPEG
		}
		if err := rec.CreateStream(storage.StreamInfo{Name: name, Codec: codec, Width: 160, Height: 120}); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for i := range 90 {
		f := p.Frame(uint64(i))
		f.CaptureTime = start.Add(time.Duration(i) * time.Second / 30)
		pkt, err := enc.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.Append("/camera", pkt); err != nil {
			t.Fatal(err)
		}
		if i < 30 {
			if pkt, err = jenc.Encode(f); err != nil {
				t.Fatal(err)
			}
			if err := rec.Append("/jpeg", pkt); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExportWritesEachFormat(t *testing.T) {
	rec := exportRecording(t)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "shots.d"), 0o755); err != nil { // a directory that exists
		t.Fatal(err)
	}
	for _, c := range []struct {
		args  []string
		files []string
		says  string
	}{
		{[]string{rec, "-stream", "/camera", "-out", filepath.Join(dir, "all.mp4")}, []string{"all.mp4"}, "90 frames of /camera, 3.0 s"},
		{[]string{"--stream=/camera", "--format", "mcap", "--out", filepath.Join(dir, "part"), rec, "--start", "1.5s", "--end", "2s"},
			[]string{"part"}, "30 frames of /camera, 1.0 s"},
		// An MCAP file holds every stream by default, as a bag every topic.
		{[]string{rec, "-out", filepath.Join(dir, "robot.mcap")}, []string{"robot.mcap"}, "120 frames of /camera, /jpeg, 3.0 s"},
		{[]string{rec, "-stream", "/jpeg, /camera", "-out", filepath.Join(dir, "both.mcap"), "-start", "1.5s"}, []string{"both.mcap"},
			"60 frames of /camera, 2.0 s"}, // /jpeg ends before 1.5 s
		{[]string{rec, "-stream", "/camera", "-out", filepath.Join(dir, "at"), "-at", "0.5s, 2024-05-01T12:00:02.9Z"},
			[]string{"at/camera-000000.500s.png", "at/camera-000002.900s.png"}, "wrote 2 pictures of /camera to"},
		{[]string{rec, "-stream", "/jpeg", "-format", "png", "-out", filepath.Join(dir, "every"), "-every", "400ms"},
			[]string{"every/jpeg-000000.000s.png", "every/jpeg-000000.400s.png", "every/jpeg-000000.800s.png"}, "wrote 3 pictures of /jpeg"},
		{[]string{rec, "-stream", "/camera", "-out", filepath.Join(dir, "still.png"), "-at", "1s"}, []string{"still.png"}, "wrote " + filepath.Join(dir, "still.png") + "\n"},
		{[]string{rec, "-stream", "/camera", "-out", filepath.Join(dir, "Still.PNG"), "-at", "0s, 0s"}, []string{"Still.PNG"}, "wrote " + filepath.Join(dir, "Still.PNG") + "\n"},
		{[]string{rec, "-stream", "/camera", "-out", filepath.Join(dir, "twice"), "-at", "0s,0s"},
			[]string{"twice/camera-000000.000s.png"}, "wrote " + filepath.Join(dir, "twice", "camera-000000.000s.png") + "\n"},
		{[]string{rec, "-stream", "/camera", "-out", filepath.Join(dir, "ms"), "-at", "0.5s,0.5004s,1s"},
			[]string{"ms/camera-000000.500s.png", "ms/camera-000001.000s.png"}, "wrote 2 pictures of /camera to"},
		{[]string{rec, "-stream", "/camera", "-out", filepath.Join(dir, "shots.d"), "-at", "1s"}, []string{"shots.d/camera-000001.000s.png"}, "wrote "},
		{[]string{rec, "-stream", "/camera", "-out", filepath.Join(dir, "new.d") + "/", "-at", "1s,2s"},
			[]string{"new.d/camera-000001.000s.png", "new.d/camera-000002.000s.png"}, "wrote 2 pictures"},
	} {
		code, stdout, stderr := runCmd(append([]string{"export"}, c.args...)...)
		if code != 0 {
			t.Errorf("gopline export %v: exit %d\n%s", c.args, code, stderr)
			continue
		}
		if !strings.Contains(stdout, c.says) || strings.Count(stdout, "\n") != 1 {
			t.Errorf("gopline export %v says %q, want one line with %q", c.args, stdout, c.says)
		}
		if stderr != "" {
			t.Errorf("gopline export %v: stderr %q, want nothing when it is not a terminal", c.args, stderr)
		}
		for _, f := range c.files {
			if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
				t.Errorf("gopline export %v: %s: %v", c.args, f, err)
			}
		}
	}
	for sub, want := range map[string]int{"every": 3, "twice": 1, "ms": 2} {
		if entries, _ := os.ReadDir(filepath.Join(dir, sub)); len(entries) != want {
			t.Errorf("%s: %d pictures, want %d", sub, len(entries), want)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "still.png")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("--at 1s --out still.png: %v, want a file", err)
	}
}

func TestExportCommandLineErrors(t *testing.T) {
	rec := exportRecording(t)
	out := filepath.Join(t.TempDir(), "out.mp4")
	for _, c := range []struct {
		args  []string
		usage bool
		says  string
	}{
		{[]string{"-stream", "/camera", "-out", out}, true, "want a recording file (or the files of one recording), got none"},
		{[]string{rec, rec, "-stream", "/camera", "-out", out}, true, rec + " is given twice"},
		{[]string{rec, rec, "-stream", "/camera", "-out", "d", "-at", "1s"}, true, rec + " is given twice"},
		{[]string{rec, "-stream", "/camera"}, true, "-out is required"},
		{[]string{rec, "-stream", "/camera", "-out", "x.unknown"}, true, "-format is required"},
		{[]string{rec, "-stream", "/camera", "-out", "x.avi"}, true, "--out x.avi: export writes MP4, MCAP or PNG pictures, not AVI: give --out x.mp4"},
		{[]string{rec, "-stream", "/camera", "-out", "cam.MKV"}, true, "not MKV: give --out cam.mp4"},
		{[]string{rec, "-stream", "/camera", "-out", out, "-format", "gif"}, true, `-format "gif"`},
		{[]string{rec, "-stream", "/camera", "-out", out, "-bogus"}, true, "unknown flag: -bogus"},
		{[]string{rec, "-stream", "/camera", "-out", "d", "-format", "png"}, true, "either --at"},
		{[]string{rec, "-stream", "/camera", "-out", "d", "-at", "1s", "-every", "1s"}, true, "either --at"},
		{[]string{rec, "-stream", "/camera", "-out", "d", "-at", "1s", "-start", "1s"}, true, "-at gives the times"},
		{[]string{rec, "-stream", "/camera", "-out", out, "-at", "1s", "-format", "mp4"}, true, "-format png"},
		{[]string{rec, "-stream", "/camera", "-out", out, "-start", "soon"}, true, `-start "soon": want a duration`},
		{[]string{rec, "-stream", "/camera", "-out", out, "-start", "-1s"}, true, "cannot be negative"},
		{[]string{rec, "-stream", "/camera", "-out", out, "-start", "2s", "-end", "1s"}, true, "is not after --start"},
		{[]string{rec, "-stream", "/camera", "-out", out, "-start", "10s"}, true, "-start 10s is outside stream"},
		{[]string{rec, "-stream", "/camera", "-out", out, "-end", "0s"}, true, `--end 0s ends the range where stream "/camera" begins, so it holds nothing`},
		{[]string{rec, "-stream", "/jpeg", "-out", "d", "-at", "0.5s,2s"}, true, "-at 2s is outside stream \"/jpeg\""},
		// The stream's 90 packets at 30 fps span 2.9666...s, shown to the
		// millisecond, rounded inward.
		{[]string{rec, "-stream", "/camera", "-out", "d", "-at", "5s"}, true, "-at 5s is outside stream \"/camera\", which spans 0s to 2.966s " +
			"from the recording's start (2024-05-01 12:00:00.000 UTC to 2024-05-01 12:00:02.966 UTC)"},
		{[]string{rec, "-stream", "/camera", "-out", "d", "-every", "1us"}, true, "more than 10000 pictures"},
		{[]string{rec, "-stream", "/camera", "-out", out, "-at", "1s"}, true, "--out " + out + ": --at writes PNG pictures"},
		{[]string{rec, "-stream", "/camera", "-out", out, "-at", "1s,2s"}, true, "--at writes PNG pictures"},
		{[]string{rec, "-stream", "/camera", "-out", out, "-format", "png", "-at", "1s"}, true, "--at writes PNG pictures"},
		{[]string{rec, "-stream", "/camera", "-out", out, "-every", "1s"}, true, "--every writes PNG pictures"},
		{[]string{rec, "-stream", "/camera", "-out", out + ".png", "-every", "1s"}, true, "--every writes several: give a directory"},
		{[]string{rec, "-stream", "/camera", "-out", out + ".png", "-at", "1s,2s,1s"}, true, "--at gives 2 times: give a directory"},
		{[]string{rec, "-stream", "/nope", "-out", out}, true, `-stream "/nope": ` + rec + " has streams /camera, /jpeg"},
		{[]string{rec, "-out", out}, true, "-stream is required: " + rec + " has streams /camera, /jpeg (an MCAP file takes them all)"},
		{[]string{rec, "-stream", "/camera,/jpeg", "-out", out}, true, "mp4 takes one stream; an MCAP file takes several"},
		{[]string{rec, "-stream", "/camera,/nope", "-out", "x.mcap"}, true, `-stream "/nope": `},
		{[]string{rec, "-stream", "/camera,/jpeg", "-out", "x.mcap", "-start", "5s"}, true,
			`-start 5s is outside streams "/camera", "/jpeg", which span 0s to 2.966s`},
		{[]string{filepath.Join(t.TempDir(), "missing.gopline"), "-stream", "/camera", "-out", out}, false, "missing.gopline"},
	} {
		code, _, stderr := runCmd(append([]string{"export"}, c.args...)...)
		want := 1
		if c.usage {
			want = exitUsage
		}
		if code != want || !strings.Contains(stderr, c.says) {
			t.Errorf("gopline export %v: exit %d, %q; want exit %d and %q", c.args, code, stderr, want, c.says)
		}
	}
	for _, path := range []string{out, out + ".png"} {
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("failed exports left %s: %v", path, err)
		}
	}
}

// The End: that gopline info prints, pasted into --end, exports every
// packet, the last one too; an --end within the recording still cuts
// where it says.
func TestExportToTheEndInfoPrintsKeepsTheLastPacket(t *testing.T) {
	rec := exportRecording(t)
	code, stdout, stderr := runCmd("info", rec)
	_, after, found := strings.Cut(stdout, "End:")
	if code != 0 || !found {
		t.Fatalf("info: exit %d, %q, %q", code, stdout, stderr)
	}
	end := strings.TrimSpace(strings.SplitN(after, "\n", 2)[0]) // 2024-05-01 12:00:02.966 UTC
	dir := t.TempDir()
	for i, c := range []struct {
		end, out, want string
	}{
		{end, "all.mp4", "90 frames of /camera,"},
		{end, "all.mcap", "120 frames of /camera, /jpeg,"},
		// The camera's packets come every 1/30 s, the 46th at 1.5 s.
		{"2024-05-01 12:00:01.500 UTC", "ms.mp4", "46 frames of /camera,"},
		{"2024-05-01T12:00:01.500Z", "rfc.mp4", "45 frames of /camera,"},
		{"1.5s", "d.mp4", "45 frames of /camera,"},
		{"1s", "s.mp4", "30 frames of /camera,"},
	} {
		args := []string{"export", rec, "--end", c.end, "--out", filepath.Join(dir, strconv.Itoa(i)+c.out)}
		if strings.HasSuffix(c.out, ".mp4") {
			args = append(args, "--stream", "/camera")
		}
		code, stdout, stderr := runCmd(args...)
		if code != 0 || !strings.Contains(stdout, c.want) {
			t.Errorf("export --end %q to %s: exit %d, %q, %q; want %q", c.end, c.out, code, stdout, stderr, c.want)
		}
	}
}

func TestExportProgressBarRedrawsOneLineWithAnEstimate(t *testing.T) {
	var buf bytes.Buffer
	bar := &progressBar{w: &buf, label: "exporting /camera", unit: "packets"}
	for i := 1; i <= 500; i++ {
		bar.update(i, 1000)
	}
	time.Sleep(2 * progressInterval) // the throttle lets the next one draw
	bar.update(999, 1000)
	s := buf.String()
	bar.clear()
	if strings.Contains(s, "\n") || !strings.Contains(s, "exporting /camera") || !strings.Contains(s, "999/1000") || !strings.Contains(s, "(packets)") || !strings.Contains(s, "s]") {
		t.Errorf("bar drew %q", s)
	}
	if n := strings.Count(s, "\r"); n > 10 {
		t.Errorf("%d redraws of a fast export, want a few", n)
	}
	if newProgressBar(&buf, false, "x", "y").w != nil || newProgressBar(os.Stderr, true, "x", "y").w != nil {
		t.Error("a bar on a buffer, or with --quiet")
	}
}

// An MP4 export's scan of its keyframes, before it writes, has a bar of
// its own that names it; the writing then draws a bar anew.
func TestExportProgressBarShowsTheKeyframeScan(t *testing.T) {
	var buf bytes.Buffer
	bar := &progressBar{w: &buf, label: "exporting /camera", unit: "packets"}
	for i := 1; i <= 30; i++ {
		bar.step(export.ScanningKeyframes, i, 90)
	}
	time.Sleep(2 * progressInterval) // the throttle lets the next one draw
	bar.step(export.ScanningKeyframes, 60, 90)
	scan := buf.String()
	buf.Reset()
	bar.step(export.Writing, 1, 90)
	time.Sleep(2 * progressInterval) // the throttle lets the next one draw
	bar.step(export.Writing, 45, 90)
	writing := buf.String()
	bar.clear()
	if !strings.Contains(scan, "exporting /camera: scanning keyframes (packets)") || !strings.Contains(scan, "60/90") {
		t.Errorf("the keyframes' scan drew %q", scan)
	}
	if strings.Contains(writing, "scanning") || !strings.Contains(writing, "exporting /camera (packets)") || !strings.Contains(writing, "45/90") {
		t.Errorf("the writing drew %q after the scan", writing)
	}
}

func TestExportExitCodes(t *testing.T) {
	rec := exportRecording(t)
	out := filepath.Join(t.TempDir(), "c.mcap")
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"export", rec, "-stream", "/camera", "-out", out}, 0},
		{[]string{"export", rec, "-stream", "/jpeg", "-out", out + ".mp4"}, 0},
		{[]string{"export", rec, "-stream", "/camera", "-o", out + "-o.mp4"}, 0}, // -o as record takes it
		{[]string{"export", rec + ".missing", "-stream", "/camera", "-out", out}, 1},
		{[]string{"export", rec, "-stream", "/camera", "-out", out, "-start", "soon"}, exitUsage},
		{[]string{"export", "-h"}, 0},
	} {
		if code, _, stderr := runCmd(c.args...); code != c.code {
			t.Errorf("gopline %v: exit %d, want %d: %s", c.args, code, c.code, stderr)
		}
	}
}

// Foxglove's CompressedVideo plays no B-frames: an MCAP export of a stream
// that has them says so, and what to do.
func TestExportOfBFramesToMCAPSaysFoxgloveCannotPlayThem(t *testing.T) {
	dir := t.TempDir()
	clip := testclip.Make(t, "bf.mp4", 30, 25, "-c:v", "libx264", "-bf", "2", "-g", "15")
	rec := filepath.Join(dir, "bf.gopline")
	if code, _, stderr := runCmd("run", "videosrc location="+clip+" passthrough=true ! record path="+rec+" stream=/cam"); code != 0 {
		t.Fatalf("record: exit %d: %s", code, stderr)
	}
	code, _, stderr := runCmd("export", rec, "--out", filepath.Join(dir, "bf.mcap"))
	if code != 0 || !strings.Contains(stderr, "/cam has B-frames") || !strings.Contains(stderr, "Foxglove") {
		t.Fatalf("export: exit %d, stderr %q; want a note that Foxglove cannot play the B-frames", code, stderr)
	}
}

// An MCAP file given to recover is named as one; info, play and export
// take it as a bag (TestInfoDescribesABag, TestBagsArePlayedAndExported).
func TestAnMCAPFileIsNamedAsOne(t *testing.T) {
	rec := exportRecording(t)
	out := filepath.Join(t.TempDir(), "robot.mcap")
	if code, _, stderr := runCmd("export", rec, "--out", out); code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	want := out + ": this is an MCAP file, not a recording"
	if code, _, stderr := runCmd("recover", out, "--out", out+".gopline"); code != exitFailure || !strings.Contains(stderr, want) || strings.Contains(stderr, "bbolt") {
		t.Errorf("gopline recover: exit %d, %q; want %q", code, stderr, want)
	}
	want = "gopline import " + out + " --out robot.gopline makes a recording of its pictures"
	if code, stdout, stderr := runCmd("info", out); code != 0 || !strings.Contains(stdout, want) {
		t.Errorf("gopline info: exit %d, %q %q; want %q", code, stdout, stderr, want)
	}
}

// A camera whose profile or bitrate settings changed sends new SPS and PPS
// at the same size, as two x264 streams joined: the MP4 holds it all, every
// picture decoding, and says how it carries them.
func TestExportToMP4OfAStreamWhoseSettingsChange(t *testing.T) {
	high := testclip.Make(t, "high.264", 30, 30, "-c:v", "libx264", "-profile:v", "high", "-g", "15", "-pix_fmt", "yuv420p")
	base := testclip.Make(t, "base.264", 30, 30, "-c:v", "libx264", "-profile:v", "baseline", "-g", "15", "-pix_fmt", "yuv420p")
	dir := t.TempDir()
	joined := filepath.Join(dir, "joined.264")
	var data []byte
	for _, clip := range []string{high, base} {
		b, err := os.ReadFile(clip)
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, b...)
	}
	if err := os.WriteFile(joined, data, 0o600); err != nil {
		t.Fatal(err)
	}
	rec := filepath.Join(dir, "joined.gopline")
	if code, _, stderr := runCmd("run", "videosrc location="+joined+" passthrough=true ! record path="+rec+" stream=/cam"); code != 0 {
		t.Fatalf("record: exit %d: %s", code, stderr)
	}
	out := filepath.Join(dir, "joined.mp4")
	code, stdout, stderr := runCmd("export", rec, "--out", out)
	if code != 0 || !strings.Contains(stdout, "60 frames of /cam") || !strings.Contains(stderr, "the MP4 track is avc3") {
		t.Fatalf("export: exit %d, %q, %q; want 60 frames and a note of the avc3 track", code, stdout, stderr)
	}
	probe, err := exec.LookPath("ffprobe")
	if err != nil {
		t.Skip("ffprobe is not installed")
	}
	cmd := exec.Command(probe, "-v", "error", "-count_frames", "-show_entries", "stream=codec_tag_string,nb_read_frames", "-of", "csv=p=0", out)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	got, err := cmd.Output()
	if err != nil || errOut.Len() > 0 || strings.TrimSpace(string(got)) != "avc3,60" {
		t.Errorf("ffprobe: %q, %v, %q; want avc3,60 and no error", got, err, errOut.String())
	}
}

// Every time export's messages print is one its flags take: pasted into
// --start, --end or --at, it names the same instant.
func TestExportTimesPrintedAreTimesTheFlagsTake(t *testing.T) {
	rec := exportRecording(t)
	dir := t.TempDir()
	_, _, stderr := runCmd("export", rec, "--stream", "/camera", "--out", filepath.Join(dir, "d"), "--at", "5s")
	// "... which spans 0s to 2.966s from the recording's start (2024-05-01 12:00:00.000 UTC to 2024-05-01 12:00:02.966 UTC)"
	open, closing := strings.LastIndex(stderr, "("), strings.LastIndex(stderr, ")")
	spans := strings.Fields(stderr[strings.LastIndex(stderr, "spans ")+len("spans ") : strings.Index(stderr, " from the recording's start")])
	if open < 0 || closing < open || len(spans) != 3 {
		t.Fatalf("export says %q", stderr)
	}
	times := strings.Split(stderr[open+1:closing], " to ")
	for i, printed := range []string{spans[0], spans[2], times[0], times[1]} {
		args := []string{"export", rec, "--stream", "/camera", "--out", filepath.Join(dir, "p"+strconv.Itoa(i)+".png"), "--at", printed}
		if code, _, stderr := runCmd(args...); code != 0 {
			t.Errorf("--at %q, as export printed it: exit %d: %s", printed, code, stderr)
		}
		flagName := "--start" // the span's start; its end is one for --end
		if i%2 == 1 {
			flagName = "--end"
		}
		args = []string{"export", rec, "--stream", "/camera", "--out", filepath.Join(dir, "e"+strconv.Itoa(i)+".mp4"), flagName, printed}
		if code, _, stderr := runCmd(args...); code != 0 {
			t.Errorf("%s %q, as export printed it: exit %d: %s", flagName, printed, code, stderr)
		}
	}
	// The time a size changes at, from an MP4 export's note, splits the
	// recording into its sizes.
	sizes := filepath.Join("..", "..", "storage", "export", "testdata", "sizechange.gopline")
	_, _, stderr = runCmd("export", sizes, "--out", filepath.Join(dir, "sizes.mp4"))
	const note = "note: /camera is 320x240 from "
	i := strings.Index(stderr, note)
	if i < 0 {
		t.Fatalf("export of a stream whose size changes says %q", stderr)
	}
	// "500ms from the recording's start (2024-05-01T12:00:00.5Z)"
	line := strings.SplitN(stderr[i+len(note):], "\n", 2)[0]
	offset, wall := strings.Fields(line)[0], line[strings.Index(line, "(")+1:len(line)-1]
	for i, args := range [][]string{{"--end", offset}, {"--start", offset}, {"--end", wall}, {"--start", wall}} {
		out := filepath.Join(dir, "size"+strings.TrimLeft(args[0], "-")+strconv.Itoa(i)+".mp4")
		code, stdout, stderr := runCmd("export", sizes, "--out", out, args[0], args[1])
		if code != 0 || !strings.Contains(stdout, "15 frames") || strings.Contains(stderr, "avc3") {
			t.Errorf("%s %s, as export printed it: exit %d, %q, %q; want 15 frames of one size", args[0], args[1], code, stdout, stderr)
		}
	}
}

// Ctrl-C during a PNG export of many pictures, once the first is written,
// ends it with exit 1 and a message counting the pictures written: those
// are in the directory, whole, and no temporary file is left.
func TestInterruptedPNGExportKeepsWholePicturesOnly(t *testing.T) {
	rec := exportRecording(t)
	dir := filepath.Join(t.TempDir(), "pictures")
	// A picture every millisecond: 2967 of them, far more than are written
	// before the interrupt arrives.
	cmd, _, stderr := startGopline(t, "export", rec, "--stream", "/camera", "--every", "1ms", "--out", dir)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if pngs, _ := filepath.Glob(filepath.Join(dir, "*.png")); len(pngs) > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("export ended before its first picture (%v):\n%s", err, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-done
			t.Fatalf("no picture in 60 s:\n%s", stderr.String())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("still running 60 s after Ctrl-C:\n%s", stderr.String())
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit %v after Ctrl-C, want 1:\n%s", err, stderr.String())
	}
	var written int
	if _, serr := fmt.Sscanf(stderr.String()[strings.Index(stderr.String(), "interrupted: "):], "interrupted: %d of 2967 pictures", &written); serr != nil {
		t.Fatalf("no count of the pictures written: %v:\n%s", serr, stderr.String())
	}
	entries, rerr := os.ReadDir(dir)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if len(entries) != written || written == 0 || written == 2967 {
		t.Errorf("%d files in %s, %d pictures said written", len(entries), dir, written)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".png") {
			t.Errorf("%s left behind", e.Name())
			continue
		}
		f, oerr := os.Open(filepath.Join(dir, e.Name()))
		if oerr != nil {
			t.Fatal(oerr)
		}
		if _, derr := png.Decode(f); derr != nil {
			t.Errorf("%s is not a whole picture: %v", e.Name(), derr)
		}
		f.Close()
	}
}
