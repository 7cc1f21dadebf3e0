package h264

import "fmt"

// maxExpGolombLeadingZeros is the longest run of leading zero bits an
// exp-Golomb code may have for its value to fit in 32 bits: with 31 zeros the
// largest value is 2^32 - 2.
const maxExpGolombLeadingZeros = 31

// BitReader reads the bits of an RBSP most significant bit first, with the
// exp-Golomb codes ue(v) and se(v) of ITU-T H.264 9.1. It never reads past
// the end of its buffer: a read that would returns ErrTruncated and leaves
// the position unchanged.
//
// The buffer must hold an RBSP, that is bytes from which
// RemoveEmulationPrevention has removed the emulation prevention bytes. The
// reader does not modify it.
type BitReader struct {
	buf []byte
	pos int // in bits from the start of buf
}

// NewBitReader returns a reader positioned at the first bit of rbsp. The
// reader keeps rbsp, which must not change while it is in use.
func NewBitReader(rbsp []byte) *BitReader {
	return &BitReader{buf: rbsp}
}

// BitsLeft returns the number of bits not read yet.
func (r *BitReader) BitsLeft() int {
	return len(r.buf)*8 - r.pos
}

// ReadBits reads n bits, 0 to 32, as an unsigned number.
func (r *BitReader) ReadBits(n int) (uint32, error) {
	if n < 0 || n > 32 {
		return 0, fmt.Errorf("h264: cannot read %d bits at once", n)
	}
	if n > r.BitsLeft() {
		return 0, fmt.Errorf("%w: need %d bits, %d left", ErrTruncated, n, r.BitsLeft())
	}
	var v uint32
	for range n {
		v = v<<1 | uint32(r.buf[r.pos>>3]>>(7-r.pos&7)&1)
		r.pos++
	}
	return v, nil
}

// ReadFlag reads one bit as a boolean.
func (r *BitReader) ReadFlag() (bool, error) {
	v, err := r.ReadBits(1)
	return v == 1, err
}

// Skip moves past n bits.
func (r *BitReader) Skip(n int) error {
	if n < 0 || n > r.BitsLeft() {
		return fmt.Errorf("%w: cannot skip %d bits, %d left", ErrTruncated, n, r.BitsLeft())
	}
	r.pos += n
	return nil
}

// ReadUE reads an unsigned exp-Golomb code, ue(v). It returns
// ErrInvalidExpGolomb for a code with more than 31 leading zero bits.
func (r *BitReader) ReadUE() (uint32, error) {
	start := r.pos
	zeros := 0
	for {
		bit, err := r.ReadBits(1)
		if err != nil {
			r.pos = start
			return 0, err
		}
		if bit == 1 {
			break
		}
		zeros++
		if zeros > maxExpGolombLeadingZeros {
			r.pos = start
			return 0, fmt.Errorf("%w: more than %d leading zero bits", ErrInvalidExpGolomb, maxExpGolombLeadingZeros)
		}
	}
	suffix, err := r.ReadBits(zeros)
	if err != nil {
		r.pos = start
		return 0, err
	}
	return uint32(uint64(1)<<zeros-1) + suffix, nil
}

// ReadSE reads a signed exp-Golomb code, se(v): the codes 0, 1, 2, 3, 4 map
// to 0, 1, -1, 2, -2 and so on.
func (r *BitReader) ReadSE() (int32, error) {
	k, err := r.ReadUE()
	if err != nil {
		return 0, err
	}
	magnitude := int32((uint64(k) + 1) / 2)
	if k%2 == 0 {
		return -magnitude, nil
	}
	return magnitude, nil
}
