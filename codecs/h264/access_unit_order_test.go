package h264

import (
	"errors"
	"slices"
	"testing"
)

// orderStream builds access units of sliceTable's POC type 0 SPS (no VUI:
// 16 frames may be reordered at its level) with the given counts; the
// first is an IDR with the parameter sets.
func orderStream(t testing.TB, pocs ...uint32) [][][]byte {
	t.Helper()
	sets := sliceTable(t)
	sps, pps := sets.spsRaw[0], sets.ppsRaw[0]
	aus := [][][]byte{{sps, pps, buildSlice(sliceSpec{refIDC: 3, idr: true, sliceType: 7, frameNumBits: 8, pocBits: 6, pocLsb: pocs[0]})}}
	for i, poc := range pocs[1:] {
		aus = append(aus, [][]byte{pSlice(uint32(i+1), poc, false)})
	}
	return aus
}

// pSlice builds a reference P-slice of sliceTable's PPS 0, its marking
// holding memory_management_control_operation 5 when mmco5 is set.
func pSlice(frameNum, pocLsb uint32, mmco5 bool) []byte {
	return buildSlice(sliceSpec{refIDC: 2, sliceType: 0, frameNumBits: 8, frameNum: frameNum, pocBits: 6, pocLsb: pocLsb,
		tail: func(w *bitWriter) {
			w.writeBits(0, 2) // no override, no modification
			w.writeUE(0)      // luma_log2_weight_denom
			w.writeUE(0)      // chroma_log2_weight_denom
			w.writeBits(0, 6) // three references without weights
			w.writeFlag(mmco5)
			if mmco5 {
				w.writeUE(5)
				w.writeUE(0)
			}
		}})
}

func TestAccessUnitOrderStartsOverAfterMMCO5(t *testing.T) {
	aus := orderStream(t, 0, 8, 4)
	aus = append(aus, [][]byte{pSlice(3, 16, true)}, [][]byte{pSlice(1, 8, false)}, [][]byte{pSlice(2, 4, false)})
	var o AccessUnitOrder
	for i, au := range aus {
		if err := o.Push(au); err != nil {
			t.Fatalf("access unit %d: %v", i, err)
		}
	}
	o.Flush()
	var display []uint64
	for p, ok := o.Pop(); ok; p, ok = o.Pop() {
		display = append(display, p.Display)
	}
	// Counted on, the last two (8 and 4 after 16) would come before the
	// picture of operation 5.
	if want := []uint64{0, 2, 1, 3, 5, 4}; !slices.Equal(display, want) {
		t.Errorf("display indexes %v, want %v", display, want)
	}
}

func TestAccessUnitOrderPlacesWhatItCannotRead(t *testing.T) {
	var o AccessUnitOrder
	aus := orderStream(t, 0, 8, 4)
	for _, au := range aus {
		if err := o.Push(au); err != nil {
			t.Fatal(err)
		}
	}
	// An SEI alone, and a slice of an unknown PPS: both after all before.
	if err := o.Push([][]byte{{0x06, 0x05}}); !errors.Is(err, ErrNotSlice) {
		t.Errorf("an access unit without a slice: %v", err)
	}
	if err := o.Push([][]byte{buildSlice(sliceSpec{sliceType: 0, ppsID: 40, frameNumBits: 8, pocBits: 6})}); !errors.Is(err, ErrMissingParameterSets) {
		t.Errorf("a slice of an unknown PPS: %v", err)
	}
	o.Flush()
	var display []uint64
	for p, ok := o.Pop(); ok; p, ok = o.Pop() {
		display = append(display, p.Display)
	}
	if want := []uint64{0, 2, 1, 3, 4}; !slices.Equal(display, want) {
		t.Errorf("display indexes %v, want %v", display, want)
	}
	if o.Delay() != 16 || o.Held() != 0 {
		t.Errorf("delay %d, held %d", o.Delay(), o.Held())
	}
}

func FuzzAccessUnitOrder(f *testing.F) {
	for _, aus := range [][][][]byte{orderStream(f, 0, 8, 4, 2, 6), orderStream(f, 0, 62, 2, 60)} {
		var stream []byte
		for _, au := range aus {
			stream = append(stream, JoinAnnexB(au)...)
		}
		f.Add(stream, uint8(2))
	}
	f.Fuzz(func(t *testing.T, stream []byte, perAU uint8) {
		nalus, err := SplitAnnexB(stream)
		if err != nil {
			return
		}
		step := int(perAU%4) + 1
		var o AccessUnitOrder
		var popped uint64
		pop := func() {
			for p, ok := o.Pop(); ok; p, ok = o.Pop() {
				if p.Decode != popped {
					t.Fatalf("popped %d, want %d", p.Decode, popped)
				}
				popped++
			}
		}
		pushed := 0
		for i := 0; i < len(nalus); i += step {
			o.Push(nalus[i:min(i+step, len(nalus))])
			pushed++
			pop()
			if o.Held() > MaxHeldPictures {
				t.Fatalf("holds %d", o.Held())
			}
		}
		o.Flush()
		pop()
		if popped != uint64(pushed) {
			t.Fatalf("popped %d of %d", popped, pushed)
		}
	})
}

func BenchmarkAccessUnitOrderPush(b *testing.B) {
	aus := orderStream(b, 0, 8, 4, 2, 6, 16, 12, 10, 14, 24, 20, 18, 22)
	var o AccessUnitOrder
	for b.Loop() {
		for _, au := range aus {
			if err := o.Push(au); err != nil {
				b.Fatal(err)
			}
			for _, ok := o.Pop(); ok; _, ok = o.Pop() {
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(aus)), "ns/access-unit")
}
