// Package testclip makes small video clips with the ffmpeg command for
// tests, and reads what ffprobe finds in them: the kinds of files third
// parties make (B-frames, packed B-frames, variable frame rate, raw H.264,
// MJPEG), made from FFmpeg's test pattern (or gopline's, whose pictures
// carry their frame numbers) when a test runs and never committed. A test
// skips when ffmpeg or ffprobe is not installed (make deps installs them).
package testclip

import (
	"context"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// NoTime stands for a time ffprobe does not know ("N/A").
const NoTime = time.Duration(math.MinInt64)

// Make writes n frames of FFmpeg's testsrc2 pattern (160x120) at rate
// frames/s into a file named name in a temporary directory, with the output
// options args, and returns its path.
func Make(t testing.TB, name string, n, rate int, args ...string) string {
	t.Helper()
	ff := lookPath(t, "ffmpeg")
	path := filepath.Join(t.TempDir(), name)
	cmd := append([]string{"-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=" + strconv.Itoa(rate),
		"-frames:v", strconv.Itoa(n)}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), makeTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, ff, append(cmd, path)...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v: %s", cmd, err, out)
	}
	return path
}

// makeTimeout bounds an ffmpeg command that makes a clip: one whose
// options never end its output (a filter graph's source that outlives
// -frames:v) fails the test instead of hanging it.
const makeTimeout = 2 * time.Minute

// MakeSizeChange writes an MPEG-TS file named name in a temporary
// directory whose H.264 pictures (a GOP of 25, no B-frames, 25 frames/s)
// are 320x240 for 50 frames and then 640x480 for 50: a camera that
// changed its resolution mid-stream, as two clips joined end to end. It
// returns its path.
func MakeSizeChange(t testing.TB, name string) string {
	t.Helper()
	var joined []byte
	for _, size := range []string{"320:240", "640:480"} {
		part := Make(t, "part.ts", 50, 25, "-vf", "scale="+size, "-c:v", "libx264", "-g", "25", "-bf", "0", "-pix_fmt", "yuv420p")
		data, err := os.ReadFile(part)
		if err != nil {
			t.Fatal(err)
		}
		joined = append(joined, data...)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, joined, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// MakeWithSound writes a second of the testsrc2 pattern (160x120, 25
// frames/s, H.264) with a sine tone (8 kHz PCM) into an MKV file named
// name in a temporary directory, and returns its path: an input whose
// reader must skip the sound's packets.
func MakeWithSound(t testing.TB, name string) string {
	t.Helper()
	ff := lookPath(t, "ffmpeg")
	path := filepath.Join(t.TempDir(), name)
	cmd := []string{"-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=8000",
		"-t", "1", "-c:v", "libx264", "-c:a", "pcm_s16le", path}
	if out, err := exec.Command(ff, cmd...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v: %s", cmd, err, out)
	}
	return path
}

// MakeWithoutPictures writes a second of a sine tone (8 kHz PCM) into an
// MKV file named name in a temporary directory, and returns its path:
// with video, an H.264 track that holds no picture beside the sound
// (a camera's recording cut before its first frame); without, the sound
// alone.
func MakeWithoutPictures(t testing.TB, name string, video bool) string {
	t.Helper()
	ff := lookPath(t, "ffmpeg")
	path := filepath.Join(t.TempDir(), name)
	cmd := []string{"-v", "error", "-f", "lavfi", "-i", "sine=sample_rate=8000", "-t", "1", "-c:a", "pcm_s16le"}
	if video {
		cmd = []string{"-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=8000",
			"-t", "1", "-map", "1:a", "-map", "0:v", "-frames:v", "0", "-c:v", "libx264", "-c:a", "pcm_s16le"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), makeTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, ff, append(cmd, path)...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v: %s", cmd, err, out)
	}
	return path
}

// Probe runs ffprobe on the first video stream of path with args, in CSV
// without section names, and returns its output's lines.
func Probe(t testing.TB, path string, args ...string) []string {
	t.Helper()
	probe := lookPath(t, "ffprobe")
	cmd := append([]string{"-v", "error", "-select_streams", "v:0", "-of", "csv=p=0"}, args...)
	out, err := exec.Command(probe, append(cmd, path)...).Output()
	if err != nil {
		t.Fatalf("ffprobe %v: %v", cmd, err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// FrameCount returns how many pictures ffprobe decodes from path.
func FrameCount(t testing.TB, path string) int {
	t.Helper()
	lines := Probe(t, path, "-count_frames", "-show_entries", "stream=nb_read_frames")
	n, err := strconv.Atoi(strings.Trim(lines[0], ","))
	if err != nil {
		t.Fatalf("ffprobe frame count %q: %v", lines, err)
	}
	return n
}

// Times returns one time entry (best_effort_timestamp_time of section
// "frame", pts_time or dts_time of "packet") of each of path's pictures or
// packets, NoTime where ffprobe prints N/A.
func Times(t testing.TB, path, section, entry string) []time.Duration {
	t.Helper()
	var out []time.Duration
	for _, l := range Probe(t, path, "-show_"+section+"s", "-show_entries", section+"="+entry) {
		field, _, _ := strings.Cut(l, ",") // side data may follow
		switch field {
		case "":
			continue // the end of a side data entry
		case "N/A":
			out = append(out, NoTime)
			continue
		}
		sec, err := strconv.ParseFloat(field, 64)
		if err != nil {
			t.Fatalf("ffprobe %s %q: %v", entry, l, err)
		}
		out = append(out, time.Duration(math.Round(sec*float64(time.Second))))
	}
	return out
}

func lookPath(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("the %s command is not installed (make deps installs it)", name)
	}
	return path
}

// Damage overwrites n bytes of the file at path from the fraction at of
// its length (0.5: the middle) with 0xAA, which makes no start code: a
// clip whose stream is corrupt there, as from a bad disk or a lossy link.
func Damage(t testing.TB, path string, at float64, n int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	from := int(float64(len(data)) * at)
	if from < 0 || from+n > len(data) {
		t.Fatalf("damage %d bytes at %d of %s's %d", n, from, path, len(data))
	}
	for i := from; i < from+n; i++ {
		data[i] = 0xAA
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// SendUDP sends the MPEG-TS file at path in a loop over UDP to a port of
// 127.0.0.1 at its own pace (ffmpeg -re), as a network camera sends its
// stream, until the test ends, and returns the udp:// URL to read it from
// once its first datagram came: a reader opened then joins a stream under
// way, mostly inside a GOP.
func SendUDP(t testing.TB, path string) string {
	t.Helper()
	ff := lookPath(t, "ffmpeg")
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	url := "udp://" + pc.LocalAddr().String()
	cmd := exec.Command(ff, "-v", "error", "-re", "-stream_loop", "-1", "-i", path, "-c", "copy", "-f", "mpegts", url+"?pkt_size=1316")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	if err := pc.SetReadDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := pc.ReadFrom(make([]byte, 2048)); err != nil {
		t.Fatalf("ffmpeg sending %s to %s: nothing came: %v", path, url, err)
	}
	return url
}
