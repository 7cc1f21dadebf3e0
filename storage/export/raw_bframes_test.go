package export_test

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/storage/export"
)

// A raw H.264 file with B-frames has no timestamps: recorded passed through
// and exported, its MP4 has growing decode times and presentation times in
// the order the pictures are shown, so that every picture decodes, in its
// place and a frame apart.
func TestMP4OfARawBFrameRecordingShowsEveryPictureInOrder(t *testing.T) {
	const n, rate = 90, 30
	clip := testclip.Make(t, "raw.h264", n, rate, "-c:v", "libx264", "-bf", "2", "-g", "30", "-pix_fmt", "yuv420p")
	rec := openRecording(t, recordFile(t, clip))
	path := filepath.Join(t.TempDir(), "out.mp4")
	res, err := export.MP4(t.Context(), rec, camera, time.Time{}, time.Time{}, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != n || res.Skipped != 0 {
		t.Fatalf("result %+v, want %d frames", res, n)
	}

	pts, dts := testclip.Times(t, path, "packet", "pts_time"), testclip.Times(t, path, "packet", "dts_time")
	for i := range pts {
		if pts[i] < dts[i] || (i > 0 && dts[i] <= dts[i-1]) {
			t.Fatalf("packet %d: pts %v, dts %v after %v", i, pts[i], dts[i], dts[max(i-1, 0)])
		}
	}
	shown := testclip.Times(t, path, "frame", "best_effort_timestamp_time")
	if len(shown) != n {
		t.Fatalf("ffprobe decodes %d pictures, want %d", len(shown), n)
	}
	for k, at := range shown {
		if want := shown[0] + time.Duration(k)*time.Second/rate; at-want > time.Millisecond || want-at > time.Millisecond {
			t.Fatalf("picture %d shown at %v, want %v", k, at, want)
		}
	}
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("the ffmpeg command is not installed")
	}
	if out, err := exec.Command(ff, "-v", "warning", "-i", path, "-f", "null", "-").CombinedOutput(); err != nil || len(out) > 0 {
		t.Fatalf("ffmpeg decoding the MP4: %v: %s", err, out)
	}

	source, exported := sourcePictures(t, clip), sourcePictures(t, path)
	if len(exported) != n || len(source) != n {
		t.Fatalf("%d pictures exported, %d in the source; want %d", len(exported), len(source), n)
	}
	for k := range exported {
		own := imageDistance(exported[k], source[k])
		for _, m := range []int{k - 1, k + 1} {
			if m >= 0 && m < n && imageDistance(exported[k], source[m]) <= own {
				t.Fatalf("exported picture %d is as near source picture %d (%v) as its own (%v)", k, m,
					imageDistance(exported[k], source[m]), own)
			}
		}
	}
}
