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
		aus = append(aus, [][]byte{buildSlice(sliceSpec{refIDC: 2, sliceType: 0, frameNumBits: 8, frameNum: uint32(i + 1), pocBits: 6, pocLsb: poc})})
	}
	return aus
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
