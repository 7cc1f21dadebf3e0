package ffmpeg

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
)

// rawClip writes n pictures of the test pattern in format, packed as a
// raw file stores them, and returns the file and the pictures.
func rawClip(t *testing.T, format media.PixelFormat, w, h, n int, tail []byte) (string, []*media.Frame) {
	t.Helper()
	p := pattern(t, w, h)
	var b bytes.Buffer
	var frames []*media.Frame
	for i := range uint64(n) {
		f, err := p.Frame(i).Convert(format)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f)
		b.Write(f.AppendPacked(nil))
	}
	b.Write(tail)
	return writeFile(t, "clip.raw", b.Bytes()), frames
}

func rawOptions(format string, w, h int) ReaderOption {
	return WithInputOptions(map[string]string{
		"video_size": fmt.Sprintf("%dx%d", w, h), "pixel_format": format, "framerate": "30",
	})
}

// readAll reads frames until the end of the stream.
func readAll(t *testing.T, r *Reader) ([]*media.Frame, error) {
	t.Helper()
	var out []*media.Frame
	for {
		f, err := r.ReadFrame()
		if err != nil {
			return out, err
		}
		out = append(out, f)
	}
}

func TestReaderReadsRawPicturesAsTheyAre(t *testing.T) {
	for _, c := range []struct {
		name   string
		format media.PixelFormat
		ff     string
		w, h   int
	}{
		{"tight rows", media.YUV420P, "yuv420p", 320, 240},
		{"rows padded in memory", media.YUV420P, "yuv420p", 200, 100},
		{"packed RGB", media.RGB24, "rgb24", 160, 90},
	} {
		t.Run(c.name, func(t *testing.T) {
			path, want := rawClip(t, c.format, c.w, c.h, 5, nil)
			r := mustReader(t, path, WithInputFormat("rawvideo"), rawOptions(c.ff, c.w, c.h), WithPixelFormat(c.format))
			info := r.Info()
			if info.FrameRate != 30 || info.Width != c.w || info.Height != c.h {
				t.Errorf("info %+v, want %dx%d at 30 frames/s", info, c.w, c.h)
			}
			if d := 5 * time.Second / 30; info.Duration < d-time.Millisecond || info.Duration > d+time.Millisecond {
				t.Errorf("duration %v, want 5 frames' %v", info.Duration, d)
			}
			got, err := readAll(t, r)
			if err != io.EOF {
				t.Fatalf("after %d frames: %v, want io.EOF", len(got), err)
			}
			if len(got) != len(want) {
				t.Fatalf("read %d frames of %d", len(got), len(want))
			}
			for i, f := range got {
				if !bytes.Equal(f.AppendPacked(nil), want[i].AppendPacked(nil)) {
					t.Errorf("frame %d differs from the file's picture", i)
				}
				if f.Seq != uint64(i) {
					t.Errorf("frame %d has Seq %d", i, f.Seq)
				}
				if i > 0 {
					if step := f.CaptureTime.Sub(got[i-1].CaptureTime); step < 33*time.Millisecond || step > 34*time.Millisecond {
						t.Errorf("frame %d is %v after the last, want a frame at 30 frames/s", i, step)
					}
				}
			}
			if st := r.Stats(); st != (ReadStats{}) {
				t.Errorf("stats %v, want nothing skipped", st)
			}
			r.Close()
			// The pictures outlive their Reader.
			if !bytes.Equal(got[4].AppendPacked(nil), want[4].AppendPacked(nil)) {
				t.Error("the last frame changed after Close")
			}
			for _, f := range got {
				f.Release()
			}
		})
	}
}

func TestReaderConvertsRawPictures(t *testing.T) {
	path, want := rawClip(t, media.YUV420P, 320, 240, 3, nil)
	r := mustReader(t, path, WithInputFormat("rawvideo"), rawOptions("yuv420p", 320, 240),
		WithPixelFormat(media.RGB24), WithSize(160, 120))
	got, err := readAll(t, r)
	if err != io.EOF || len(got) != 3 {
		t.Fatalf("read %d frames, then %v; want 3 and io.EOF", len(got), err)
	}
	rgb, err := want[2].Convert(media.RGB24)
	if err != nil {
		t.Fatal(err)
	}
	small, err := scaleDown2(rgb)
	if err != nil {
		t.Fatal(err)
	}
	if psnr, _ := media.PlanePSNR(small, got[2], 0); psnr < 25 {
		t.Errorf("scaled picture PSNR %.1f dB against a box-filtered copy", psnr)
	}
}

func TestReaderLeavesOutARawPictureCutShort(t *testing.T) {
	path, want := rawClip(t, media.YUV420P, 320, 240, 3, make([]byte, 1000))
	r := mustReader(t, path, WithInputFormat("rawvideo"), rawOptions("yuv420p", 320, 240))
	got, err := readAll(t, r)
	if err != io.EOF || len(got) != len(want) {
		t.Fatalf("read %d frames, then %v; want %d and io.EOF", len(got), err, len(want))
	}
	if st := r.Stats(); st.Truncated != 1 || st.Damage() != 1 {
		t.Errorf("stats %+v, want the cut picture counted Truncated", st)
	}

	short := writeFile(t, "short.raw", make([]byte, 1000))
	r = mustReader(t, short, WithInputFormat("rawvideo"), rawOptions("yuv420p", 320, 240))
	if _, err := r.ReadFrame(); !errors.Is(err, ErrNoVideoFrames) {
		t.Errorf("a file shorter than a picture: %v, want ErrNoVideoFrames", err)
	}
}

// A raw picture of a palette format carries its palette after its pixels.
func TestReaderReadsARawPaletteFormatThroughTheDecoder(t *testing.T) {
	const w, h = 64, 32
	picture := make([]byte, w*h+1024) // indexes, then a palette of 256 BGRA entries
	for i := range w * h {
		picture[i] = byte(i % w * 4)
	}
	for i := range 256 {
		copy(picture[w*h+4*i:], []byte{byte(i), byte(i), byte(i), 255})
	}
	path := writeFile(t, "pal.raw", append(append([]byte(nil), picture...), picture...))
	r := mustReader(t, path, WithInputFormat("rawvideo"), rawOptions("pal8", w, h), WithPixelFormat(media.GRAY8))
	got, err := readAll(t, r)
	if err != io.EOF || len(got) != 2 {
		t.Fatalf("read %d frames, then %v; want 2 and io.EOF", len(got), err)
	}
	if row := got[1].Row(0, 0); row[0] > 8 || row[w-1] < 240 {
		t.Errorf("first row goes from %d to %d, want the gray ramp of the palette", row[0], row[w-1])
	}
}

// rawStdinEnv makes the test binary a child that reads its standard input
// as a raw 320x240 clip through location "-" and prints how many frames it
// read.
const rawStdinEnv = "GOPLINE_TEST_RAW_STDIN"

func TestReaderReadsTheStandardInputAsDash(t *testing.T) {
	if os.Getenv(rawStdinEnv) != "" {
		r, err := OpenReader("-", WithInputFormat("rawvideo"), rawOptions("yuv420p", 320, 240))
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		frames, err := readAll(t, r)
		fmt.Printf("frames=%d end=%v\n", len(frames), err)
		os.Exit(0)
	}
	path, _ := rawClip(t, media.YUV420P, 320, 240, 4, nil)
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestReaderReadsTheStandardInputAsDash$")
	cmd.Env = append(os.Environ(), rawStdinEnv+"=1")
	cmd.Stdin = in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !bytes.Contains(out, []byte("frames=4 end=EOF")) {
		t.Errorf("child read %q, want 4 frames and EOF", out)
	}
}

// An option neither the demuxer nor the protocol knows is refused, as the
// ffmpeg command refuses it, rather than ignored: a misspelled framerate=
// would give a camera's default mode without a word.
func TestReaderRefusesAnOptionTheInputDoesNotHave(t *testing.T) {
	path, _ := rawClip(t, media.YUV420P, 64, 48, 2, nil)
	_, err := OpenReader(path, WithInputFormat("rawvideo"), WithInputOptions(map[string]string{
		"video_size": "64x48", "pixel_format": "yuv420p", "framerte": "30", "fflags": "+genpts",
	}))
	if !errors.Is(err, ErrBadOption) || !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), "no option framerte") ||
		strings.Contains(err.Error(), "fflags") {
		t.Fatalf("a misspelled option: %v; want ErrBadOption naming it alone", err)
	}
	if _, err := OpenReader(path, WithInputFormat("rawvideox")); !errors.Is(err, ErrBadOption) {
		t.Fatalf("an unknown input format: %v; want ErrBadOption", err)
	}
	if _, err := OpenReader(path, WithInputFormat("rawvideo")); !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), "options=video_size=WxH") {
		t.Fatalf("a raw input without its size: %v; want ErrOpen saying what to give", err)
	}
}

// mjpegCamera serves n JPEG pictures of the test pattern as an HTTP MJPEG
// camera does (multipart/x-mixed-replace, FFmpeg's mpjpeg), each sent once
// the test lets it through sent, and returns its URL.
func mjpegCamera(t *testing.T, n int, send <-chan struct{}) string {
	t.Helper()
	enc, err := NewJPEGEncoder(160, 120)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { enc.Close() })
	p := pattern(t, 160, 120)
	var pictures [][]byte
	for i := range uint64(n) {
		pkt, err := enc.Encode(p.Frame(i))
		if err != nil {
			t.Fatal(err)
		}
		pictures = append(pictures, pkt.Data)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "multipart/x-mixed-replace;boundary=frame")
		for _, jpg := range pictures {
			select {
			case <-send:
			case <-r.Context().Done():
				return
			}
			fmt.Fprintf(w, "--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", len(jpg))
			w.Write(jpg)
			w.Write([]byte("\r\n"))
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/video.mjpg"
}

// An MJPEG camera over HTTP sends no timestamps, and FFmpeg makes them up at
// 25 frames/s: its pictures are stamped as they arrive instead, so that a
// camera at another rate is recorded at its own.
func TestReaderStampsALiveStreamWithoutTimestampsAsItArrives(t *testing.T) {
	for _, passthrough := range []bool{false, true} {
		send := make(chan struct{}, 8)
		url := mjpegCamera(t, 4, send)
		clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		now := func() time.Time { return clock }
		opts := []ReaderOption{WithClock(now)}
		if passthrough {
			opts = append(opts, WithPassthrough())
		}
		send <- struct{}{} // the first picture, for the open to find the stream
		r := mustReader(t, url, opts...)
		if rate := r.Info().FrameRate; rate != 0 {
			t.Errorf("frame rate %v, want 0: the stream has none", rate)
		}
		var times []time.Time
		for i := range 4 {
			if i > 0 {
				clock = clock.Add(time.Second) // the camera's next picture comes a second later
				send <- struct{}{}
			}
			if passthrough {
				p, err := r.ReadPacket()
				if err != nil {
					t.Fatal(err)
				}
				times = append(times, p.CaptureTime)
			} else {
				f, err := r.ReadFrame()
				if err != nil {
					t.Fatal(err)
				}
				times = append(times, f.CaptureTime)
			}
		}
		for i := 1; i < len(times); i++ {
			if step := times[i].Sub(times[i-1]); step != time.Second {
				t.Errorf("passthrough=%v: picture %d stamped %v after the last, want the second it came later", passthrough, i, step)
			}
		}
	}
}

// A raw input's pictures are read into buffers of the Reader's own pool:
// a picture released before the next is read gives that one its memory
// (the one still in the core's cache), and a picture still held is never
// read over.
func TestReaderReadsRawPicturesIntoTheMemoryReleasedLast(t *testing.T) {
	path, want := rawClip(t, media.YUV420P, 320, 240, 4, nil)
	r := mustReader(t, path, WithInputFormat("rawvideo"), rawOptions("yuv420p", 320, 240))
	first, err := r.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	at := &first.Planes[0][0]
	first.Release()
	second, err := r.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	if &second.Planes[0][0] != at {
		t.Error("a picture released before the next read did not give it its memory")
	}
	// second is held: the next two are read elsewhere, and second stays.
	third, err := r.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	if &third.Planes[0][0] == &second.Planes[0][0] {
		t.Fatal("a held picture's memory was read into")
	}
	third.Release()
	fourth, err := r.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range []*media.Frame{second, fourth} {
		if !bytes.Equal(f.AppendPacked(nil), want[2*i+1].AppendPacked(nil)) {
			t.Errorf("picture %d differs from the file's", 2*i+1)
		}
		if f.Seq != uint64(2*i+1) {
			t.Errorf("picture %d has Seq %d", 2*i+1, f.Seq)
		}
	}
	second.Release()
	fourth.Release()
	if _, err := r.ReadFrame(); err != io.EOF {
		t.Fatalf("after the last picture: %v, want io.EOF", err)
	}
}

// The packet the raw input's reading makes is the one go-astiav shows
// (packetOf reaches into its Packet): its size, timestamps, position,
// stream and key flag are what FFmpeg's rawvideo demuxer gives.
func TestRawPacketsAreWhatFFmpegsDemuxerGives(t *testing.T) {
	path, _ := rawClip(t, media.GRAY8, 64, 48, 3, make([]byte, 100))
	r := mustReader(t, path, WithInputFormat("rawvideo"), rawOptions("gray", 64, 48))
	if r.raw == nil {
		t.Fatal("a raw input is not read by rawPictures")
	}
	pkt := astiav.AllocPacket()
	defer pkt.Free()
	for i, size := range []int{64 * 48, 64 * 48, 64 * 48, 100} {
		if err := r.raw.read(pkt); err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if pkt.Size() != size || pkt.Pts() != int64(i) || pkt.Dts() != int64(i) || pkt.Pos() != int64(i*64*48) ||
			pkt.StreamIndex() != 0 || !pkt.Flags().Has(astiav.PacketFlagKey) || pkt.Duration() != 1 {
			t.Errorf("packet %d: size %d pts %d dts %d pos %d stream %d flags %v duration %d", i,
				pkt.Size(), pkt.Pts(), pkt.Dts(), pkt.Pos(), pkt.StreamIndex(), pkt.Flags(), pkt.Duration())
		}
		if len(pkt.Data()) != size {
			t.Errorf("packet %d: %d bytes of data", i, len(pkt.Data()))
		}
		pkt.Unref()
	}
	if err := r.raw.read(pkt); !errors.Is(err, astiav.ErrEof) {
		t.Fatalf("after the input's end: %v, want astiav.ErrEof", err)
	}
}

// Raw pictures in a container (AVI, as ffmpeg -c:v rawvideo writes them)
// cut inside the last: the whole ones come out, the cut one is counted
// Truncated, and the stream ends as a file's does.
func TestReaderCountsARawPictureCutShortInAContainer(t *testing.T) {
	r := mustReader(t, cutRawAVI(t))
	got, err := readAll(t, r)
	if err != io.EOF || len(got) != 2 {
		t.Fatalf("read %d pictures, then %v; want 2, then io.EOF", len(got), err)
	}
	if st := r.Stats(); st.Truncated != 1 {
		t.Errorf("stats %+v, want the cut picture counted Truncated", st)
	}
}

// cutRawAVI writes an AVI file of three 64x48 raw pictures, as ffmpeg
// -c:v rawvideo writes it, cut 1,000 bytes short (inside its last
// picture), and returns its path.
func cutRawAVI(t *testing.T) string {
	t.Helper()
	avi := filepath.Join(t.TempDir(), "clip.avi")
	ffmpegCLI(t, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=30", "-frames:v", "3",
		"-c:v", "rawvideo", "-pix_fmt", "yuv420p", avi)
	whole, err := os.ReadFile(avi)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "cut.avi", whole[:len(whole)-1000])
}

// A YUV4MPEG file (ffmpeg -f yuv4mpegpipe, GStreamer's y4menc) cut inside
// its last picture: the whole ones come out and the cut one is counted
// Truncated, as a raw file's is; a whole file counts none. The same read
// from a FIFO whose writer ended, which has no size.
func TestReaderCountsAY4MPictureCutShort(t *testing.T) {
	_, frames := rawClip(t, media.YUV420P, 64, 48, 3, nil)
	y4m := []byte("YUV4MPEG2 W64 H48 F30:1 Ip A1:1 C420jpeg\n")
	for _, f := range frames {
		y4m = append(append(y4m, "FRAME\n"...), f.AppendPacked(nil)...)
	}
	for _, c := range []struct {
		name      string
		cut       int
		pictures  int
		truncated int
	}{{"whole", 0, 3, 0}, {"cut inside the last picture", 1000, 2, 1}, {"cut inside the last header", 64*48*3/2 + 3, 2, 1}} {
		data := y4m[:len(y4m)-c.cut]
		for _, in := range []struct{ kind, path string }{
			{"file", writeFile(t, "clip.y4m", data)},
			{"FIFO", testclip.EndingFIFO(t, "clip.y4m", data)},
		} {
			r := mustReader(t, in.path)
			got, err := readAll(t, r)
			if err != io.EOF || len(got) != c.pictures {
				t.Errorf("%s, %s: read %d pictures, then %v; want %d, then io.EOF", in.kind, c.name, len(got), err, c.pictures)
			}
			if st := r.Stats(); st.Truncated != c.truncated {
				t.Errorf("%s, %s: stats %+v, want %d counted Truncated", in.kind, c.name, st, c.truncated)
			}
			for i, f := range got {
				if !bytes.Equal(f.AppendPacked(nil), frames[i].AppendPacked(nil)) {
					t.Errorf("%s, %s: picture %d differs from the file's", in.kind, c.name, i)
				}
			}
		}
	}
}
