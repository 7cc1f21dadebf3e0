package testclip

import (
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// MakeFields writes n pictures of size (WIDTHxHEIGHT, 320x240 if empty)
// whose two fields were taken a
// field time (1/50 s) apart, as an analog camera or a broadcast makes
// them: a white box moving 8 pixels a field across grey, at 50 frames/s
// woven two by two and coded as fields by libx264 (top field first), into
// a file named name in a temporary directory, with the further output
// options args, and returns its path. Woven, every vertical edge of the
// box combs. With progressive the same moving box is coded as frames at
// 25 frames/s instead.
func MakeFields(t testing.TB, name, size string, n int, progressive bool, args ...string) string {
	t.Helper()
	ff := lookPath(t, "ffmpeg")
	path := filepath.Join(t.TempDir(), name)
	if size == "" {
		size = "320x240"
	}
	cmd := []string{"-v", "error", "-f", "lavfi", "-i",
		"color=c=gray:size=" + size + ":rate=50[bg];color=c=white:size=40x120:rate=50[box];[bg][box]overlay=x='mod(t*400,280)':y=60"}
	if progressive {
		cmd = append(cmd, "-vf", "fps=25", "-c:v", "libx264")
	} else {
		cmd = append(cmd, "-vf", "tinterlace=mode=interleave_top,setfield=tff",
			"-c:v", "libx264", "-flags", "+ildct+ilme", "-x264opts", "interlaced=1:tff=1")
	}
	cmd = append(append(cmd, args...), "-frames:v", strconv.Itoa(n), "-y")
	ctx, cancel := context.WithTimeout(context.Background(), makeTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, ff, append(cmd, path)...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v: %s", cmd, err, out)
	}
	return path
}

// Combing sums, over a picture's first plane (rowBytes bytes in each of
// rows rows, stride bytes apart), how far each row lies from the mean of
// the rows above and below it: woven fields of a moving picture comb every
// edge that moved, and a progressive picture scores only its horizontal
// edges.
func Combing(plane []byte, stride, rowBytes, rows int) int {
	sum := 0
	for y := 1; y < rows-1; y++ {
		for x := range rowBytes {
			d := 2*int(plane[y*stride+x]) - int(plane[(y-1)*stride+x]) - int(plane[(y+1)*stride+x])
			sum += max(d, -d)
		}
	}
	return sum
}
