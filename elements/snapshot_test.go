package elements

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
)

// The snapshots of a B-frame stream are named in the order the frames were
// shot, not in the order their packets were stored: each file shows the
// frame its name says.
func TestSnapshotsOfBFramesAreNamedAsShot(t *testing.T) {
	const n = 24
	clip := testclip.MakeNumbered(t, "bframes.mp4", n, "-c:v", "libx264", "-bf", "2", "-g", "12", "-pix_fmt", "yuv420p")
	dir := t.TempDir()
	runToEnd(t, mustParse(t, "videosrc location="+clip+" passthrough=true ! h264dec ! snapshot name=snap every=1 dir="+dir, nil))
	for i := range n {
		path := filepath.Join(dir, fmt.Sprintf("snap-%06d.png", i))
		file, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(file)
		file.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		f, err := media.FrameFromImage(img, media.RGB24)
		if err != nil {
			t.Fatal(err)
		}
		if shown, ok := testsrc.ReadFrameNumber(f); !ok || shown != uint64(i) {
			t.Fatalf("%s shows frame %d (readable: %v)", filepath.Base(path), shown, ok)
		}
	}
}
