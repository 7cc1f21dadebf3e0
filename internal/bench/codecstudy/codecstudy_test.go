package codecstudy

import (
	"fmt"
	"slices"
	"testing"
)

func TestStudyOnTestPattern(t *testing.T) {
	frames, err := Clip("", 160, 120, 20)
	if err != nil {
		t.Fatal(err)
	}
	h, err := H264(frames, "defaults")
	if err != nil {
		t.Fatal(err)
	}
	if h.Frames != 20 || h.Bytes == 0 || h.LumaPSNR < 35 {
		t.Fatalf("h264 result %+v", h)
	}
	j, err := JPEGMatching(frames, h.LumaPSNR)
	if err != nil {
		t.Fatal(err)
	}
	if j.LumaPSNR < h.LumaPSNR {
		t.Fatalf("matching JPEG %.2f dB below H.264's %.2f dB", j.LumaPSNR, h.LumaPSNR)
	}
	lower, err := JPEG(frames, 1)
	if err != nil {
		t.Fatal(err)
	}
	if lower.Bytes >= j.Bytes {
		t.Fatalf("quality 1 (%d bytes) not smaller than %s (%d bytes)", lower.Bytes, j.Setting, j.Bytes)
	}
	m, err := FFmpegJPEGMatching(frames, h.LumaPSNR)
	if err != nil {
		t.Fatal(err)
	}
	if m.Frames != 20 || m.LumaPSNR < h.LumaPSNR {
		t.Fatalf("matching FFmpeg JPEG %s: %d frames, %.2f dB below H.264's %.2f dB", m.Setting, m.Frames, m.LumaPSNR, h.LumaPSNR)
	}
	coarsest, err := FFmpegJPEG(frames, coarsestQScale)
	if err != nil {
		t.Fatal(err)
	}
	if coarsest.Bytes >= m.Bytes {
		t.Fatalf("%s (%d bytes) not smaller than %s (%d bytes)", coarsest.Setting, coarsest.Bytes, m.Setting, m.Bytes)
	}
}

func TestStorageTableRecordsAndReadsBack(t *testing.T) {
	frames, err := Clip("", 160, 120, 30)
	if err != nil {
		t.Fatal(err)
	}
	var progress []string
	res, err := StorageTable(frames, 30, t.TempDir(), WithProgress(recordProgress(&progress)))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1/3", "2/3", "3/3"}; !slices.Equal(progress, want) {
		t.Errorf("progress %v, want %v", progress, want)
	}
	if len(res) != 2 || res[0].Codec != "h264" || res[1].Codec != "jpeg" {
		t.Fatalf("results %+v", res)
	}
	for _, r := range res {
		if r.Frames != 30 || r.PayloadBytes == 0 || r.FileBytes < r.PayloadBytes || r.LumaPSNR < 35 {
			t.Errorf("%+v", r)
		}
	}
	if res[0].PayloadBytes >= res[1].PayloadBytes {
		t.Errorf("H.264 %d bytes not below JPEG's %d", res[0].PayloadBytes, res[1].PayloadBytes)
	}
}

func TestCodecsReportsEveryStageInOrder(t *testing.T) {
	frames, err := Clip("", 160, 120, 10)
	if err != nil {
		t.Fatal(err)
	}
	var progress []string
	res, err := Codecs(frames, WithProgress(recordProgress(&progress)))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 {
		t.Fatalf("results %+v", res)
	}
	if want := []string{"1/4", "2/4", "3/4", "4/4"}; !slices.Equal(progress, want) {
		t.Errorf("progress %v, want %v", progress, want)
	}
}

// recordProgress is a progress callback appending "done/total" to calls.
func recordProgress(calls *[]string) func(done, total int) {
	return func(done, total int) { *calls = append(*calls, fmt.Sprintf("%d/%d", done, total)) }
}
