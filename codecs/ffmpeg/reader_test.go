package ffmpeg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
)

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// annexBFile writes packets back to back as a raw H.264 elementary stream.
func annexBFile(t *testing.T, pkts []*media.Packet) string {
	var b bytes.Buffer
	for _, p := range pkts {
		b.Write(p.Data)
	}
	return writeFile(t, "clip.h264", b.Bytes())
}

// y4mFile writes frames as YUV4MPEG2, FFmpeg's simplest raw video file.
func y4mFile(t *testing.T, frames []*media.Frame) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "YUV4MPEG2 W%d H%d F30:1 Ip A1:1 C420jpeg\n", frames[0].Width, frames[0].Height)
	for _, f := range frames {
		b.WriteString("FRAME\n")
		b.Write(f.AppendPacked(nil))
	}
	return writeFile(t, "clip.y4m", b.Bytes())
}

// wavFile writes a short silent PCM WAV: a readable file with no video.
func wavFile(t *testing.T) string {
	var b bytes.Buffer
	samples := make([]byte, 8000)
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+len(samples)))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(8000), uint32(8000), uint16(1), uint16(8)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(len(samples)))
	b.Write(samples)
	return writeFile(t, "silence.wav", b.Bytes())
}

func mustReader(t *testing.T, url string, opts ...ReaderOption) *Reader {
	t.Helper()
	r, err := OpenReader(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestReaderDecodesH264File(t *testing.T) {
	p := pattern(t, 320, 240)
	const n = 45
	path := annexBFile(t, encodeClip(t, p, n, WithGOP(15)))
	r := mustReader(t, path)
	if info := r.Info(); info.Codec != "h264" || info.Width != 320 || info.Height != 240 {
		t.Fatalf("info %+v", info)
	}
	var got int
	for {
		f, err := r.ReadFrame()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if f.Seq != uint64(got) {
			t.Fatalf("frame %d has Seq %d", got, f.Seq)
		}
		if psnr := lumaPSNR(t, p.Frame(f.Seq), f); psnr < 35 {
			t.Errorf("frame %d: PSNR %.1f", got, psnr)
		}
		got++
	}
	if got != n {
		t.Fatalf("read %d frames, want %d", got, n)
	}
	if _, err := r.ReadFrame(); err != io.EOF {
		t.Fatalf("after the end: %v", err)
	}
}

func TestReaderPassthroughYieldsTheSameAccessUnits(t *testing.T) {
	p := pattern(t, 320, 240)
	pkts := encodeClip(t, p, 40, WithGOP(15))
	r := mustReader(t, annexBFile(t, pkts), WithPassthrough())
	for i, want := range pkts {
		got, err := r.ReadPacket()
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if !bytes.Equal(got.Data, want.Data) || got.Key != want.Key || got.Seq != want.Seq || got.GOP != want.GOP {
			t.Fatalf("packet %d: %d bytes key %v seq %d gop %d; want %d bytes key %v seq %d gop %d",
				i, len(got.Data), got.Key, got.Seq, got.GOP, len(want.Data), want.Key, want.Seq, want.GOP)
		}
		if err := got.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.ReadPacket(); err != io.EOF {
		t.Fatalf("after the end: %v", err)
	}
}

// TestReaderPassthroughFromMP4 reads an MP4 (length-prefixed NAL units,
// parameter sets in the avcC box) and checks that every keyframe comes out
// as Annex B with SPS and PPS in front and that the slices are unchanged.
func TestReaderPassthroughFromMP4(t *testing.T) {
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("the ffmpeg command is not installed (make deps installs it)")
	}
	p := pattern(t, 320, 240)
	pkts := encodeClip(t, p, 30, WithGOP(10))
	mp4 := filepath.Join(t.TempDir(), "clip.mp4")
	out, err := exec.Command(ff, "-v", "error", "-f", "h264", "-i", annexBFile(t, pkts), "-c", "copy", mp4).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg remux: %v: %s", err, out)
	}
	r := mustReader(t, mp4, WithPassthrough())
	d := mustDecoder(t)
	for i, want := range pkts {
		got, err := r.ReadPacket()
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if got.Key != want.Key {
			t.Fatalf("packet %d: key %v, want %v", i, got.Key, want.Key)
		}
		if !bytes.Equal(sliceNALUs(t, got.Data), sliceNALUs(t, want.Data)) {
			t.Fatalf("packet %d: slices differ", i)
		}
		if got.Key {
			checkAccessUnit(t, got)
		}
		// Each keyframe must decode on its own, as for a late joiner.
		if got.Key {
			d = mustDecoder(t)
		}
		decodeOne(t, d, got)
	}
}

// sliceNALUs returns the slice NAL units of an access unit, joined.
func sliceNALUs(t *testing.T, au []byte) []byte {
	nalus, err := h264.SplitAnnexB(au)
	if err != nil {
		t.Fatal(err)
	}
	var keep [][]byte
	for _, n := range nalus {
		if ty := h264.TypeOf(n); ty == h264.NALUTypeIDR || ty == h264.NALUTypeNonIDR {
			keep = append(keep, n)
		}
	}
	return h264.JoinAnnexB(keep)
}

func TestReaderScalesAndConverts(t *testing.T) {
	p := pattern(t, 320, 240)
	var frames []*media.Frame
	for i := range uint64(5) {
		frames = append(frames, p.Frame(i))
	}
	path := y4mFile(t, frames)

	r := mustReader(t, path)
	f, err := r.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	if psnr := lumaPSNR(t, frames[0], f); psnr < 60 {
		t.Errorf("raw file read back with PSNR %.1f, want a lossless copy", psnr)
	}

	r = mustReader(t, path, WithSize(160, 120), WithPixelFormat(media.RGB24))
	f, err = r.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	if f.Width != 160 || f.Height != 120 || f.Format != media.RGB24 {
		t.Fatalf("got %dx%d %v", f.Width, f.Height, f.Format)
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	want, _ := frames[0].Convert(media.RGB24)
	small, err := scaleDown2(want)
	if err != nil {
		t.Fatal(err)
	}
	if psnr, _ := media.PlanePSNR(small, f, 0); psnr < 25 {
		t.Errorf("scaled picture PSNR %.1f dB against a box-filtered copy", psnr)
	}
}

// scaleDown2 halves an RGB24 frame with a 2x2 box filter.
func scaleDown2(f *media.Frame) (*media.Frame, error) {
	out, err := media.NewFrame(media.RGB24, f.Width/2, f.Height/2)
	if err != nil {
		return nil, err
	}
	for y := range out.Height {
		a, b, o := f.Row(0, 2*y), f.Row(0, 2*y+1), out.Row(0, y)
		for x := range out.Width * 3 {
			c, px := x%3, x/3
			o[x] = byte((int(a[6*px+c]) + int(a[6*px+3+c]) + int(b[6*px+c]) + int(b[6*px+3+c]) + 2) / 4)
		}
	}
	return out, nil
}

func TestReaderBadInputsNameTheFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-video.mp4")
	garbage := writeFile(t, "garbage.mp4", bytes.Repeat([]byte("not a video "), 100))
	wav := wavFile(t)
	y4m := y4mFile(t, []*media.Frame{pattern(t, 64, 48).Frame(0)})
	dir := t.TempDir()
	// A valid video that only its permissions keep from being read.
	unreadable := y4mFile(t, []*media.Frame{pattern(t, 64, 48).Frame(0)})
	if err := os.Chmod(unreadable, 0); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		url    string
		opts   []ReaderOption
		want   error
		asUser bool // open without root's power to read any file
	}{
		{"missing file", missing, nil, ErrOpen, false},
		{"not a video", garbage, nil, ErrOpen, false},
		{"no video stream", wav, nil, ErrNoVideoStream, false},
		{"passthrough of raw video", y4m, []ReaderOption{WithPassthrough()}, ErrNotH264, false},
		{"unknown input format", y4m, []ReaderOption{WithInputFormat("no-such-format")}, ErrOpen, false},
		{"directory", dir, nil, ErrOpen, false},
		{"file without read permission", unreadable, nil, ErrOpen, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r *Reader
			var err error
			open := func() { r, err = OpenReader(c.url, c.opts...) }
			if c.asUser && os.Geteuid() == 0 {
				asUnprivileged(t, open)
			} else {
				open()
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("%v, want %v", err, c.want)
			}
			if r != nil {
				t.Error("a reader came back with the error")
			}
			if !strings.Contains(err.Error(), c.url) {
				t.Errorf("error %q does not name %s", err, c.url)
			}
		})
	}
}

func TestReaderModesRefuseTheOtherRead(t *testing.T) {
	y4m := y4mFile(t, []*media.Frame{pattern(t, 64, 48).Frame(0)})
	r := mustReader(t, y4m)
	if _, err := r.ReadPacket(); err == nil {
		t.Error("ReadPacket on a decoding reader worked")
	}
}

// silentServer returns the address of a TCP server that accepts
// connections, holds them open and says nothing, until the test ends.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never written to
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// TestSilentNetworkSourceTimesOut opens network URLs whose server accepts
// the connection and then says nothing: the open fails after the I/O
// timeout, naming the URL, instead of hanging.
func TestSilentNetworkSourceTimesOut(t *testing.T) {
	addr := silentServer(t)
	// A UDP port nobody sends to.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	udp := "udp://" + pc.LocalAddr().String()
	pc.Close()
	for _, url := range []string{"tcp://" + addr, "rtsp://" + addr + "/camera", udp} {
		done := make(chan error, 1)
		go func() {
			r, err := OpenReader(url, WithIOTimeout(300*time.Millisecond))
			if err == nil {
				r.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), url) {
				t.Errorf("%s: %v; want an error naming the URL", url, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: still waiting after 20 s; the timeout is 300 ms", url)
		}
	}
}

func TestIOTimeoutOption(t *testing.T) {
	for url, want := range map[string]string{
		"rtsp://cam/stream": "timeout", "RTSPS://cam/stream": "timeout", "http://cam/mjpeg": "rw_timeout",
		"udp://0.0.0.0:5000": "timeout", "srt://cam:9000": "timeout", "rtp://0.0.0.0:5004": "timeout", "tcp://cam:5000": "rw_timeout", "file:///tmp/a.mp4": "", "/tmp/a.mp4": "",
		"/dev/video0": "", "pipe://0": "",
	} {
		if got := ioTimeoutOption(url); got != want {
			t.Errorf("ioTimeoutOption(%q) = %q, want %q", url, got, want)
		}
		if IsNetwork(url) != (want != "") {
			t.Errorf("IsNetwork(%q) = %v", url, IsNetwork(url))
		}
	}
	if _, err := OpenReader("x", WithIOTimeout(-time.Second)); !errors.Is(err, ErrBadOption) {
		t.Errorf("a negative timeout: %v", err)
	}
}
