package export_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testclip"
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
