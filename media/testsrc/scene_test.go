package testsrc

import "testing"

// fill and fillRect set exactly the bytes they are given, whatever the
// length (fill doubles its copies) and wherever the rectangle is clipped.
func TestFillSetsEveryByteAndNoOther(t *testing.T) {
	for n := range 70 {
		buf := make([]byte, n+2)
		fill(buf[1:n+1], 7)
		for i, b := range buf {
			want := byte(7)
			if i == 0 || i == n+1 {
				want = 0
			}
			if b != want {
				t.Fatalf("fill of %d bytes: byte %d is %d, want %d", n, i, b, want)
			}
		}
	}
}

func TestFillRectClipsAndKeepsTheStride(t *testing.T) {
	const w, h, stride = 9, 7, 12
	rects := [][4]int{{2, 1, 6, 5}, {-3, -2, 4, 3}, {5, 4, 20, 30}, {3, 3, 3, 6}, {0, 6, 9, 6}, {-5, -5, -1, -1}}
	for _, r := range rects {
		plane := make([]byte, stride*h)
		fillRect(plane, stride, w, h, r[0], r[1], r[2], r[3], 9)
		for y := range h {
			for x := range stride {
				want := byte(0)
				if x < w && x >= r[0] && x < r[2] && y >= r[1] && y < r[3] {
					want = 9
				}
				if got := plane[y*stride+x]; got != want {
					t.Fatalf("rect %v: (%d,%d) is %d, want %d", r, x, y, got, want)
				}
			}
		}
	}
}
