//go:build unix

package export_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/export"
)

// Foxglove decodes only 4:2:0 8-bit H.264: an MCAP export says which of
// its streams are in another format, and which one, while writing them as
// they are.
func TestMCAPNamesStreamsFoxgloveDoesNotDecode(t *testing.T) {
	for _, c := range []struct {
		pixels  string
		profile uint8 // 0: a format Foxglove decodes
		chroma  uint32
	}{
		{"yuv420p", 0, 1},
		{"yuv444p", 244, 3},
		{"yuv422p", 122, 2},
	} {
		t.Run(c.pixels, func(t *testing.T) {
			clip := testclip.Make(t, c.pixels+".mp4", 10, 25, "-c:v", "libx264", "-bf", "0", "-g", "5", "-pix_fmt", c.pixels)
			rec := openRecording(t, recordFile(t, clip))
			path := filepath.Join(t.TempDir(), "out.mcap")
			res, err := export.MCAP(t.Context(), rec, camera, time.Time{}, time.Time{}, path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Frames != 10 || len(readMCAP(t, path).messages) != 10 {
				t.Fatalf("result %+v, want the 10 frames written", res)
			}
			if c.profile == 0 {
				if len(res.Undecodable) != 0 {
					t.Fatalf("undecodable %+v, want none for %s", res.Undecodable, c.pixels)
				}
				return
			}
			if len(res.Undecodable) != 1 {
				t.Fatalf("undecodable %+v, want %s named", res.Undecodable, camera)
			}
			u := res.Undecodable[0]
			if u.Stream != camera || u.Format.ProfileIDC != c.profile || u.Format.ChromaFormatIDC != c.chroma || u.Format.BrowserDecodable() {
				t.Errorf("undecodable %+v (%s), want %s in profile %d, chroma_format_idc %d", u, u.Format, camera, c.profile, c.chroma)
			}
		})
	}
}

// An export is written through a temporary file renamed into place: to a
// path where a device or a named pipe is (a link to /dev/null, /dev/stdout),
// it is refused before anything is written, and what is there stays.
func TestExportToADeviceOrAPipeIsRefused(t *testing.T) {
	rec := openRecording(t, recordFile(t, testclip.Make(t, "c.mp4", 5, 25, "-c:v", "libx264", "-pix_fmt", "yuv420p")))
	dir := t.TempDir()
	link := filepath.Join(dir, "null.mp4")
	if err := os.Symlink(os.DevNull, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "pipe.mcap")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, says string
		export     func(path string) error
	}{
		{link, "is a character device", func(path string) error {
			_, err := export.MP4(t.Context(), rec, camera, time.Time{}, time.Time{}, path, nil)
			return err
		}},
		{fifo, "is a named pipe (FIFO)", func(path string) error {
			_, err := export.MCAP(t.Context(), rec, camera, time.Time{}, time.Time{}, path, nil)
			return err
		}},
	} {
		before, _ := os.Lstat(c.path)
		if err := c.export(c.path); !errors.Is(err, storage.ErrNotAFile) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("export to %s: %v, want an error wrapping storage.ErrNotAFile saying %q", c.path, err, c.says)
		}
		if after, err := os.Lstat(c.path); err != nil || after.Mode() != before.Mode() {
			t.Errorf("%s is not left as it was: %v, %v", c.path, after, err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// An export to a symbolic link writes through it, as ffmpeg -y and cp do:
// the link stays, and the file it names, there or not yet, holds the
// export.
func TestAnExportToALinkWritesThroughIt(t *testing.T) {
	rec := openRecording(t, makeRecording(t, 0))
	dir := t.TempDir()
	exports := filepath.Join(dir, "exports")
	if err := os.Mkdir(exports, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(exports, "cam.mp4"), []byte("earlier export"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		link, to, magic string
		export          func(path string) error
	}{
		{"latest.mp4", "exports/cam.mp4", "ftyp", func(path string) error {
			_, err := export.MP4(t.Context(), rec, camera, time.Time{}, time.Time{}, path, nil)
			return err
		}},
		{"latest.mcap", "exports/new.mcap", "\x89MCAP", func(path string) error { // dangling until now
			_, err := export.MCAP(t.Context(), rec, camera, time.Time{}, time.Time{}, path, nil)
			return err
		}},
	} {
		link := filepath.Join(dir, c.link)
		if err := os.Symlink(c.to, link); err != nil {
			t.Fatal(err)
		}
		if err := c.export(link); err != nil {
			t.Fatalf("export to %s: %v", c.link, err)
		}
		if to, err := os.Readlink(link); err != nil || to != c.to {
			t.Errorf("%s is no longer a link to %s: %q, %v", c.link, c.to, to, err)
		}
		if b, err := os.ReadFile(filepath.Join(dir, c.to)); err != nil || !strings.Contains(string(b[:min(len(b), 16)]), c.magic) {
			t.Errorf("%s does not hold the export: %.16q, %v", c.to, b, err)
		}
	}
	noTempFiles(t, dir)
	noTempFiles(t, exports)
}

// A PNG of a 4:2:2 or 4:4:4 recording keeps its chroma: the picture is
// ffmpeg's own PNG of the clip's first frame, pixel for pixel (within a
// step of rounding), as it is for 4:2:0.
func TestPNGIsTheSamePictureAsFFmpegsInEveryChromaFormat(t *testing.T) {
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("the ffmpeg command is not installed")
	}
	for _, pixels := range []string{"yuv420p", "yuv422p", "yuv444p"} {
		clip := testclip.Make(t, pixels+".mp4", 5, 25, "-c:v", "libx264", "-bf", "0", "-pix_fmt", pixels)
		rec := openRecording(t, recordFile(t, clip))
		paths, err := export.PNG(t.Context(), rec, camera, []time.Time{t0}, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		ref := filepath.Join(t.TempDir(), "ref.png")
		if out, err := exec.Command(ff, "-v", "error", "-i", clip, "-frames:v", "1", ref).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v: %s", err, out)
		}
		got, want := decodePNG(t, paths[0]), decodePNG(t, ref)
		worst := 0
		for y := want.Bounds().Min.Y; y < want.Bounds().Max.Y; y++ {
			for x := want.Bounds().Min.X; x < want.Bounds().Max.X; x++ {
				r1, g1, b1, _ := got.At(x, y).RGBA()
				r2, g2, b2, _ := want.At(x, y).RGBA()
				for _, d := range []int{int(r1>>8) - int(r2>>8), int(g1>>8) - int(g2>>8), int(b1>>8) - int(b2>>8)} {
					worst = max(worst, d, -d)
				}
			}
		}
		if got.Bounds() != want.Bounds() || worst > 2 {
			t.Errorf("%s: %v against ffmpeg's %v, a sample off by up to %d", pixels, got.Bounds(), want.Bounds(), worst)
		}
	}
}
