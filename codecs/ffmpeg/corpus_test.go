package ffmpeg

import (
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopline/gopline/media"
)

// The corpus of these tests is made by the ffmpeg command in each test, from
// FFmpeg's own test pattern: small clips of the kinds that third-party
// files are (B-frames, packed B-frames, variable frame rate), never
// committed.

// makeClip runs ffmpeg on a test pattern of n frames at rate frames/s and
// returns the file it wrote; args are the output options.
func makeClip(t *testing.T, name string, n, rate int, args ...string) string {
	t.Helper()
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("the ffmpeg command is not installed (make deps installs it)")
	}
	path := filepath.Join(t.TempDir(), name)
	cmd := append([]string{"-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=" + strconv.Itoa(rate),
		"-frames:v", strconv.Itoa(n)}, args...)
	out, err := exec.Command(ff, append(cmd, path)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg %v: %v: %s", cmd, err, out)
	}
	return path
}

// ffprobe runs ffprobe on the first video stream of path with args and
// returns its output's lines.
func ffprobe(t *testing.T, path string, args ...string) []string {
	t.Helper()
	probe, err := exec.LookPath("ffprobe")
	if err != nil {
		t.Skip("the ffprobe command is not installed (make deps installs it)")
	}
	cmd := append([]string{"-v", "error", "-select_streams", "v:0", "-of", "csv=p=0"}, args...)
	out, err := exec.Command(probe, append(cmd, path)...).Output()
	if err != nil {
		t.Fatalf("ffprobe %v: %v", cmd, err)
	}
	return strings.Fields(strings.TrimSpace(string(out)))
}

// probeFrames returns how many pictures ffprobe decodes from path.
func probeFrames(t *testing.T, path string) int {
	t.Helper()
	lines := ffprobe(t, path, "-count_frames", "-show_entries", "stream=nb_read_frames")
	n, err := strconv.Atoi(strings.Trim(lines[0], ","))
	if err != nil {
		t.Fatalf("ffprobe frame count %q: %v", lines, err)
	}
	return n
}

// decodeAll decodes pkts in order, then flushes, and returns the pictures.
func decodeAll(t *testing.T, d *Decoder, pkts []*media.Packet) []*media.Frame {
	t.Helper()
	var out []*media.Frame
	for _, p := range pkts {
		frames, err := d.Decode(p)
		if err != nil {
			t.Fatalf("decode seq %d: %v", p.Seq, err)
		}
		out = append(out, frames...)
	}
	frames, err := d.Flush()
	if err != nil {
		t.Fatalf("flush: %v", err)
	}
	return append(out, frames...)
}

func readPackets(t *testing.T, path string) []*media.Packet {
	t.Helper()
	r := mustReader(t, path, WithPassthrough())
	var pkts []*media.Packet
	for {
		p, err := r.ReadPacket()
		if err == io.EOF {
			return pkts
		}
		if err != nil {
			t.Fatalf("packet %d: %v", len(pkts), err)
		}
		pkts = append(pkts, p)
	}
}

// A stream with B-frames, passed through and decoded, gives every picture
// ffprobe finds, in presentation order: the decoder's Flush gives out the
// pictures it held back at the end.
func TestPassthroughBFramesDecodeEveryPicture(t *testing.T) {
	for _, name := range []string{"bframes.mp4", "bframes.mkv"} {
		t.Run(name, func(t *testing.T) {
			clip := makeClip(t, name, 50, 25, "-c:v", "libx264", "-bf", "3", "-g", "24", "-pix_fmt", "yuv420p")
			pkts := readPackets(t, clip)
			frames := decodeAll(t, mustDecoder(t), pkts)
			if want := probeFrames(t, clip); len(frames) != want || len(pkts) != want {
				t.Fatalf("%d packets, %d pictures; ffprobe decodes %d", len(pkts), len(frames), want)
			}
			for i := 1; i < len(frames); i++ {
				if !frames[i].CaptureTime.After(frames[i-1].CaptureTime) {
					t.Fatalf("picture %d at %v, not after picture %d at %v", i, frames[i].CaptureTime, i-1, frames[i-1].CaptureTime)
				}
			}
		})
	}
}

// A new Epoch drains the pictures of the old stream before its keyframe, so
// that a restarted stream loses none.
func TestNewEpochDrainsTheOldStream(t *testing.T) {
	clip := makeClip(t, "bframes.mp4", 30, 25, "-c:v", "libx264", "-bf", "2", "-g", "30", "-pix_fmt", "yuv420p")
	pkts := readPackets(t, clip)
	d := mustDecoder(t)
	var n int
	for _, p := range pkts {
		frames, err := d.Decode(p)
		if err != nil {
			t.Fatal(err)
		}
		n += len(frames)
	}
	restarted := *pkts[0]
	restarted.Epoch++
	frames, err := d.Decode(&restarted)
	if err != nil {
		t.Fatal(err)
	}
	if n+len(frames) < len(pkts) {
		t.Fatalf("%d pictures of %d before the new epoch's first", n+len(frames), len(pkts))
	}
	rest, err := d.Flush()
	if err != nil {
		t.Fatal(err)
	}
	if total := n + len(frames) + len(rest); total != len(pkts)+1 {
		t.Fatalf("%d pictures of %d packets", total, len(pkts)+1)
	}
}
