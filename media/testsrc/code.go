package testsrc

import (
	"strconv"

	"github.com/gopline/gopline/media"
)

// The frame number code is a grid of codeCols x codeRows square cells in the
// top-left corner, black for 0 and white for 1, read row by row: the 64 bits
// of the frame number, most significant first, then a 16-bit check computed
// from the number. Cells are 8, 16, 24... pixels on a side, placed on
// multiples of 8 pixels, so that each cell covers whole 8x8 transform blocks
// of JPEG and H.264 and survives lossy compression as a flat block. Below the
// grid the number is written in digits for people.
const (
	codeCols = 16
	codeRows = 5
	codeBits = codeCols * codeRows // 64 number bits + 16 check bits

	// minCell is the smallest cell side in pixels: one 8x8 transform block.
	minCell = 8
)

// MinCodeWidth and MinCodeHeight are the smallest frame size that carries
// the frame number code: the grid plus a margin of one cell on each side.
// Smaller frames show only the digits, and ReadFrameNumber returns false on
// them.
const (
	MinCodeWidth  = (codeCols + 2) * minCell // 144
	MinCodeHeight = (codeRows + 2) * minCell // 56
)

// Levels of the code's cells in limited-range luma, and the threshold and
// margin ReadFrameNumber applies to the mean of each cell's centre.
const (
	codeBlack = 16
	codeWhite = 235
	// A cell whose centre mean lies within codeMargin of the threshold is
	// unreadable; clean cells sit about 110 levels away from it.
	codeMargin = 40
)

// codeLayout places the code and the digits in a frame of a given size.
type codeLayout struct {
	hasCode bool
	cell    int // cell side in pixels
	x0, y0  int // top-left corner of the grid

	scale        int // digit pixel size
	textX, textY int // top-left corner of the digits' white box
}

// layoutFor returns the layout for a w x h frame. Cells grow by 8 pixels for
// every 320x240 of frame size, so the code stays legible at any resolution.
func layoutFor(w, h int) codeLayout {
	cell := minCell * max(1, min(w/320, h/240))
	l := codeLayout{cell: cell, x0: cell, y0: cell}
	l.hasCode = w >= (codeCols+2)*cell && h >= (codeRows+2)*cell
	if l.hasCode {
		l.scale = max(1, cell/4)
		l.textX, l.textY = l.x0, l.y0+codeRows*cell+cell/2
	} else {
		l.scale, l.textX, l.textY = 1, 1, 1
	}
	return l
}

// check16 is the check word of frame number n: the top bits of a 64-bit
// mixing function (SplitMix64's finaliser), so that any misread bit changes
// it unpredictably.
func check16(n uint64) uint16 {
	z := n + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	z ^= z >> 31
	return uint16(z >> 48)
}

// codeBit returns bit i (0 first) of the code of frame number n.
func codeBit(n uint64, i int) bool {
	if i < 64 {
		return n>>(63-i)&1 == 1
	}
	return check16(n)>>(codeBits-1-i)&1 == 1
}

// cellRect returns the pixel rectangle of code cell i.
func (l *codeLayout) cellRect(i int) (x0, y0, x1, y1 int) {
	x0 = l.x0 + i%codeCols*l.cell
	y0 = l.y0 + i/codeCols*l.cell
	return x0, y0, x0 + l.cell, y0 + l.cell
}

// textBox returns the rectangle of the digits' white box for a number of
// the given length: a margin of one digit pixel around the glyphs.
func (l *codeLayout) textBox(digits int) (x0, y0, x1, y1 int) {
	s := l.scale
	return l.textX, l.textY, l.textX + digits*glyphAdvance*s + s, l.textY + (glyphHeight+2)*s
}

func (l *codeLayout) drawLuma(plane []byte, stride, w, h int, n uint64) {
	if l.hasCode {
		for i := range codeBits {
			val := byte(codeBlack)
			if codeBit(n, i) {
				val = codeWhite
			}
			x0, y0, x1, y1 := l.cellRect(i)
			fillRect(plane, stride, w, h, x0, y0, x1, y1, val)
		}
	}
	var buf [20]byte
	text := strconv.AppendUint(buf[:0], n, 10)
	bx0, by0, bx1, by1 := l.textBox(len(text))
	fillRect(plane, stride, w, h, bx0, by0, bx1, by1, codeWhite)
	s := l.scale
	for i, c := range text {
		drawGlyph(plane, stride, w, h, bx0+s+i*glyphAdvance*s, by0+s, s, c-'0', codeBlack)
	}
}

// drawChroma makes the code and the digits grey, so they are black and white
// in every pixel format.
func (l *codeLayout) drawChroma(u, v []byte, ustride, vstride, cw, ch int, n uint64) {
	if l.hasCode {
		x0, y0, _, _ := l.cellRect(0)
		_, _, x1, y1 := l.cellRect(codeBits - 1)
		fillRect(u, ustride, cw, ch, x0/2, y0/2, (x1+1)/2, (y1+1)/2, 128)
		fillRect(v, vstride, cw, ch, x0/2, y0/2, (x1+1)/2, (y1+1)/2, 128)
	}
	digits := 1
	for m := n; m >= 10; m /= 10 {
		digits++
	}
	x0, y0, x1, y1 := l.textBox(digits)
	fillRect(u, ustride, cw, ch, x0/2, y0/2, (x1+1)/2, (y1+1)/2, 128)
	fillRect(v, vstride, cw, ch, x0/2, y0/2, (x1+1)/2, (y1+1)/2, 128)
}

// ReadFrameNumber reads the frame number that Pattern drew into f back from
// its luma (for RGB24, from the luminance of its pixels). f may have been
// through lossy compression (JPEG, H.264 at usual qualities) but must have the
// size it was drawn at, and at least MinCodeWidth x MinCodeHeight. It returns
// false when the code is missing or damaged: a cell that is neither clearly
// black nor clearly white, or a check word that does not match.
func ReadFrameNumber(f *media.Frame) (uint64, bool) {
	if f == nil || f.Validate() != nil {
		return 0, false
	}
	l := layoutFor(f.Width, f.Height)
	if !l.hasCode {
		return 0, false
	}
	threshold := (codeBlack + codeWhite) / 2 // limited-range luma
	if f.Format != media.YUV420P {
		threshold = 128 // full range
	}
	var n uint64
	var check uint16
	inset := l.cell / 4
	for i := range codeBits {
		x0, y0, x1, y1 := l.cellRect(i)
		mean := cellMean(f, x0+inset, y0+inset, x1-inset, y1-inset)
		if mean > threshold-codeMargin && mean < threshold+codeMargin {
			return 0, false
		}
		bit := uint64(0)
		if mean >= threshold {
			bit = 1
		}
		if i < 64 {
			n = n<<1 | bit
		} else {
			check = check<<1 | uint16(bit)
		}
	}
	if check != check16(n) {
		return 0, false
	}
	return n, true
}

// cellMean returns the mean luminance of the rectangle [x0,x1) x [y0,y1) of f.
func cellMean(f *media.Frame, x0, y0, x1, y1 int) int {
	sum, count := 0, 0
	for y := y0; y < y1; y++ {
		row := f.Row(0, y)
		if f.Format == media.RGB24 {
			for x := x0; x < x1; x++ {
				r, g, b := int(row[3*x]), int(row[3*x+1]), int(row[3*x+2])
				sum += (77*r + 150*g + 29*b + 128) >> 8
			}
		} else {
			for _, v := range row[x0:x1] {
				sum += int(v)
			}
		}
		count += x1 - x0
	}
	return sum / count
}
