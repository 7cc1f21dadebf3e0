package h264

// bitWriter writes bits most significant first, with exp-Golomb codes: the
// mirror of BitReader, used to build test bitstreams.
type bitWriter struct {
	buf  []byte
	bits int
}

func (w *bitWriter) writeBits(v uint64, n int) {
	for i := n - 1; i >= 0; i-- {
		if w.bits%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		if v>>i&1 == 1 {
			w.buf[len(w.buf)-1] |= 0x80 >> (w.bits % 8)
		}
		w.bits++
	}
}

func (w *bitWriter) writeFlag(f bool) {
	if f {
		w.writeBits(1, 1)
	} else {
		w.writeBits(0, 1)
	}
}

func (w *bitWriter) writeUE(v uint32) {
	x := uint64(v) + 1
	n := 0
	for x>>n > 1 {
		n++
	}
	w.writeBits(0, n)
	w.writeBits(x, n+1)
}

func (w *bitWriter) writeSE(v int32) {
	if v > 0 {
		w.writeUE(uint32(2*int64(v) - 1))
	} else {
		w.writeUE(uint32(-2 * int64(v)))
	}
}

// trailingBits writes rbsp_trailing_bits: a one, then zeros to the byte end.
func (w *bitWriter) trailingBits() {
	w.writeBits(1, 1)
	for w.bits%8 != 0 {
		w.writeBits(0, 1)
	}
}

// addEmulationPrevention inserts an emulation_prevention_three_byte wherever
// two zero bytes are followed by a byte of 3 or less, and after a final pair
// of zeros, turning an RBSP into a NAL unit payload.
func addEmulationPrevention(rbsp []byte) []byte {
	out := make([]byte, 0, len(rbsp)+len(rbsp)/2)
	zeros := 0
	for _, c := range rbsp {
		if zeros >= 2 && c <= 3 {
			out = append(out, 3)
			zeros = 0
		}
		out = append(out, c)
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	if zeros >= 2 {
		out = append(out, 3)
	}
	return out
}
