package export_test

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/storage/export"
)

// noIDRClips are camera streams whose keyframes after the first are
// recovery points, not IDRs: 100 pictures at 25 fps, a keyframe a second.
var noIDRClips = []struct{ name, params string }{
	{"intra refresh", "keyint=25:intra-refresh=1:bframes=0"},
	{"open GOP", "keyint=25:open-gop=1:bframes=3:b-pyramid=normal"},
}

// recordNoIDRClip makes a clip of params as a camera streams it (MPEG-TS),
// records it passed through, and returns the clip and the recording.
func recordNoIDRClip(t *testing.T, params string) (clip, recording string) {
	t.Helper()
	clip = testclip.Make(t, "camera.ts", 100, 25, "-c:v", "libx264", "-x264-params", params, "-f", "mpegts")
	return clip, recordFile(t, clip)
}

// The recording of a camera that sends recovery points instead of IDRs
// indexes a GOP at each of them, and a seek lands on them.
func TestRecordingIndexesRecoveryPointsAsKeyframes(t *testing.T) {
	for _, c := range noIDRClips {
		t.Run(c.name, func(t *testing.T) {
			_, recording := recordNoIDRClip(t, c.params)
			rec := openRecording(t, recording)
			st, err := rec.Stats(camera)
			if err != nil {
				t.Fatal(err)
			}
			if st.GOPs != 4 {
				t.Fatalf("%d GOPs, want 4 (an IDR and 3 recovery points)", st.GOPs)
			}
			cur, err := rec.Seek(camera, t0.Add(2*time.Second+100*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			defer cur.Close()
			key, err := cur.Next()
			if err != nil {
				t.Fatal(err)
			}
			nalus, err := h264.SplitAnnexB(key.Data)
			if err != nil {
				t.Fatal(err)
			}
			if a := h264.AccessOf(nalus); !key.Key || a != h264.AccessRecoveryPoint || !key.CaptureTime.Equal(t0.Add(2*time.Second)) {
				t.Fatalf("seek to 2.1 s starts at a packet captured at %v, Key %v, %v; want the recovery point at 2 s",
					key.CaptureTime.Sub(t0), key.Key, a)
			}
		})
	}
}

// PNG shows the picture captured at any time of such a recording, also
// within an intra refresh's sweep after a recovery point and at an open
// GOP's leading pictures: each matches the one ffmpeg decodes from the
// source better than its neighbours do.
func TestPNGOfARecoveryPointRecordingShowsThePictureAtEachTime(t *testing.T) {
	for _, c := range noIDRClips {
		t.Run(c.name, func(t *testing.T) {
			clip, recording := recordNoIDRClip(t, c.params)
			rec := openRecording(t, recording)
			source := sourcePictures(t, clip)
			for _, k := range []int{24, 25, 26, 30, 49, 50, 51, 53, 70, 98} {
				// One call per time: each decodes afresh from its keyframe.
				at := t0.Add(time.Duration(k)*time.Second/25 + 10*time.Millisecond)
				paths, err := export.PNG(t.Context(), rec, camera, []time.Time{at}, t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				got := readPNG(t, paths[0])
				own := imageDistance(got, source[k])
				for _, n := range []int{k - 1, k + 1} {
					if d := imageDistance(got, source[n]); d <= own {
						t.Errorf("PNG at picture %d's time is as near picture %d (%v) as its own (%v)", k, n, d, own)
					}
				}
			}
		})
	}
}

// An MP4 exported from the middle of such a recording starts at the
// recovery point before its start and plays without a decoding error.
func TestMP4OfARecoveryPointRecordingPlaysFromARecoveryPoint(t *testing.T) {
	for _, c := range noIDRClips {
		t.Run(c.name, func(t *testing.T) {
			_, recording := recordNoIDRClip(t, c.params)
			rec := openRecording(t, recording)
			path := filepath.Join(t.TempDir(), "out.mp4")
			res, err := export.MP4(t.Context(), rec, camera, t0.Add(2*time.Second+100*time.Millisecond), time.Time{}, path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Frames < 50 || res.Skipped != 0 || res.Damaged != 0 {
				t.Fatalf("result %+v, want the 50 or so packets from the recovery point at 2 s", res)
			}
			ff, err := exec.LookPath("ffmpeg")
			if err != nil {
				t.Skip("the ffmpeg command is not installed")
			}
			out, err := exec.Command(ff, "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != "" {
				t.Fatalf("ffmpeg decoding the export: %v: %s", err, out)
			}
			if n := testclip.FrameCount(t, path); n < 40 {
				t.Fatalf("the export plays %d pictures, want 40 or more of its %d", n, res.Frames)
			}
		})
	}
}

// An MP4 of a whole such recording marks each recovery point a sync
// sample (stss), as it does the IDR, so that players seek to it, and
// ffmpeg plays the file from a seek past one without a decoding error.
func TestMP4OfARecoveryPointRecordingMarksItsRecoveryPointsSyncSamples(t *testing.T) {
	for _, c := range noIDRClips {
		t.Run(c.name, func(t *testing.T) {
			_, recording := recordNoIDRClip(t, c.params)
			rec := openRecording(t, recording)
			path := filepath.Join(t.TempDir(), "out.mp4")
			if _, err := export.MP4(t.Context(), rec, camera, time.Time{}, time.Time{}, path, nil); err != nil {
				t.Fatal(err)
			}
			// ffprobe's parser finds the IDR and the recovery points in the
			// samples, in decode order.
			var want []int
			for i, l := range testclip.Probe(t, path, "-show_entries", "packet=flags") {
				if strings.HasPrefix(l, "K") {
					want = append(want, i+1)
				}
			}
			if got := readMP4SyncSamples(t, path); len(want) != 4 || !slices.Equal(got, want) {
				t.Errorf("sync samples %v, want %v: the IDR and the 3 recovery points", got, want)
			}
			ff, err := exec.LookPath("ffmpeg")
			if err != nil {
				t.Skip("the ffmpeg command is not installed")
			}
			cmd := exec.Command(ff, "-v", "error", "-ss", "2.1", "-i", path, "-f", "framemd5", "-")
			var errOut strings.Builder
			cmd.Stderr = &errOut
			out, err := cmd.Output()
			frames := 0
			for _, l := range strings.Split(string(out), "\n") {
				if l != "" && !strings.HasPrefix(l, "#") {
					frames++
				}
			}
			// 2.1 s to 4 s holds 47 pictures; an intra refresh shows its
			// first once the sweep after the recovery point at 2 s is done.
			if err != nil || errOut.Len() > 0 || frames < 40 || frames > 48 {
				t.Errorf("ffmpeg -ss 2.1: %v, %q, %d pictures; want no error and 40 to 48 pictures", err, errOut.String(), frames)
			}
		})
	}
}
