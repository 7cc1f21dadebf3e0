package export_test

import (
	"errors"
	"io"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/export"
)

// A JPEG stream (a USB camera's MJPEG, passed through) goes into an MP4 as
// H.264, as ffmpeg -i cam.avi cam.mp4 writes it: every picture, at its
// capture time, close to the JPEG it was, in a file that plays anywhere,
// saying what its colours are.
func TestMP4OfAJPEGStreamEncodesItsPicturesAsH264(t *testing.T) {
	rec := openRecording(t, makeRecording(t))
	path := filepath.Join(t.TempDir(), "jpeg.mp4")
	res, err := export.MP4(t.Context(), rec, jpegStream, time.Time{}, time.Time{}, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Encoded != media.JPEG || res.Frames != jpegFrames || res.Packets != jpegFrames || res.Skipped != 0 ||
		res.Duration != frameTime(jpegFrames-1).Sub(t0) || res.ParameterSetsChange {
		t.Errorf("result %+v", res)
	}
	wantRun(t, readMP4(t, path), 0, jpegFrames-1)
	times := readMP4Times(t, path)
	if d := times.media - time.Second; d < -time.Millisecond || d > time.Millisecond {
		t.Errorf("the track lasts %v, want the stream's 1s", times.media)
	}
	if syncs := readMP4SyncSamples(t, path); !slices.Equal(syncs, []int{1}) {
		t.Errorf("sync samples %v, want the first alone in 30 pictures", syncs)
	}
	// Its colours are the JPEGs', in the video range they were converted to.
	if got := testclip.Probe(t, path, "-show_entries", "stream=color_range,color_space"); !slices.Equal(got, []string{"tv,bt470bg"}) {
		t.Errorf("the H.264 stream says %q of its colours, want tv,bt470bg", got)
	}
}

// A picture that does not decode is left out and counted damaged; the rest
// are written.
func TestMP4OfAJPEGStreamSkipsAPictureThatDoesNotDecode(t *testing.T) {
	rec := openRecording(t, jpegRecording(t, 0, 10, testWidth, testHeight, 4))
	out := filepath.Join(t.TempDir(), "jpeg.mp4")
	res, err := export.MP4(t.Context(), rec, jpegStream, time.Time{}, time.Time{}, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != 9 || res.Skipped != 1 || res.Damaged != 1 {
		t.Errorf("result %+v, want 9 pictures and the one that does not decode skipped as damaged", res)
	}
	wantRun(t, readMP4(t, out), 0, 9, 4, 4)
}

// A JPEG camera that changed its picture size (its recording went on in a
// second file there) goes on in the same track, avc3, each size's keyframe
// carrying its SPS, as an H.264 stream's would.
func TestMP4OfAJPEGStreamThatChangesSize(t *testing.T) {
	recs := []*storage.Recording{
		openRecording(t, jpegRecording(t, 0, 5, testWidth, testHeight)),
		openRecording(t, jpegRecording(t, 5, 10, 2*testWidth, 2*testHeight)),
	}
	out := filepath.Join(t.TempDir(), "jpeg.mp4")
	res, err := export.MP4Files(t.Context(), recs, jpegStream, time.Time{}, time.Time{}, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := res.SizeChanges
	if res.Frames != 10 || !res.ParameterSetsChange || len(c) != 1 || !c[0].At.Equal(frameTime(5)) || c[0].Width != 2*testWidth ||
		c[0].Height != 2*testHeight {
		t.Errorf("result %+v, want 10 pictures and the size change at the sixth", res)
	}
	r, err := ffmpeg.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var sizes []int
	for {
		f, err := r.ReadFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, f.Width)
	}
	if !slices.Equal(sizes, []int{160, 160, 160, 160, 160, 320, 320, 320, 320, 320}) {
		t.Errorf("decoded widths %v", sizes)
	}
}

// Pictures of an odd width or height, which H.264's 4:2:0 cannot encode,
// lose their last column or row, and the result says so.
func TestMP4OfOddSizedJPEGsCropsThemToEvenSides(t *testing.T) {
	rec := openRecording(t, jpegRecording(t, 0, 5, 161, 121))
	out := filepath.Join(t.TempDir(), "jpeg.mp4")
	res, err := export.MP4(t.Context(), rec, jpegStream, time.Time{}, time.Time{}, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != 5 || !res.Cropped {
		t.Errorf("result %+v, want 5 pictures, cropped", res)
	}
	r, err := ffmpeg.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for n := 0; ; n++ {
		f, err := r.ReadFrame()
		if errors.Is(err, io.EOF) {
			if n != 5 {
				t.Errorf("%d pictures decode, want 5", n)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if f.Width != 160 || f.Height != 120 {
			t.Fatalf("picture %d is %dx%d, want 160x120", n, f.Width, f.Height)
		}
	}
}

// A stream of raw pictures is encoded as a JPEG one is.
func TestMP4OfARawStreamEncodesItsPictures(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.gopline")
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	info := storage.StreamInfo{Name: "/raw", Codec: media.Raw, Format: media.YUV420P, Width: testWidth, Height: testHeight}
	if err := rec.CreateStream(info); err != nil {
		t.Fatal(err)
	}
	p := testPattern(t)
	for i := range 10 {
		f := p.Frame(uint64(i))
		pkt := &media.Packet{Codec: media.Raw, Format: media.YUV420P, Data: f.AppendPacked(nil), Key: true, Seq: uint64(i), GOP: uint64(i),
			CaptureTime: frameTime(i), Width: testWidth, Height: testHeight}
		if err := rec.Append("/raw", pkt); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "raw.mp4")
	res, err := export.MP4(t.Context(), openRecording(t, path), "/raw", time.Time{}, time.Time{}, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Encoded != media.Raw || res.Frames != 10 {
		t.Errorf("result %+v", res)
	}
	wantRun(t, readMP4(t, out), 0, 9)
}

// jpegRecording records the test pattern's frames from to to (not
// included), at width x height, as JPEG packets of stream jpegStream, and
// returns the recording's path, closed; the frames in bad are recorded as
// bytes that are no JPEG.
func jpegRecording(t *testing.T, from, to, width, height int, bad ...int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cam.gopline")
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.CreateStream(storage.StreamInfo{Name: jpegStream, Codec: media.JPEG, Width: width, Height: height}); err != nil {
		t.Fatal(err)
	}
	p, err := testsrc.New(width, height)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := ffmpeg.NewJPEGEncoder(width, height)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	for i := from; i < to; i++ {
		f := p.Frame(uint64(i))
		f.CaptureTime = frameTime(i)
		pkt, err := enc.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		pkt.Seq, pkt.GOP = uint64(i), uint64(i)
		if slices.Contains(bad, i) {
			pkt.Data = []byte("not a picture")
		}
		if err := rec.Append(jpegStream, pkt); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
