package testsrc

// A 5x7 pixel font for the digits 0-9. Each row is 5 bits, the leftmost pixel
// in bit 4.
const (
	glyphWidth   = 5
	glyphHeight  = 7
	glyphAdvance = glyphWidth + 1 // one pixel between digits
)

var digitGlyphs = [10][glyphHeight]uint8{
	{0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110},
	{0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110},
	{0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111},
	{0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110},
	{0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010},
	{0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110},
	{0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110},
	{0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000},
	{0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110},
	{0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100},
}

// drawGlyph draws digit d with its top-left corner at x, y, each font pixel
// as a scale x scale square of val, clipped to the w x h plane.
func drawGlyph(plane []byte, stride, w, h, x, y, scale int, d byte, val byte) {
	if int(d) >= len(digitGlyphs) {
		return
	}
	for r, bits := range digitGlyphs[d] {
		for c := range glyphWidth {
			if bits>>(glyphWidth-1-c)&1 == 1 {
				px, py := x+c*scale, y+r*scale
				fillRect(plane, stride, w, h, px, py, px+scale, py+scale, val)
			}
		}
	}
}
