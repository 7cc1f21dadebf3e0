package export_test

import (
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/export"
)

// recordClip makes a B-frame H.264 MP4 with the ffmpeg command, records it
// passed through, and returns the clip and the recording.
func recordClip(t *testing.T, frames int) (clip, recording string) {
	t.Helper()
	clip = testclip.Make(t, "bframes.mp4", frames, 25, "-c:v", "libx264", "-bf", "3", "-g", "25", "-pix_fmt", "yuv420p")
	return clip, recordFile(t, clip)
}

// recordFile records the H.264 video of a file passed through, as stream
// camera captured from t0, and returns the recording's path.
func recordFile(t *testing.T, clip string) (recording string) {
	t.Helper()
	r, err := ffmpeg.OpenReader(clip, ffmpeg.WithPassthrough(), ffmpeg.WithClock(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	recording = filepath.Join(t.TempDir(), "cam.gopline")
	rec, err := storage.Open(recording)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	if err := rec.CreateStream(storage.StreamInfo{Name: camera, Codec: media.H264, Width: 160, Height: 120}); err != nil {
		t.Fatal(err)
	}
	for {
		p, err := r.ReadPacket()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.Append(camera, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return recording
}

// probePackets returns the pts and dts of path's video packets, in
// milliseconds after the first packet's pts, as ffprobe prints them.
func probePackets(t *testing.T, path string) []string {
	t.Helper()
	pts, dts := testclip.Times(t, path, "packet", "pts_time"), testclip.Times(t, path, "packet", "dts_time")
	var got []string
	for i := range pts {
		got = append(got, fmt.Sprintf("%d/%d", (pts[i]-pts[0]).Milliseconds(), (dts[i]-pts[0]).Milliseconds()))
	}
	return got
}

// A recording of a B-frame stream keeps every packet with its decode and
// presentation time: the exported MP4's packets have the source's pts and
// dts, and play every picture.
func TestMP4OfABFrameRecordingHasTheSourcesTimes(t *testing.T) {
	clip, recording := recordClip(t, 60)
	rec := openRecording(t, recording)
	path := filepath.Join(t.TempDir(), "out.mp4")
	res, err := export.MP4(t.Context(), rec, camera, time.Time{}, time.Time{}, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != 60 || res.Skipped != 0 {
		t.Fatalf("result %+v, want 60 frames", res)
	}
	want, got := probePackets(t, clip), probePackets(t, path)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("exported packets (pts/dts)\n%v\nsource's\n%v", got, want)
	}
}

// A range ends at the first packet decoded at its end: every picture
// captured before the end is in it, though the packets of a B-frame stream
// are not in the order of their capture times.
func TestRangeOfABFrameRecordingHoldsEveryPictureBeforeItsEnd(t *testing.T) {
	_, recording := recordClip(t, 40)
	rec := openRecording(t, recording)
	end := t0.Add(20 * time.Second / 25) // pictures 0 to 19
	cur, err := rec.Range(camera, t0, end)
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close()
	seen := map[int64]bool{}
	for {
		p, err := cur.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		seen[p.CaptureTime.UnixNano()] = true
	}
	for i := range 20 {
		if at := t0.Add(time.Duration(i) * time.Second / 25); !seen[at.UnixNano()] {
			t.Fatalf("picture %d captured at +%v is not in the range", i, at.Sub(t0))
		}
	}
}

// PNG at an instant of a B-frame recording shows the picture captured at or
// before it, though pictures are decoded out of that order: each matches
// the one ffmpeg decodes from the source better than its neighbours do.
func TestPNGOfABFrameRecordingShowsThePictureAtEachTime(t *testing.T) {
	clip, recording := recordClip(t, 30)
	rec := openRecording(t, recording)
	picks := []int{2, 3, 5, 13, 28}
	var times []time.Time
	for _, k := range picks {
		times = append(times, t0.Add(time.Duration(k)*time.Second/25+10*time.Millisecond))
	}
	paths, err := export.PNG(t.Context(), rec, camera, times, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	source := sourcePictures(t, clip)
	for i, k := range picks {
		got := readPNG(t, paths[i])
		own := imageDistance(got, source[k])
		for _, n := range []int{k - 1, k + 1} {
			if n >= 0 && n < len(source) && imageDistance(got, source[n]) <= own {
				t.Fatalf("PNG at picture %d's time is as near picture %d (%v) as its own (%v)", k, n, imageDistance(got, source[n]), own)
			}
		}
	}
}

// sourcePictures decodes clip's pictures with the ffmpeg command.
func sourcePictures(t *testing.T, clip string) []*media.Frame {
	t.Helper()
	dir := t.TempDir()
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("the ffmpeg command is not installed")
	}
	if out, err := exec.Command(ff, "-v", "error", "-i", clip, filepath.Join(dir, "%03d.png")).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	var pics []*media.Frame
	for i := 1; ; i++ {
		path := filepath.Join(dir, fmt.Sprintf("%03d.png", i))
		if _, err := os.Stat(path); err != nil {
			return pics
		}
		pics = append(pics, readPNG(t, path))
	}
}

// imageDistance is the mean absolute difference of two pictures' luma.
func imageDistance(a, b *media.Frame) float64 {
	var sum, n float64
	for y := range min(a.Height, b.Height) {
		for x := range min(a.Width, b.Width) {
			sum += math.Abs(float64(a.Planes[0][y*a.Strides[0]+x]) - float64(b.Planes[0][y*b.Strides[0]+x]))
			n++
		}
	}
	return sum / n
}

// An MCAP of a B-frame recording logs every packet in decode order, with
// growing log times, each message stamped with its picture's time.
func TestMCAPOfABFrameRecordingLogsInDecodeOrder(t *testing.T) {
	_, recording := recordClip(t, 30)
	rec := openRecording(t, recording)
	path := filepath.Join(t.TempDir(), "out.mcap")
	res, err := export.MCAP(t.Context(), rec, camera, time.Time{}, time.Time{}, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != 30 || res.Duration != 29*time.Second/25 {
		t.Fatalf("result %+v, want 30 frames over 1.16 s", res)
	}
	// Foxglove's CompressedVideo plays no B-frames: the export says which
	// streams have them.
	if len(res.Reordered) != 1 || res.Reordered[0] != camera {
		t.Errorf("reordered streams %v, want %s", res.Reordered, camera)
	}
	f := readMCAP(t, path) // in log time order
	cur, err := rec.Seek(camera, t0)
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close()
	for i, m := range f.messages {
		p, err := cur.Next()
		if err != nil {
			t.Fatal(err)
		}
		if got := time.Unix(m.Timestamp.Sec, m.Timestamp.Nsec); !got.Equal(p.CaptureTime) {
			t.Fatalf("message %d in log time order stamped %v, packet %d of the recording %v", i, got.Sub(t0), i, p.CaptureTime.Sub(t0))
		}
	}
}

// The picture at a B-frame stream's first instant decodes, though the
// stream's first packet, passed through from an MKV, has no composition
// offset and the decoder holds its picture back until more packets come.
func TestPNGAtTheFirstInstantOfAnMKVWithBFrames(t *testing.T) {
	clip := testclip.Make(t, "bframes.mkv", 30, 25, "-c:v", "libx264", "-bf", "3", "-g", "25", "-pix_fmt", "yuv420p")
	rec := openRecording(t, recordFile(t, clip))
	first, err := rec.First(camera)
	if err != nil {
		t.Fatal(err)
	}
	source := sourcePictures(t, clip)
	path := filepath.Join(t.TempDir(), "first.png")
	if err := export.PNGFile(t.Context(), rec, camera, first, path); err != nil {
		t.Fatal(err)
	}
	got := readPNG(t, path)
	if own, next := imageDistance(got, source[0]), imageDistance(got, source[1]); own >= next {
		t.Fatalf("the picture at the first instant is as near picture 1 (%v) as picture 0 (%v)", next, own)
	}
}
