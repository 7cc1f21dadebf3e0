package ffmpeg

import (
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMP4WriterMakesAFilePlayersRead(t *testing.T) {
	p := pattern(t, 320, 240)
	const n, fps = 60, 30
	pkts := encodeClip(t, p, n, WithGOP(20))
	path := filepath.Join(t.TempDir(), "clip.mp4")
	w, err := CreateMP4(path, 320, 240)
	if err != nil {
		t.Fatal(err)
	}
	for i, pkt := range pkts {
		if err := w.WritePacket(pkt, time.Duration(i)*time.Second/fps); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	if probe, err := exec.LookPath("ffprobe"); err == nil {
		out, err := exec.Command(probe, "-v", "error", "-count_frames", "-select_streams", "v:0",
			"-show_entries", "stream=codec_name,width,height,nb_read_frames,avg_frame_rate", "-of", "csv=p=0", path).CombinedOutput()
		if err != nil {
			t.Fatalf("ffprobe: %v: %s", err, out)
		}
		if got := strings.TrimSpace(string(out)); got != "h264,320,240,30/1,60" {
			t.Errorf("ffprobe says %q, want h264,320,240,30/1,60", got)
		}
	}

	// Read it back with our own reader, both ways.
	r := mustReader(t, path)
	var frames int
	for {
		f, err := r.ReadFrame()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if psnr := lumaPSNR(t, p.Frame(uint64(frames)), f); psnr < 35 {
			t.Fatalf("frame %d: PSNR %.1f", frames, psnr)
		}
		frames++
	}
	if frames != n {
		t.Fatalf("read %d frames, want %d", frames, n)
	}
	r = mustReader(t, path, WithPassthrough())
	for i := range n {
		got, err := r.ReadPacket()
		if err != nil {
			t.Fatal(err)
		}
		if got.Key != (i%20 == 0) {
			t.Fatalf("packet %d: key %v", i, got.Key)
		}
	}
}

func TestMP4WriterRefusesADeltaFirst(t *testing.T) {
	pkts := encodeClip(t, pattern(t, 160, 120), 2)
	w, err := CreateMP4(filepath.Join(t.TempDir(), "x.mp4"), 160, 120)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.WritePacket(pkts[1], 0); !errors.Is(err, ErrNotKeyframe) {
		t.Fatalf("delta first: %v", err)
	}
	if err := w.WritePacket(pkts[0], 0); err != nil {
		t.Fatalf("then a keyframe: %v", err)
	}
}

func TestCreateMP4InAMissingDirectoryNamesThePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "x.mp4")
	_, err := CreateMP4(path, 160, 120)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v does not name %s", err, path)
	}
}

func TestMP4TicksRoundAndDoNotOverflow(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want int64
	}{
		{time.Second / 30, 3000},
		{59 * time.Second / 30, 177000},
		{100 * time.Hour, 100 * 3600 * 90000},
		{100*time.Hour + time.Second/30, 100*3600*90000 + 3000},
	} {
		if got := mp4Ticks(c.d); got != c.want {
			t.Errorf("mp4Ticks(%v) = %d, want %d", c.d, got, c.want)
		}
	}
}

// An avc3 track's keyframes keep their SPS and PPS: two encoders' clips
// of different sizes in one track decode each at its own size, and a
// writer that has started cannot switch to it.
func TestMP4WriterKeepingParameterSetsHoldsTwoSizes(t *testing.T) {
	small, large := pattern(t, 160, 120), pattern(t, 320, 240)
	pkts := append(encodeClip(t, small, 10, WithGOP(10)), encodeClip(t, large, 10, WithGOP(10))...)
	path := filepath.Join(t.TempDir(), "sizes.mp4")
	w, err := CreateMP4(path, 160, 120)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.KeepParameterSets(); err != nil {
		t.Fatal(err)
	}
	for i, pkt := range pkts {
		if err := w.WritePacket(pkt, time.Duration(i)*time.Second/30); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.KeepParameterSets(); err == nil {
		t.Error("KeepParameterSets after the first packet: no error")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := mustReader(t, path)
	for i := 0; ; i++ {
		f, err := r.ReadFrame()
		if err == io.EOF {
			if i != len(pkts) {
				t.Errorf("read %d frames, want %d", i, len(pkts))
			}
			break
		}
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if want := 160 * (1 + i/10); f.Width != want {
			t.Errorf("frame %d is %dx%d, want width %d", i, f.Width, f.Height, want)
		}
	}
}

// An MP4 of one picture (a snapshot recorded, then exported) shows it for a
// frame at 30 frames/s, as ffmpeg's would, not for one tick of its clock,
// which players skip.
func TestMP4OfOnePictureLastsAFrame(t *testing.T) {
	probe, err := exec.LookPath("ffprobe")
	if err != nil {
		t.Skip("ffprobe not installed (make deps installs it)")
	}
	pkts := encodeClip(t, pattern(t, 64, 48), 1)
	path := filepath.Join(t.TempDir(), "one.mp4")
	w, err := CreateMP4(path, 64, 48)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WritePacket(pkts[0], 0); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(probe, "-v", "error", "-show_entries", "stream=duration,nb_frames", "-of", "csv=p=0", path).CombinedOutput()
	if got := strings.TrimSpace(string(out)); err != nil || got != "0.033333,1" {
		t.Errorf("ffprobe says %q (%v), want 0.033333,1", got, err)
	}
}
