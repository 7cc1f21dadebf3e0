package ffmpeg

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/internal/testclip"
)

// An MPEG-TS file with garbage in it, passed through: the access units the
// demuxer flags as damaged are left out (Undecodable), and so are those
// after them until the next keyframe (Damaged), as a strict decoding Reader
// leaves their pictures out; everything handed on decodes without an error.
// They had been handed on, and recorded, as whole pictures. FFmpeg flags
// some damaged units only (its parser passes the flag on with whichever
// unit it emits then): a damaged keyframe it did not flag is found by
// decoding it after the GOP before it (at a third of this clip the garbage
// reaches into the second keyframe, which FFmpeg 5.1.9 did not flag, and
// its GOP is left out). Garbage that takes out only whole pictures no other
// refers to (at 0.45 here) leaves nothing to find. Whatever the damage, a
// GOP's worth is handed on, before it or after it.
func TestPassthroughLeavesOutWhatTheDemuxerFoundDamaged(t *testing.T) {
	clip := testclip.Make(t, "whole.ts", 100, 25, "-c:v", "libx264", "-bf", "3", "-g", "50", "-pix_fmt", "yuv420p")
	counted := 0
	for _, at := range []float64{0.2, 1.0 / 3, 0.45, 0.7} {
		whole, err := os.ReadFile(clip)
		if err != nil {
			t.Fatal(err)
		}
		from := int(float64(len(whole)) * at)
		for i := from; i < from+3000; i++ {
			whole[i] = byte(i * 131)
		}
		damaged := filepath.Join(t.TempDir(), "damaged.ts")
		if err := os.WriteFile(damaged, whole, 0o644); err != nil {
			t.Fatal(err)
		}
		r := mustReader(t, damaged, WithPassthrough())
		d := mustDecoder(t)
		handed := 0
		for {
			p, err := r.ReadPacket()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			handed++
			if _, err := d.Decode(p); errors.Is(err, codecs.ErrCorrupt) || errors.Is(err, codecs.ErrNeedKeyframe) {
				t.Errorf("garbage at byte %d: seq %d (key %v) was handed on, and does not decode: %v", from, p.Seq, p.Key, err)
			}
		}
		st := r.Stats()
		if st.Damage() > 0 {
			counted++
		}
		if handed+st.Damage() > 100 || handed < 30 {
			t.Errorf("garbage at byte %d: %d of 100 access units handed on, %s; want the damaged left out and counted, and those after them until the next keyframe",
				from, handed, st)
		}
	}
	if counted < 2 {
		t.Errorf("damage was counted at %d of the 4 places, want at least 2", counted)
	}
}

// A sequence of JPEG images (or an MJPEG camera) whose picture size
// changes passes through with each picture's own size, as its header
// gives it, so that a recorder goes on in a new file as it does for
// H.264; every picture had the first's size, and the recording called the
// larger ones damaged.
func TestPassthroughGivesEachJPEGItsOwnSize(t *testing.T) {
	dir := t.TempDir()
	ffmpegCLI(t, "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10", "-frames:v", "3", filepath.Join(dir, "img%04d.jpg"))
	ffmpegCLI(t, "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x480:rate=10", "-frames:v", "3", "-start_number", "4", filepath.Join(dir, "img%04d.jpg"))
	pkts, _ := passPackets(t, filepath.Join(dir, "img%04d.jpg"))
	if len(pkts) != 6 {
		t.Fatalf("%d pictures, want 6", len(pkts))
	}
	for i, p := range pkts {
		w, h := 320, 240
		if i >= 3 {
			w, h = 640, 480
		}
		if p.Width != w || p.Height != h {
			t.Errorf("picture %d is %dx%d, want %dx%d", i, p.Width, p.Height, w, h)
		}
	}
}
