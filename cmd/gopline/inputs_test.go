package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gopline/gopline/internal/testclip"
)

// Inputs that end well exit 0: a saved multipart JPEG file read to its
// closing boundary, and an MPEG-TS file that starts inside a GOP (a camera
// joined part-way: `dd skip=`), whose packets before the first keyframe
// are counted but are no damage; and a multipart file cut inside its last
// picture, read to the cut, which is counted (truncated) and warned of, as
// a raw file's cut picture is.
func TestRunOfInputsThatEndWellExitsZero(t *testing.T) {
	mjpeg := testclip.Make(t, "saved.mjpeg", 10, 25, "-f", "mpjpeg")
	data, err := os.ReadFile(mjpeg)
	if err != nil {
		t.Fatal(err)
	}
	cutMJPEG := filepath.Join(t.TempDir(), "cut.mjpeg")
	if err := os.WriteFile(cutMJPEG, data[:len(data)-500], 0o644); err != nil {
		t.Fatal(err)
	}
	ts := testclip.Make(t, "camera.ts", 100, 25, "-c:v", "libx264", "-g", "50", "-pix_fmt", "yuv420p")
	if data, err = os.ReadFile(ts); err != nil {
		t.Fatal(err)
	}
	joined := filepath.Join(t.TempDir(), "joined.ts")
	if err := os.WriteFile(joined, data[len(data)/4+1:], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		location string
		code     int
		says     string
	}{
		{mjpeg, 0, "videosrc0"},
		{mjpeg + " passthrough=true", 0, "videosrc0"},
		{joined, 0, "packets before the first keyframe"},
		{cutMJPEG, 0, "skipped 1 truncated"},
	} {
		code, stdout, stderr := runCmd("run", "videosrc location="+c.location+" ! fakesink")
		if code != c.code || !strings.Contains(stdout+stderr, c.says) {
			t.Errorf("videosrc location=%s: exit %d, %s%s; want exit %d and %q", c.location, code, stdout, stderr, c.code, c.says)
		}
	}
}

// Passthrough of HEVC, which gopline cannot hand on, fails at once with
// exit 1, saying the codec and what to do: a file, and a network camera,
// which no retry would cure, whatever retries= says.
func TestPassthroughOfHEVCFailsAtOnceSayingWhatToDo(t *testing.T) {
	hevc := testclip.Make(t, "hevc.ts", 50, 25, "-c:v", "libx265", "-x265-params", "log-level=error")
	udp := testclip.SendUDP(t, hevc)
	for _, line := range []string{
		"videosrc location=" + hevc + " passthrough=true ! fakesink",
		"videosrc location=" + udp + " passthrough=true ! fakesink",
		"videosrc location=" + udp + " passthrough=true retries=0 ! fakesink",
	} {
		// Without the failure, a camera is retried until the run's end.
		code, _, stderr := runCmd("run", "--duration", "60s", line)
		if code != 1 || !strings.Contains(stderr, "hevc video") || !strings.Contains(stderr, "drop passthrough=true") ||
			strings.Contains(stderr, "down at start") || strings.Contains(stderr, "retrying") {
			t.Errorf("%s: exit %d, %s; want exit 1 at once, naming the codec and saying to drop passthrough", line, code, stderr)
		}
	}
}

// A run that joins a live MPEG-TS camera over UDP part-way and is stopped
// (Ctrl-C, as --duration stops it) once pictures came exits 0: neither the
// packets before its first keyframe nor the picture the stop cut short are
// damage. It waits for the pictures rather than for a set time: a run
// stopped before its camera's first picture fails (ErrNothingDelivered).
func TestRunJoiningALiveUDPCameraExitsZero(t *testing.T) {
	t.Parallel()
	isolateDiscovery(t)
	clip := testclip.Make(t, "camera.ts", 100, 25, "-c:v", "libx264", "-g", "50", "-pix_fmt", "yuv420p")
	udp := testclip.SendUDP(t, clip)
	for i := 0; i < 3; i++ {
		dir := t.TempDir()
		cmd, _, stderr := startGopline(t, "run", "--no-mdns", "videosrc location="+udp+" ! snapshot dir="+dir+" every=10")
		pictures := func() bool {
			shots, _ := filepath.Glob(filepath.Join(dir, "*.png"))
			return len(shots) >= 2
		}
		if code := stopGopline(t, cmd, stderr, pictures, syscall.SIGINT); code != 0 || strings.Contains(stderr.String(), "damage") {
			t.Fatalf("run %d: exit %d, %s; want exit 0, no damage", i, code, stderr)
		}
	}
}

// A file that opens but holds no picture fails run and record (exit 1),
// saying that it delivered nothing, once; a file of sound alone says it
// has no video stream.
func TestAnInputWithoutAPictureExitsOne(t *testing.T) {
	empty := testclip.MakeWithoutPictures(t, "empty.mkv", true)
	sound := testclip.MakeWithoutPictures(t, "sound.mkv", false)
	out := filepath.Join(t.TempDir(), "cam.gopline")
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"run", "videosrc location=" + empty + " ! fakesink"}, "stream delivered nothing: \"" + empty + "\" opened but ended without a single frame"},
		{[]string{"run", "videosrc location=" + empty + " passthrough=true ! fakesink"}, "opened but ended without a single packet"},
		{[]string{"record", "-o", out, "--topic", "/cam", "videosrc location=" + empty + " ! h264enc ! publish topic=/cam"}, "opened but ended without a single frame"},
		{[]string{"run", "videosrc location=" + sound + " ! fakesink"}, "no video stream in \"" + sound + "\""},
	} {
		code, _, stderr := runCmd(c.args...)
		if code != 1 || !strings.Contains(stderr, c.says) || strings.Contains(stderr, "gave nothing") {
			t.Errorf("%q: exit %d, want 1 and %q once: %s", c.args, code, c.says, stderr)
		}
	}
}
