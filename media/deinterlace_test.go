package media

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// plane returns a w x h plane (stride w+pad) whose sample at x, y is at(x, y).
func plane(w, h, pad int, at func(x, y int) byte) []byte {
	p := make([]byte, (w+pad)*h)
	for y := range h {
		for x := range w {
			p[y*(w+pad)+x] = at(x, y)
		}
	}
	return p
}

// combing sums how far each row lies from the mean of its neighbours.
func combing(p []byte, stride, w, h int) int {
	sum := 0
	for y := 1; y < h-1; y++ {
		for x := range w {
			d := 2*int(p[y*stride+x]) - int(p[(y-1)*stride+x]) - int(p[(y+1)*stride+x])
			if d < 0 {
				d = -d
			}
			sum += d
		}
	}
	return sum
}

func TestDeinterlaceRowsRebuildsAMovingEdgeFromTheKeptField(t *testing.T) {
	const w, h, pad = 64, 32, 8
	// A bar's edge at x=20 in the top field's moment and x=28 in the
	// bottom field's: woven, every row of the bar's side combs.
	at := func(edge int) func(x, y int) byte {
		return func(x, y int) byte {
			if x < edge {
				return 200
			}
			return 30
		}
	}
	woven := plane(w, h, pad, func(x, y int) byte {
		if y%2 == 0 {
			return at(20)(x, y)
		}
		return at(28)(x, y)
	})
	before := combing(woven, w+pad, w, h)
	DeinterlaceRows(woven, w+pad, w, h, 1, true)
	want := plane(w, h, pad, at(20))
	if !bytes.Equal(woven, want) {
		t.Fatalf("deinterlaced picture is not the top field's moment (combing %d before, %d after)",
			before, combing(woven, w+pad, w, h))
	}
	if before == 0 {
		t.Fatal("the woven picture did not comb: the test proves nothing")
	}
}

func TestDeinterlaceRowsFollowsASlantedEdge(t *testing.T) {
	const w, h = 48, 24
	// A 45-degree edge: averaging straight down would make each rebuilt
	// row's edge sample grey, a staircase; along the edge it is exact.
	progressive := plane(w, h, 0, func(x, y int) byte {
		if x > y+8 {
			return 240
		}
		return 16
	})
	got := append([]byte(nil), progressive...)
	for y := 1; y < h; y += 2 { // the bottom field lost
		for x := range w {
			got[y*w+x] = 0
		}
	}
	DeinterlaceRows(got, w, w, h, 1, true)
	for y := 1; y < h-1; y += 2 {
		if !bytes.Equal(got[y*w:(y+1)*w], progressive[y*w:(y+1)*w]) {
			t.Fatalf("row %d: got %v, want %v", y, got[y*w:(y+1)*w], progressive[y*w:(y+1)*w])
		}
	}
}

func TestDeinterlaceRowsKeepsTheBottomField(t *testing.T) {
	const w, h = 8, 6
	p := plane(w, h, 0, func(x, y int) byte {
		if y%2 == 1 {
			return byte(10 * y) // the bottom field: 10, 30, 50
		}
		return 255
	})
	DeinterlaceRows(p, w, w, h, 1, false)
	want := []byte{10, 10, 20, 30, 40, 50} // row 0 copies row 1; the others average
	for y := range h {
		for x := range w {
			if p[y*w+x] != want[y] {
				t.Fatalf("row %d: got %d, want %d", y, p[y*w+x], want[y])
			}
		}
	}
}

func TestDeinterlaceRowsKeepsInterleavedComponentsApart(t *testing.T) {
	const w, h = 16, 8 // NV12's chroma: U and V in turn
	p := plane(w, h, 0, func(x, y int) byte {
		switch {
		case y%2 == 1:
			return byte(x * 7) // the field to rebuild: anything
		case x%2 == 0:
			return 50 // U
		}
		return 200 // V
	})
	DeinterlaceRows(p, w, w, h, 2, true)
	for y := range h {
		for x := range w {
			want := byte(50)
			if x%2 == 1 {
				want = 200
			}
			if p[y*w+x] != want {
				t.Fatalf("sample %d of row %d: got %d, want %d", x, y, p[y*w+x], want)
			}
		}
	}
}

func TestDeinterlaceRowsLeavesAPlaneItCannotHoldAlone(t *testing.T) {
	p := []byte{1, 2, 3, 4, 5}
	for _, c := range []struct{ stride, rowBytes, rows, step int }{
		{4, 4, 2, 1},  // shorter than two rows
		{2, 4, 2, 1},  // stride below the row
		{4, 4, 1, 1},  // one row: nothing to rebuild from
		{4, 0, 2, 1},  // no bytes
		{2, 2, 2, 0},  // no step
		{2, 2, 2, -1}, // a negative step
	} {
		DeinterlaceRows(p, c.stride, c.rowBytes, c.rows, c.step, true)
	}
	if !bytes.Equal(p, []byte{1, 2, 3, 4, 5}) {
		t.Fatalf("plane changed: %v", p)
	}
}

// BenchmarkDeinterlaceRows rebuilds one field of a 1080-line picture's
// luma (the other planes add half as much again).
func BenchmarkDeinterlaceRows(b *testing.B) {
	const w, h = 1920, 1080
	p := plane(w, h, 64, func(x, y int) byte { return byte(x*3 + y*5 + (x*y)%7) })
	b.SetBytes(w * h / 2)
	for b.Loop() {
		DeinterlaceRows(p, w+64, w, h, 1, true)
	}
}

// FuzzDeinterlaceRows: any plane and layout is rebuilt or left alone,
// never read or written out of its bounds, and the kept field is never
// changed.
func FuzzDeinterlaceRows(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3, 3, 1, true)
	f.Add(make([]byte, 64), 8, 8, 8, 2, false)
	f.Fuzz(func(t *testing.T, p []byte, stride, rowBytes, rows, step int, keepTop bool) {
		if stride > 1<<12 || rows > 1<<12 || step > 1<<8 {
			return
		}
		before := bytes.Clone(p)
		DeinterlaceRows(p, stride, rowBytes, rows, step, keepTop)
		kept := 0
		if !keepTop {
			kept = 1
		}
		for y := kept; y < rows && stride > 0 && rowBytes > 0 && (y+1)*stride <= len(p); y += 2 {
			if !bytes.Equal(p[y*stride:y*stride+min(rowBytes, stride)], before[y*stride:y*stride+min(rowBytes, stride)]) {
				t.Fatalf("kept row %d changed", y)
			}
		}
	})
}

// The sliding windows of a plane of one component rebuild what the
// windows of an interleaved plane's step do with a step of one.
func TestDeinterlaceRowsSlidingWindowsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 1; n < 40; n++ {
		above, below := make([]byte, n), make([]byte, n)
		for i := range n {
			above[i], below[i] = byte(rng.IntN(256)), byte(rng.IntN(256))
		}
		sliding, stepped := make([]byte, n), make([]byte, n)
		interpolateRow(sliding, above, below, 1, make([]int32, 3*n))
		lo, hi := min(2, n), max(n-2, 0)
		copy(stepped, sliding)
		interpolateInterleaved(stepped, above, below, 1, make([]int32, 3*n), lo, hi)
		if !bytes.Equal(sliding, stepped) {
			t.Fatalf("row of %d: sliding %v, stepped %v", n, sliding, stepped)
		}
	}
}
