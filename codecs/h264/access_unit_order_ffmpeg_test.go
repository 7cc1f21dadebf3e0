package h264

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// splitAccessUnits groups the NAL units of a whole raw stream into access
// units: a new one starts at a parameter set, SEI or delimiter after a
// slice, or at a slice whose first_mb_in_slice is 0 after a slice.
func splitAccessUnits(t *testing.T, stream []byte) [][][]byte {
	t.Helper()
	nalus, err := SplitAnnexB(stream)
	if err != nil {
		t.Fatal(err)
	}
	var aus [][][]byte
	var au [][]byte
	sawSlice := false
	for _, n := range nalus {
		typ := TypeOf(n)
		slice := typ == NALUTypeIDR || typ == NALUTypeNonIDR
		starts := false
		switch {
		case slice && sawSlice:
			first, err := NewBitReader(RemoveEmulationPrevention(headOf(n[1:]))).ReadUE()
			starts = err == nil && first == 0
		case !slice && sawSlice:
			starts = typ == NALUTypeAUD || typ == NALUTypeSPS || typ == NALUTypePPS || typ == NALUTypeSEI
		}
		if starts {
			aus, au, sawSlice = append(aus, au), nil, false
		}
		au = append(au, n)
		sawSlice = sawSlice || slice
	}
	if len(au) > 0 {
		aus = append(aus, au)
	}
	return aus
}

// decoderOrder returns, for each picture in output order, its index in
// decode order, as FFmpeg's decoder gives them (coded_picture_number).
func decoderOrder(t *testing.T, ffprobe, path string) []uint64 {
	t.Helper()
	out, err := exec.Command(ffprobe, "-v", "error", "-show_entries", "frame=coded_picture_number", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var order []uint64
	for _, line := range strings.Fields(string(out)) {
		n, err := strconv.ParseUint(strings.Trim(line, ","), 10, 64)
		if err != nil {
			t.Fatalf("ffprobe line %q: %v", line, err)
		}
		order = append(order, n)
	}
	return order
}

func TestAccessUnitOrderAgreesWithFFmpegsDecoder(t *testing.T) {
	ffmpeg, ffprobe := lookFFmpeg(t)
	encodes := []struct {
		name     string
		args     []string
		reorders bool
	}{
		{"two B-frames, pyramid", []string{"-bf", "2"}, true},
		{"three B-frames, no pyramid, one reference", []string{"-bf", "3", "-x264-params", "b-pyramid=none:ref=1"}, true},
		{"B-frames and an IDR every 10 frames", []string{"-bf", "2", "-g", "10", "-keyint_min", "10", "-sc_threshold", "0"}, true},
		{"no B-frames (POC type 2)", []string{"-bf", "0"}, false},
		{"interlaced, no B-frames (POC type 0)", []string{"-bf", "0", "-flags", "+ildct+ilme"}, false},
		{"interlaced with B-frames", []string{"-bf", "2", "-flags", "+ildct+ilme"}, true},
		{"four slices a picture, weighted prediction, five references", []string{"-bf", "3", "-x264-params", "slices=4:weightp=2:ref=5:weightb=1"}, true},
	}
	for _, e := range encodes {
		t.Run(e.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "raw.h264")
			args := []string{"-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x128:rate=30", "-frames:v", "45", "-c:v", "libx264"}
			args = append(append(args, e.args...), "-f", "h264", path)
			if out, err := exec.Command(ffmpeg, args...).CombinedOutput(); err != nil {
				t.Skipf("ffmpeg cannot encode with libx264: %v: %s", err, out)
			}
			stream, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			aus := splitAccessUnits(t, stream)
			var order AccessUnitOrder
			display := map[uint64]uint64{}
			pop := func() {
				for p, ok := order.Pop(); ok; p, ok = order.Pop() {
					if p.Decode != uint64(len(display)) {
						t.Fatalf("popped decode index %d, want %d", p.Decode, len(display))
					}
					if p.Display+uint64(order.Delay()) < p.Decode {
						t.Errorf("picture %d is shown at %d, before it is decoded with a delay of %d", p.Decode, p.Display, order.Delay())
					}
					display[p.Decode] = p.Display
				}
			}
			var sets ParamSetTable
			for i, au := range aus {
				if err := order.Push(au); err != nil {
					t.Fatalf("access unit %d: %v", i, err)
				}
				pop()
				// Every slice header reads to its end: lists, weights and
				// markings as x264 writes them (b-pyramid marks with
				// operation 1), never operation 5.
				if err := sets.Update(au); err != nil {
					t.Fatal(err)
				}
				for _, n := range au {
					if typ := TypeOf(n); typ != NALUTypeIDR && typ != NALUTypeNonIDR {
						continue
					}
					h, err := ParseSliceHeader(n, &sets)
					if err != nil || h.markingErr != nil || h.MMCO5 {
						t.Fatalf("access unit %d: slice header %+v, %v", i, h, err)
					}
				}
			}
			order.Flush()
			pop()
			want := decoderOrder(t, ffprobe, path)
			if len(display) != len(want) {
				t.Fatalf("placed %d access units, the decoder gave %d pictures", len(display), len(want))
			}
			for shown, decoded := range want {
				if display[decoded] != uint64(shown) {
					t.Fatalf("picture %d in decode order is shown %d-th; the decoder shows it %d-th (decode order of the shown pictures: %v)",
						decoded, display[decoded], shown, want)
				}
			}
			if reordered := !slices.IsSorted(want); reordered != e.reorders {
				t.Errorf("the decoder reorders: %t, want %t", reordered, e.reorders)
			}
			if order.Forced() != 0 {
				t.Errorf("%d pictures forced out", order.Forced())
			}
		})
	}
}
