package h264

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// lookFFmpeg returns the paths of ffmpeg and ffprobe, or skips the test when
// they are missing or tests run with -short.
func lookFFmpeg(t *testing.T) (ffmpeg, ffprobe string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs ffmpeg")
	}
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg not found")
	}
	ffprobe, err = exec.LookPath("ffprobe")
	if err != nil {
		t.Skip("ffprobe not found")
	}
	return ffmpeg, ffprobe
}

// probeSize returns the picture size ffprobe finds in an H.264 stream file.
func probeSize(t *testing.T, ffprobe, path string) string {
	t.Helper()
	out, err := exec.Command(ffprobe, "-v", "error", "-select_streams", "v:0",
		"-show_entries", "stream=width,height", "-of", "csv=p=0:s=x", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	return strings.TrimSpace(string(out))
}

func TestParseSPSAgreesWithFFprobe(t *testing.T) {
	ffmpeg, ffprobe := lookFFmpeg(t)
	encodes := []struct {
		size, pixFmt string
		args         []string
	}{
		{"176x144", "yuv420p", nil},
		{"1918x1082", "yuv420p", nil},
		{"350x202", "yuv422p", nil},
		{"354x198", "yuv444p", nil},
		{"336x190", "gray", nil},
		{"720x480", "yuv420p", []string{"-flags", "+ildct+ilme"}},
		{"640x360", "yuv420p", []string{"-profile:v", "baseline"}},
	}
	for _, e := range encodes {
		t.Run(e.size+" "+e.pixFmt, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.h264")
			args := []string{"-v", "error", "-f", "lavfi", "-i", "testsrc=size=" + e.size + ":rate=25",
				"-frames:v", "2", "-pix_fmt", e.pixFmt, "-c:v", "libx264"}
			args = append(args, e.args...)
			args = append(args, "-f", "h264", path)
			if out, err := exec.Command(ffmpeg, args...).CombinedOutput(); err != nil {
				t.Skipf("ffmpeg cannot encode with libx264: %v: %s", err, out)
			}
			stream, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			nalus, err := SplitAnnexB(stream)
			if err != nil {
				t.Fatal(err)
			}
			sps, err := ParseSPS(nalus[0])
			if err != nil {
				t.Fatal(err)
			}
			want := probeSize(t, ffprobe, path)
			if got := fmt.Sprintf("%dx%d", sps.Width(), sps.Height()); got != want {
				t.Errorf("ParseSPS size %s, ffprobe %s", got, want)
			}
		})
	}
}

func TestHandMadeSPSDecodeWithFFmpeg(t *testing.T) {
	ffmpeg, ffprobe := lookFFmpeg(t)
	stream, err := os.ReadFile("testdata/x264_320x240_idr.h264")
	if err != nil {
		t.Fatal(err)
	}
	nalus, err := SplitAnnexB(stream)
	if err != nil {
		t.Fatal(err)
	}
	// The x264 SPS with scaling lists added: the slices still decode, and
	// ffmpeg only finds the size if the lists were written as ParseSPS reads
	// them.
	spec := spsSpec{profile: 100, level: 13, chromaFormatIDC: 1, log2MaxPOCLsbMinus4: 2, maxNumRefFrames: 4,
		widthMBsMinus1: 19, heightMapUnitsMinus1: 14, direct8x8: true, timing: []uint32{1, 60},
		scalingLists: [][]int32{{-8}, make([]int32, 16), {8, 8, -24}, nil, {127, -128, 3, -11}, {-8}, {-8}, nil}}
	spec.scalingLists[4] = append(spec.scalingLists[4], make([]int32, 12)...)
	sps := buildSPS(spec)
	parsed, err := ParseSPS(sps)
	if err != nil || parsed.Width() != 320 || parsed.Height() != 240 || !parsed.ScalingMatrixPresent {
		t.Fatalf("ParseSPS: %+v, %v", parsed, err)
	}
	path := filepath.Join(t.TempDir(), "scaling.h264")
	if err := os.WriteFile(path, JoinAnnexB(append([][]byte{sps}, nalus[1:]...)), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := probeSize(t, ffprobe, path); got != "320x240" {
		t.Errorf("ffprobe size %q, want 320x240", got)
	}
	if out, err := exec.Command(ffmpeg, "-v", "error", "-xerror", "-i", path, "-f", "null", "-").CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("ffmpeg decode: %v: %s", err, out)
	}
}
