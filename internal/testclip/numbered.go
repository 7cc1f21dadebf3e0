package testclip

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gopline/gopline/media/testsrc"
)

// MakeNumbered writes frames 0..n-1 of gopline's test pattern (320x240, 30
// frames/s), each carrying its frame number (testsrc.ReadFrameNumber),
// through the ffmpeg command with the output options args into a file
// named name in a temporary directory, and returns its path: a clip whose
// pictures say which frame they are, whatever order a codec stores them in.
func MakeNumbered(t testing.TB, name string, n int, args ...string) string {
	t.Helper()
	ff := lookPath(t, "ffmpeg")
	p, err := testsrc.New(320, 240)
	if err != nil {
		t.Fatal(err)
	}
	var y4m bytes.Buffer
	fmt.Fprintf(&y4m, "YUV4MPEG2 W%d H%d F30:1 Ip A1:1 C420jpeg\n", p.Width(), p.Height())
	for i := range n {
		y4m.WriteString("FRAME\n")
		y4m.Write(p.Frame(uint64(i)).AppendPacked(nil))
	}
	dir := t.TempDir()
	raw := filepath.Join(dir, "numbered.y4m")
	if err := os.WriteFile(raw, y4m.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	cmd := append([]string{"-v", "error", "-i", raw}, args...)
	if out, err := exec.Command(ff, append(cmd, path)...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v: %s", cmd, err, out)
	}
	return path
}
