package h264

import (
	"errors"
	"testing"
)

func TestBitReaderReadsExpGolombCodes(t *testing.T) {
	w := &bitWriter{}
	ues := []uint32{0, 1, 2, 3, 7, 8, 255, 1 << 20, 1<<31 - 1, 1<<32 - 2}
	ses := []int32{0, 1, -1, 2, -2, 127, -128, 1<<31 - 1, -(1<<31 - 1)}
	for _, v := range ues {
		w.writeUE(v)
	}
	for _, v := range ses {
		w.writeSE(v)
	}
	w.writeBits(0x5, 3)
	r := NewBitReader(w.buf)
	for _, want := range ues {
		got, err := r.ReadUE()
		if err != nil || got != want {
			t.Fatalf("ReadUE = %d, %v; want %d", got, err, want)
		}
	}
	for _, want := range ses {
		got, err := r.ReadSE()
		if err != nil || got != want {
			t.Fatalf("ReadSE = %d, %v; want %d", got, err, want)
		}
	}
	if got, err := r.ReadBits(3); err != nil || got != 0x5 {
		t.Fatalf("ReadBits(3) = %d, %v; want 5", got, err)
	}
}

func TestBitReaderReadsKnownCodes(t *testing.T) {
	// 1 | 010 | 011 | 00100: ue 0, 1, 2, 3.
	r := NewBitReader([]byte{0xa6, 0x40})
	for _, want := range []uint32{0, 1, 2, 3} {
		if got, err := r.ReadUE(); err != nil || got != want {
			t.Fatalf("ReadUE = %d, %v; want %d", got, err, want)
		}
	}
}

func TestBitReaderStopsAtTheEnd(t *testing.T) {
	r := NewBitReader([]byte{0xff})
	if _, err := r.ReadBits(9); !errors.Is(err, ErrTruncated) {
		t.Errorf("ReadBits(9) on one byte: %v, want ErrTruncated", err)
	}
	if r.BitsLeft() != 8 {
		t.Errorf("a failed read moved the position: %d bits left", r.BitsLeft())
	}
	if got, err := r.ReadBits(8); err != nil || got != 0xff {
		t.Errorf("ReadBits(8) = %x, %v", got, err)
	}
	if _, err := r.ReadFlag(); !errors.Is(err, ErrTruncated) {
		t.Errorf("ReadFlag at the end: %v, want ErrTruncated", err)
	}
	if err := r.Skip(1); !errors.Is(err, ErrTruncated) {
		t.Errorf("Skip at the end: %v, want ErrTruncated", err)
	}
}

func TestBitReaderRejectsBadCodes(t *testing.T) {
	tests := []struct {
		name string
		buf  []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"all zeros", []byte{0, 0}, ErrTruncated},
		{"prefix without its suffix", []byte{0x01}, ErrTruncated},
		{"32 leading zeros", []byte{0, 0, 0, 0, 0x80, 0, 0, 0, 0}, ErrInvalidExpGolomb},
		{"40 leading zeros", []byte{0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff}, ErrInvalidExpGolomb},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewBitReader(tt.buf)
			if _, err := r.ReadUE(); !errors.Is(err, tt.want) {
				t.Errorf("ReadUE: %v, want %v", err, tt.want)
			}
			if r.BitsLeft() != len(tt.buf)*8 {
				t.Errorf("a failed read moved the position: %d bits left", r.BitsLeft())
			}
			if _, err := r.ReadSE(); !errors.Is(err, tt.want) {
				t.Errorf("ReadSE: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestBitReaderReadsTheLargestCode(t *testing.T) {
	// 31 zeros, a one, then 31 ones: 2^32 - 2.
	r := NewBitReader([]byte{0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe})
	if got, err := r.ReadUE(); err != nil || got != 1<<32-2 {
		t.Errorf("ReadUE = %d, %v; want %d", got, err, uint32(1<<32-2))
	}
}

func TestBitReaderRejectsImpossibleWidths(t *testing.T) {
	r := NewBitReader(make([]byte, 8))
	for _, n := range []int{-1, 33} {
		if _, err := r.ReadBits(n); err == nil {
			t.Errorf("ReadBits(%d) succeeded", n)
		}
	}
	if err := r.Skip(-1); err == nil {
		t.Error("Skip(-1) succeeded")
	}
}
