package h264

import (
	"slices"
	"testing"
)

// orderCase is a run of pictures in decode order and the output order a
// decoder gives them.
type orderCase struct {
	name    string
	pocs    []int64
	idr     []bool // nil: only the first starts a sequence
	reorder int
	display []uint64 // by decode index
}

var orderCases = []orderCase{
	{name: "no reordering", pocs: []int64{0, 2, 4, 6}, reorder: 0, display: []uint64{0, 1, 2, 3}},
	{name: "no reordering, counts ignored", pocs: []int64{0, 8, 2, 4}, reorder: 0, display: []uint64{0, 1, 2, 3}},
	{name: "one B-frame", pocs: []int64{0, 4, 2, 8, 6}, reorder: 1, display: []uint64{0, 2, 1, 4, 3}},
	{name: "three B-frames held back by one", pocs: []int64{0, 8, 2, 4, 6, 16, 10, 12, 14}, reorder: 1,
		display: []uint64{0, 4, 1, 2, 3, 8, 5, 6, 7}},
	{name: "B pyramid", pocs: []int64{0, 8, 4, 2, 6, 16, 12, 10, 14}, reorder: 2,
		display: []uint64{0, 4, 2, 1, 3, 8, 6, 5, 7}},
	{name: "an IDR outputs what waits", pocs: []int64{0, 6, 2, 4, 0, 4, 2},
		idr: []bool{true, false, false, false, true, false, false}, reorder: 2,
		display: []uint64{0, 3, 1, 2, 4, 6, 5}},
	{name: "counts that start below zero", pocs: []int64{0, 4, -2, 2}, reorder: 2, display: []uint64{1, 3, 0, 2}},
}

func TestPresentationOrderOutputsAsADecoder(t *testing.T) {
	for _, tc := range orderCases {
		t.Run(tc.name, func(t *testing.T) {
			var o PresentationOrder
			var got []uint64
			for i, poc := range tc.pocs {
				o.Push(poc, i == 0 || (tc.idr != nil && tc.idr[i]), tc.reorder)
				for p, ok := o.Pop(); ok; p, ok = o.Pop() {
					if p.Decode != uint64(len(got)) {
						t.Fatalf("popped decode index %d, want %d", p.Decode, len(got))
					}
					got = append(got, p.Display)
				}
			}
			o.Flush()
			for p, ok := o.Pop(); ok; p, ok = o.Pop() {
				got = append(got, p.Display)
			}
			if !slices.Equal(got, tc.display) {
				t.Errorf("display indexes %v, want %v", got, tc.display)
			}
			for decode, display := range got {
				if display+uint64(o.Delay()) < uint64(decode) {
					t.Errorf("picture %d shown at %d, before its decode with a delay of %d", decode, display, o.Delay())
				}
			}
			if o.Held() != 0 || o.Forced() != 0 {
				t.Errorf("holds %d, forced %d after the flush", o.Held(), o.Forced())
			}
		})
	}
}

func TestPresentationOrderHoldsNoMoreThanMaxHeldPictures(t *testing.T) {
	// A picture whose count every later one stays below never gets its
	// turn: it is forced out once MaxHeldPictures wait.
	t.Run("one count above all", func(t *testing.T) {
		testHeldAtMost(t, func(i int) int64 { return int64(i) })
	})
	t.Run("counts going down", func(t *testing.T) {
		testHeldAtMost(t, func(i int) int64 { return int64(-i) })
	})
}

func testHeldAtMost(t *testing.T, poc func(int) int64) {
	var o PresentationOrder
	o.Push(1<<40, true, 16)
	seen := map[uint64]bool{}
	for i := range 200 {
		o.Push(poc(i), false, 16)
		for p, ok := o.Pop(); ok; p, ok = o.Pop() {
			if seen[p.Display] {
				t.Fatalf("display index %d given twice", p.Display)
			}
			seen[p.Display] = true
		}
		if o.Held() > MaxHeldPictures {
			t.Fatalf("holds %d pictures", o.Held())
		}
	}
	if o.Forced() == 0 {
		t.Error("nothing forced out")
	}
}

func TestPresentationOrderBoundsItsReorderDepth(t *testing.T) {
	var o PresentationOrder
	o.Push(0, true, -3)
	if _, ok := o.Pop(); !ok || o.Delay() != 0 {
		t.Errorf("a negative depth held the picture back (delay %d)", o.Delay())
	}
	for i := range maxDPBFrames + 1 {
		o.Push(int64(2*i), false, 1000)
	}
	if o.Delay() != maxDPBFrames || o.Held() != maxDPBFrames+1 {
		t.Errorf("delay %d, holding %d; want %d and %d", o.Delay(), o.Held(), maxDPBFrames, maxDPBFrames+1)
	}
	o.Push(1000, false, 1000)
	if p, ok := o.Pop(); !ok || p.Decode != 1 || p.Display != 1 {
		t.Errorf("Pop after the depth filled = %+v, %t", p, ok)
	}
}
