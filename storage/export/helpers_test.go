package export_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/storage"
)

func TestMain(m *testing.M) {
	ffmpeg.SetLogger(zerolog.New(os.Stderr).Level(zerolog.ErrorLevel), zerolog.ErrorLevel)
	os.Exit(m.Run())
}

// The test recording: a 3 s H.264 stream at 30 fps with a keyframe every
// second, and a 1 s JPEG stream that starts with it.
const (
	testWidth, testHeight = 160, 120
	fps                   = 30
	h264Frames            = 90
	gop                   = 30
	jpegFrames            = 30
	camera                = "/camera"
	jpegStream            = "/jpeg"
)

// t0 is the capture time of the first frame of both streams.
var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// frameTime is the capture time of frame n.
func frameTime(n int) time.Time { return t0.Add(time.Duration(n) * time.Second / fps) }

func testPattern(t testing.TB) *testsrc.Pattern {
	t.Helper()
	p, err := testsrc.New(testWidth, testHeight)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// makeRecording writes the test recording into t.TempDir() and returns its
// path, closed. damage lists H.264 packet indexes whose record is then
// corrupted.
func makeRecording(t testing.TB, damage ...uint64) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cam.gopline")
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	p := testPattern(t)
	for _, s := range []storage.StreamInfo{
		{Name: camera, Codec: media.H264, Width: testWidth, Height: testHeight, Source: "testsrc"},
		{Name: jpegStream, Codec: media.JPEG, Width: testWidth, Height: testHeight},
	} {
		if err := rec.CreateStream(s); err != nil {
			t.Fatal(err)
		}
	}
	enc, err := ffmpeg.NewH264Encoder(testWidth, testHeight, ffmpeg.WithGOP(gop), ffmpeg.WithFrameRate(fps))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	jenc, err := ffmpeg.NewJPEGEncoder(testWidth, testHeight)
	if err != nil {
		t.Fatal(err)
	}
	defer jenc.Close()
	var damaged [][]byte
	for i := range h264Frames {
		f := p.Frame(uint64(i))
		f.CaptureTime = frameTime(i)
		pkt, err := enc.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		if pkt.Key != (i%gop == 0) {
			t.Fatalf("packet %d: key %v with a GOP of %d", i, pkt.Key, gop)
		}
		if err := rec.Append(camera, pkt); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(damage, uint64(i)) {
			damaged = append(damaged, pkt.Data)
		}
		if i < jpegFrames {
			jp, err := jenc.Encode(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := rec.Append(jpegStream, jp); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if len(damage) > 0 {
		corrupt(t, path, damaged...)
	}
	return path
}

// corrupt damages the records holding the given packets' data by flipping
// a byte of every copy of its tail in the file, so that the records fail
// their checksum. It goes through the file's bytes rather than its layout:
// the data is stored as it came, and bbolt does not check its data pages.
func corrupt(t testing.TB, path string, packets ...[]byte) {
	t.Helper()
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, data := range packets {
		tail := data[len(data)-16:]
		found := 0
		for off := 0; ; {
			j := bytes.Index(file[off:], tail)
			if j < 0 {
				break
			}
			file[off+j+8] ^= 0xff
			off += j + len(tail)
			found++
		}
		if found == 0 {
			t.Fatalf("packet %d: its data is not in the file", i)
		}
	}
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
}

// openRecording opens a recording read-only and closes it when the test
// ends.
func openRecording(t testing.TB, path string) *storage.Recording {
	t.Helper()
	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	return rec
}

// frameNumber reads the frame number drawn into f.
func frameNumber(t testing.TB, f *media.Frame) int {
	t.Helper()
	n, ok := testsrc.ReadFrameNumber(f)
	if !ok {
		t.Fatal("no frame number in the picture")
	}
	return int(n)
}

// lumaPSNR compares f with the source frame it shows.
func lumaPSNR(t testing.TB, p *testsrc.Pattern, f *media.Frame) float64 {
	t.Helper()
	if f.Format != media.YUV420P {
		var err error
		if f, err = f.Convert(media.YUV420P); err != nil {
			t.Fatal(err)
		}
	}
	psnr, err := media.LumaPSNR(p.Frame(uint64(frameNumber(t, f))), f)
	if err != nil {
		t.Fatal(err)
	}
	return psnr
}

// noTempFiles fails the test when dir holds a .tmp file.
func noTempFiles(t testing.TB, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("%s left behind", e.Name())
		}
	}
}

// lookFFprobe returns ffprobe's path, or "" when it is not installed.
func lookFFprobe() string {
	path, err := exec.LookPath("ffprobe")
	if err != nil {
		return ""
	}
	return path
}
