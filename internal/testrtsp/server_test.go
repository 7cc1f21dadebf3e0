package testrtsp

import (
	"os/exec"
	"strings"
	"testing"
)

// play has the ffmpeg command read frames of url and reports its error.
func play(t *testing.T, url string) error {
	t.Helper()
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg not installed (make deps)")
	}
	out, err := exec.Command(ff, "-v", "error", "-timeout", "3000000", "-rtsp_transport", "tcp", "-i", url,
		"-frames:v", "10", "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Logf("ffmpeg: %s", out)
	}
	return err
}

func TestServerPlaysToFFmpegAndComesBackOnItsAddress(t *testing.T) {
	s := Start(t, Clip(t, 25, 25), 25)
	url := s.URL()
	if err := play(t, url); err != nil {
		t.Fatalf("ffmpeg could not play %s: %v", url, err)
	}
	s.Stop()
	if err := play(t, url); err == nil {
		t.Fatal("ffmpeg played a stopped server")
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.URL() != url {
		t.Fatalf("restarted at %s, was %s", s.URL(), url)
	}
	if err := play(t, url); err != nil {
		t.Fatalf("ffmpeg could not play %s after a restart: %v", url, err)
	}
}

func TestAccessUnitsStartAtEachPicture(t *testing.T) {
	sps, pps, sei := []byte{0x67, 1}, []byte{0x68, 1}, []byte{0x06, 1}
	idr, first, second := []byte{0x65, 0x88}, []byte{0x41, 0x9a}, []byte{0x41, 0x40} // first_mb 0, 0, then not 0
	units := AccessUnits([][]byte{sps, pps, sei, idr, first, second, sei, first})
	want := []int{4, 2, 2}
	if len(units) != len(want) {
		t.Fatalf("%d access units, want %d", len(units), len(want))
	}
	for i, u := range units {
		if len(u) != want[i] {
			t.Fatalf("access unit %d has %d NAL units, want %d", i, len(u), want[i])
		}
	}
}

// FFmpeg decodes the test camera's H.265 as it decodes its H.264.
func TestServerPlaysH265ToFFmpeg(t *testing.T) {
	srv := StartH265(t, ClipH265(t, 25, 25), 25)
	out, err := exec.Command("ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-count_frames", "-read_intervals", "%+#20",
		"-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "csv=p=0", srv.URL()).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v: %s", err, out)
	}
	if got := strings.TrimSpace(string(out)); !strings.HasPrefix(got, "hevc,160,120,") {
		t.Fatalf("ffprobe says %q; want hevc 160x120", got)
	}
}
