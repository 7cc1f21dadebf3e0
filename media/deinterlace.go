package media

// DeinterlaceRows rebuilds, in place, the rows of one field of an
// interlaced picture's plane from the rows of the other: a picture whose
// two fields were taken a field time apart (an analog camera behind a
// capture card, a broadcast or dashcam clip coded interlaced) shows every
// moving edge combed, and keeping one field and interpolating the other
// gives a progressive picture of the kept field's moment, at once, with no
// picture held back for a temporal filter.
//
// The plane is rows rows of rowBytes bytes, stride bytes apart. keepTop
// keeps the top field (the even rows, 0, 2, ...) and rebuilds the odd
// ones; otherwise the odd rows are kept and the even ones rebuilt. step is
// the distance in bytes between neighbouring samples of one component in
// a row: 1 for a planar 8-bit plane, 2 for NV12's interleaved chroma, 3
// for RGB24, 4 for packed YUYV.
//
// Each rebuilt sample is the mean of a sample of the row above and one of
// the row below, taken along the edge through it (edge-based line
// averaging): of the vertical and the two diagonals, the direction whose
// three sample pairs differ least, the vertical unless a diagonal is
// strictly better, so that a slanted edge stays straight instead of
// becoming a staircase. A rebuilt row with a kept row on one side only
// (the first or the last of the plane) copies that row.
func DeinterlaceRows(plane []byte, stride, rowBytes, rows, step int, keepTop bool) {
	if rows < 2 || rowBytes <= 0 || step <= 0 || stride < rowBytes || len(plane) < (rows-1)*stride+rowBytes {
		return
	}
	first := 1
	if !keepTop {
		first = 0
	}
	scratch := make([]int32, 3*rowBytes)
	for y := first; y < rows; y += 2 {
		row := plane[y*stride : y*stride+rowBytes]
		switch {
		case y == 0:
			copy(row, plane[stride:stride+rowBytes])
		case y == rows-1:
			copy(row, plane[(y-1)*stride:(y-1)*stride+rowBytes])
		default:
			interpolateRow(row, plane[(y-1)*stride:(y-1)*stride+rowBytes], plane[(y+1)*stride:(y+1)*stride+rowBytes], step, scratch)
		}
	}
}

// interpolateRow writes into row the edge-based line average of the rows
// above and below it (see DeinterlaceRows), with scratch, three times the
// row's length, for the differences of the sample pairs: each pair is
// taken by the windows of three samples, so each is found once.
func interpolateRow(row, above, below []byte, step int, scratch []int32) {
	n := len(row)
	above, below = above[:n], below[:n]
	// vertical[k]: above[k] against below[k]; down[k]: above[k-step]
	// against below[k+step], the edge falling to the right; up[k]: above[k+step]
	// against below[k-step], rising.
	vertical, down, up := scratch[:n], scratch[n:2*n], scratch[2*n:3*n]
	for k := range n {
		vertical[k] = absDiff(above[k], below[k])
	}
	for k := step; k < n-step; k++ {
		down[k] = absDiff(above[k-step], below[k+step])
		up[k] = absDiff(above[k+step], below[k-step])
	}
	// Near the ends, where a diagonal's window leaves the row, the
	// vertical is taken.
	lo, hi := min(2*step, n), max(n-2*step, 0)
	for x := range lo {
		row[x] = mean(above[x], below[x])
	}
	for x := lo; x < hi; x++ {
		c := vertical[x-step] + vertical[x] + vertical[x+step]
		v := mean(above[x], below[x])
		if d := down[x-step] + down[x] + down[x+step]; d < c {
			c, v = d, mean(above[x-step], below[x+step])
		}
		if u := up[x-step] + up[x] + up[x+step]; u < c {
			v = mean(above[x+step], below[x-step])
		}
		row[x] = v
	}
	for x := max(hi, lo); x < n; x++ {
		row[x] = mean(above[x], below[x])
	}
}

func absDiff(a, b byte) int32 {
	if a > b {
		return int32(a - b)
	}
	return int32(b - a)
}

// mean is the mean of a and b, rounded half up.
func mean(a, b byte) byte { return byte((uint16(a) + uint16(b) + 1) >> 1) }
