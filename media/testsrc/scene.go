package testsrc

import "math"

// The picture, from back to front:
//
//   - a smooth diagonal luma ramp and soft chroma ramps that drift every frame;
//   - a band of 75% colour bars across the middle that scrolls sideways;
//   - a static zone plate (rings of rising frequency) in the bottom-right corner,
//     the fine detail;
//   - a box with a light border that bounces off the edges;
//   - the frame number code and digits in the top-left corner (code.go).
//
// Every row of the ramps, bars and zone plate is a copy out of a table built
// by newScene, so a frame costs little more than writing its bytes.

// Speeds of the moving parts, in luma pixels per frame. Steps are even so that
// chroma, at half resolution, moves with whole samples.
const (
	rampStep = 2
	barStep  = 4
)

// bar is one colour bar in BT.601 limited range.
type bar struct{ y, u, v byte }

// bars75 are the 75% colour bars: white, yellow, cyan, green, magenta, red,
// blue, black.
var bars75 = [8]bar{
	{180, 128, 128}, {162, 44, 142}, {131, 156, 44}, {112, 72, 58},
	{84, 184, 198}, {65, 100, 212}, {35, 212, 114}, {16, 128, 128},
}

// Colours of the box: an orange body inside a light grey border.
var (
	boxBody   = bar{150, 70, 190}
	boxBorder = bar{220, 128, 128}
)

type scene struct {
	w, h   int // luma size
	cw, ch int // chroma size

	// Background: row y of luma is rampY[o:o+w] with o = (y+rampStep*n) mod
	// len(rampY)-w, likewise for U at half resolution; V is constant per
	// chroma row.
	rampY, rampU, rampV       []byte
	periodY, periodU, periodV int

	// Bars: luma rows barTop..barBottom-1 (even) are barY[o:o+w] with
	// o = barStep*n mod barPeriod.
	barTop, barBottom int
	barY, barU, barV  []byte
	barPeriod         int

	// Box: size, border thickness and speed, all even.
	boxW, boxH, boxEdge int
	boxVX, boxVY        int

	// Zone plate: detW x detH luma bytes placed at detX, detY (even).
	detX, detY, detW, detH int
	detail                 []byte

	code codeLayout
}

func newScene(w, h int) scene {
	s := scene{w: w, h: h, cw: (w + 1) / 2, ch: (h + 1) / 2}

	s.periodY = 2 * max(w, h)
	s.rampY = triangleTable(s.periodY, w, 40, 190)
	s.periodU = 2 * max(s.cw, s.ch, 2)
	s.rampU = triangleTable(s.periodU, s.cw, 96, 160)
	s.periodV = 3 * max(s.ch, 2)
	s.rampV = triangleTable(s.periodV, 0, 100, 156)

	barW := max(2, w/8&^1)
	s.barPeriod = 8 * barW
	s.barTop = h / 2 &^ 1
	s.barBottom = min(h, s.barTop+max(2, h/8&^1))
	s.barY = make([]byte, s.barPeriod+w)
	s.barU = make([]byte, s.barPeriod/2+s.cw)
	s.barV = make([]byte, s.barPeriod/2+s.cw)
	for i := range s.barY {
		s.barY[i] = bars75[i%s.barPeriod/barW].y
	}
	for i := range s.barU {
		b := bars75[2*i%s.barPeriod/barW]
		s.barU[i], s.barV[i] = b.u, b.v
	}

	s.boxW, s.boxH = max(2, w/5&^1), max(2, h/5&^1)
	s.boxEdge = max(2, min(s.boxW, s.boxH)/12&^1)
	s.boxVX, s.boxVY = 6*max(1, w/320), 4*max(1, h/240)

	s.detW, s.detH = max(2, w/4&^1), max(2, h/4&^1)
	s.detX, s.detY = max(0, (w-s.detW-8)&^1), max(0, (h-s.detH-8)&^1)
	s.detail = zonePlate(s.detW, s.detH)

	s.code = layoutFor(w, h)
	return s
}

// triangleTable returns period+extra bytes of a triangle wave of the given
// period running from lo up to hi and back, so that any window of extra bytes
// starting in the first period is one slice.
func triangleTable(period, extra int, lo, hi byte) []byte {
	t := make([]byte, period+extra)
	half := period / 2
	for i := range t {
		d := i % period
		if d > half {
			d = period - d
		}
		t[i] = lo + byte(d*int(hi-lo)/half)
	}
	return t
}

// zonePlate returns a w x h patch of rings whose frequency rises from the
// centre outwards to about 0.47 cycles per pixel in the corners.
func zonePlate(w, h int) []byte {
	p := make([]byte, w*h)
	r := float64(max(w, h)) / 2
	for y := range h {
		dy := float64(y) - float64(h)/2 + 0.5
		for x := range w {
			dx := float64(x) - float64(w)/2 + 0.5
			p[y*w+x] = byte(126 + 70*math.Cos(math.Pi*(dx*dx+dy*dy)/(3*r)))
		}
	}
	return p
}

// offset returns (step*n + add) mod period without overflowing for any n.
func offset(n uint64, step, add, period int) int {
	p := uint64(period)
	return int(((n%p)*uint64(step) + uint64(add)) % p)
}

// bounce returns the position at time n of a point that moves step per frame
// between 0 and length and back.
func bounce(n uint64, step, length int) int {
	if length <= 0 {
		return 0
	}
	d := offset(n, step, 0, 2*length)
	if d > length {
		d = 2*length - d
	}
	return d
}

// boxAt returns the top-left corner of the box in frame n; both are even.
func (s *scene) boxAt(n uint64) (x, y int) {
	return 2 * bounce(n, s.boxVX/2, (s.w-s.boxW)/2), 2 * bounce(n, s.boxVY/2, (s.h-s.boxH)/2)
}

func (s *scene) drawLuma(plane []byte, stride int, n uint64) {
	w := s.w
	o := offset(n, rampStep, 0, s.periodY)
	ob := offset(n, barStep, 0, s.barPeriod)
	for y := range s.h {
		row := plane[y*stride : y*stride+w]
		if y >= s.barTop && y < s.barBottom {
			copy(row, s.barY[ob:ob+w])
			continue
		}
		oy := o + y
		if oy >= s.periodY {
			oy %= s.periodY
		}
		copy(row, s.rampY[oy:oy+w])
	}
	for y := range s.detH {
		if r := s.detY + y; r < s.h {
			copy(plane[r*stride+s.detX:r*stride+w], s.detail[y*s.detW:(y+1)*s.detW])
		}
	}
	bx, by := s.boxAt(n)
	fillRect(plane, stride, w, s.h, bx, by, bx+s.boxW, by+s.boxH, boxBorder.y)
	e := s.boxEdge
	fillRect(plane, stride, w, s.h, bx+e, by+e, bx+s.boxW-e, by+s.boxH-e, boxBody.y)
	s.code.drawLuma(plane, stride, w, s.h, n)
}

func (s *scene) drawChroma(u, v []byte, ustride, vstride int, n uint64) {
	cw := s.cw
	o := offset(n, rampStep/2, 0, s.periodU)
	ov := offset(n, rampStep/2, 0, s.periodV)
	ob := offset(n, barStep, 0, s.barPeriod) / 2
	for y := range s.ch {
		urow := u[y*ustride : y*ustride+cw]
		vrow := v[y*vstride : y*vstride+cw]
		if 2*y >= s.barTop && 2*y < s.barBottom {
			copy(urow, s.barU[ob:ob+cw])
			copy(vrow, s.barV[ob:ob+cw])
			continue
		}
		oy := o + y
		if oy >= s.periodU {
			oy %= s.periodU
		}
		copy(urow, s.rampU[oy:oy+cw])
		vy := ov + y
		if vy >= s.periodV {
			vy %= s.periodV
		}
		fill(vrow, s.rampV[vy])
	}
	dx, dy := s.detX/2, s.detY/2
	fillRect(u, ustride, cw, s.ch, dx, dy, dx+s.detW/2, dy+s.detH/2, 128)
	fillRect(v, vstride, cw, s.ch, dx, dy, dx+s.detW/2, dy+s.detH/2, 128)
	bx, by := s.boxAt(n)
	bx, by = bx/2, by/2
	bw, bh, e := s.boxW/2, s.boxH/2, s.boxEdge/2
	fillRect(u, ustride, cw, s.ch, bx, by, bx+bw, by+bh, boxBorder.u)
	fillRect(v, vstride, cw, s.ch, bx, by, bx+bw, by+bh, boxBorder.v)
	fillRect(u, ustride, cw, s.ch, bx+e, by+e, bx+bw-e, by+bh-e, boxBody.u)
	fillRect(v, vstride, cw, s.ch, bx+e, by+e, bx+bw-e, by+bh-e, boxBody.v)
	s.code.drawChroma(u, v, ustride, vstride, cw, s.ch, n)
}

// fillRect sets the pixels [x0,x1) x [y0,y1) of a w x h plane to val,
// clipped to the plane.
func fillRect(plane []byte, stride, w, h, x0, y0, x1, y1 int, val byte) {
	x0, y0 = max(x0, 0), max(y0, 0)
	x1, y1 = min(x1, w), min(y1, h)
	if x0 >= x1 || y0 >= y1 {
		return
	}
	first := plane[y0*stride+x0 : y0*stride+x1]
	fill(first, val)
	for y := y0 + 1; y < y1; y++ {
		copy(plane[y*stride+x0:y*stride+x1], first)
	}
}

// fill sets every byte of b to val: one byte, then copies of what is set,
// doubling, at memmove's speed rather than a byte at a time (the V plane,
// a sixth of a frame's bytes, is a fill a row).
func fill(b []byte, val byte) {
	if len(b) == 0 {
		return
	}
	b[0] = val
	for n := 1; n < len(b); n *= 2 {
		copy(b[n:], b[:n])
	}
}
