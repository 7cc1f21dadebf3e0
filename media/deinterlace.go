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
	var scratch []int32 // a plane of one component slides its windows in registers
	if step > 1 {
		scratch = make([]int32, 3*rowBytes)
	}
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
// above and below it (see DeinterlaceRows); scratch, three times the row's
// length, holds the differences of the sample pairs for steps above 1
// (nil for a step of 1).
func interpolateRow(row, above, below []byte, step int, scratch []int32) {
	n := len(row)
	above, below = above[:n], below[:n]
	// Near the ends, where a diagonal's window leaves the row, the
	// vertical is taken.
	lo, hi := min(2*step, n), max(n-2*step, 0)
	for x := range lo {
		row[x] = mean(above[x], below[x])
	}
	if step == 1 {
		interpolateSamples(row, above, below, lo, hi)
	} else {
		interpolateInterleaved(row, above, below, step, scratch, lo, hi)
	}
	for x := max(hi, lo); x < n; x++ {
		row[x] = mean(above[x], below[x])
	}
}

// interpolateSamples is interpolateRow's middle, x from lo to hi, for a
// plane of one component: each window of three pairs slides along the row
// a sample at a time, so that each pair's difference is taken once, kept
// in registers.
func interpolateSamples(row, above, below []byte, lo, hi int) {
	if lo >= hi {
		return
	}
	// At x: v is above[x] against below[x] (vertical), d above[x-1]
	// against below[x+1] (an edge falling to the right), u above[x+1]
	// against below[x-1] (rising); each held for x-1, x and x+1.
	x := lo
	v0, v1 := absDiff(above[x-1], below[x-1]), absDiff(above[x], below[x])
	d0, d1 := absDiff(above[x-2], below[x]), absDiff(above[x-1], below[x+1])
	u0, u1 := absDiff(above[x], below[x-2]), absDiff(above[x+1], below[x-1])
	for ; x < hi; x++ {
		v2 := absDiff(above[x+1], below[x+1])
		d2 := absDiff(above[x], below[x+2])
		u2 := absDiff(above[x+2], below[x])
		c, out := v0+v1+v2, mean(above[x], below[x])
		if d := d0 + d1 + d2; d < c {
			c, out = d, mean(above[x-1], below[x+1])
		}
		if u := u0 + u1 + u2; u < c {
			out = mean(above[x+1], below[x-1])
		}
		row[x] = out
		v0, v1, d0, d1, u0, u1 = v1, v2, d1, d2, u1, u2
	}
}

// interpolateInterleaved is interpolateRow's middle for a plane whose
// neighbouring samples of one component are step bytes apart, with the
// pairs' differences taken once into scratch.
func interpolateInterleaved(row, above, below []byte, step int, scratch []int32, lo, hi int) {
	n := len(row)
	vertical, down, up := scratch[:n], scratch[n:2*n], scratch[2*n:3*n]
	for k := range n {
		vertical[k] = absDiff(above[k], below[k])
	}
	for k := step; k < n-step; k++ {
		down[k] = absDiff(above[k-step], below[k+step])
		up[k] = absDiff(above[k+step], below[k-step])
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
}

// absDiff is |a-b|, without a branch the data would mispredict.
func absDiff(a, b byte) int32 {
	d := int32(a) - int32(b)
	m := d >> 31
	return (d ^ m) - m
}

// mean is the mean of a and b, rounded half up.
func mean(a, b byte) byte { return byte((uint16(a) + uint16(b) + 1) >> 1) }
