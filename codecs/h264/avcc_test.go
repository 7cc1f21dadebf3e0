package h264

import (
	"bytes"
	"errors"
	"testing"
)

// avccCase is one AVCC sample and what SplitAVCC makes of it. The same table
// checks splitting, joining and seeds FuzzSplitAVCC.
type avccCase struct {
	name       string
	sample     []byte
	lengthSize int
	nalus      [][]byte // nil when err is set
	err        error
}

var avccCases = []avccCase{
	{
		name:       "four-byte lengths",
		sample:     []byte{0, 0, 0, 2, 0x09, 0xf0, 0, 0, 0, 3, 0x65, 0x88, 0x84},
		lengthSize: 4,
		nalus:      [][]byte{{0x09, 0xf0}, {0x65, 0x88, 0x84}},
	},
	{
		name:       "two-byte lengths",
		sample:     []byte{0, 2, 0x67, 0x42, 0, 1, 0x68},
		lengthSize: 2,
		nalus:      [][]byte{{0x67, 0x42}, {0x68}},
	},
	{
		name:       "one-byte lengths",
		sample:     []byte{1, 0x41, 2, 0x41, 0x9a},
		lengthSize: 1,
		nalus:      [][]byte{{0x41}, {0x41, 0x9a}},
	},
	{
		name:       "zero lengths are skipped",
		sample:     []byte{0, 0, 0, 0, 0, 0, 0, 1, 0x65},
		lengthSize: 4,
		nalus:      [][]byte{{0x65}},
	},
	{
		name:       "start codes inside are data",
		sample:     []byte{0, 5, 0x65, 0, 0, 1, 0x80},
		lengthSize: 2,
		nalus:      [][]byte{{0x65, 0, 0, 1, 0x80}},
	},
	{name: "empty", sample: []byte{}, lengthSize: 4, err: ErrEmpty},
	{name: "zero lengths only", sample: []byte{0, 0, 0, 0}, lengthSize: 2, err: ErrEmpty},
	{name: "length size 3", sample: []byte{0, 0, 1, 0x65}, lengthSize: 3, err: ErrInvalidLength},
	{name: "length size 0", sample: []byte{0x65}, lengthSize: 0, err: ErrInvalidLength},
	{name: "length past the end", sample: []byte{0, 0, 0, 9, 0x65}, lengthSize: 4, err: ErrInvalidLength},
	{name: "huge length", sample: []byte{0xff, 0xff, 0xff, 0xff, 0x65}, lengthSize: 4, err: ErrInvalidLength},
	{name: "length cut short", sample: []byte{0, 1, 0x65, 0}, lengthSize: 2, err: ErrInvalidLength},
	{name: "Annex B with a short start code", sample: []byte{0, 0, 1, 0x65, 0x88, 0x84}, lengthSize: 4, err: ErrInvalidLength},
	{
		name:       "more NAL units than an access unit may have",
		sample:     bytes.Repeat([]byte{1, 0x41}, MaxNALUsPerAccessUnit+1),
		lengthSize: 1,
		err:        ErrTooManyNALUs,
	},
}

func TestSplitAVCCFindsEachNALUnit(t *testing.T) {
	for _, tc := range avccCases {
		t.Run(tc.name, func(t *testing.T) {
			input := bytes.Clone(tc.sample)
			nalus, err := SplitAVCC(input, tc.lengthSize)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error = %v, want %v", err, tc.err)
			}
			if !equalNALUs(nalus, tc.nalus) {
				t.Errorf("NAL units = % x, want % x", nalus, tc.nalus)
			}
			if !bytes.Equal(input, tc.sample) {
				t.Error("input modified")
			}
		})
	}
}

func TestJoinAVCCRoundTripsThroughSplit(t *testing.T) {
	for _, tc := range avccCases {
		if tc.err != nil {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			joined, err := JoinAVCC(tc.nalus, tc.lengthSize)
			if err != nil {
				t.Fatal(err)
			}
			nalus, err := SplitAVCC(joined, tc.lengthSize)
			if err != nil {
				t.Fatal(err)
			}
			if !equalNALUs(nalus, tc.nalus) {
				t.Errorf("round trip = % x, want % x", nalus, tc.nalus)
			}
		})
	}
}

func TestAVCCAndAnnexBCarryTheSameNALUnits(t *testing.T) {
	for _, tc := range annexBCases {
		if tc.err != nil {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			sample, err := JoinAVCC(tc.nalus, 4)
			if err != nil {
				t.Fatal(err)
			}
			nalus, err := SplitAVCC(sample, 4)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(JoinAnnexB(nalus), JoinAnnexB(tc.nalus)) {
				t.Error("AVCC and Annex B disagree")
			}
		})
	}
}

func TestAppendAVCCRejectsWhatItCannotWrite(t *testing.T) {
	dst := []byte{0xaa}
	tests := []struct {
		name       string
		nalus      [][]byte
		lengthSize int
	}{
		{"length size 3", [][]byte{{0x65}}, 3},
		{"256 bytes behind a one-byte length", [][]byte{{0x65}, make([]byte, 256)}, 1},
		{"65536 bytes behind a two-byte length", [][]byte{make([]byte, 65536)}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendAVCC(dst, tt.nalus, tt.lengthSize)
			if !errors.Is(err, ErrInvalidLength) {
				t.Errorf("error = %v, want ErrInvalidLength", err)
			}
			if !bytes.Equal(got, dst) {
				t.Errorf("dst changed to % x", got)
			}
		})
	}
	if got, err := AppendAVCC(dst, [][]byte{make([]byte, 255), {}}, 1); err != nil || len(got) != 1+1+255 {
		t.Errorf("255 bytes behind a one-byte length: %d bytes, %v", len(got), err)
	}
}

func TestSplitAVCCAliasesItsInput(t *testing.T) {
	sample := []byte{0, 2, 0x65, 0x88, 0, 1, 0x41}
	nalus, err := SplitAVCC(sample, 2)
	if err != nil {
		t.Fatal(err)
	}
	if &nalus[0][0] != &sample[2] {
		t.Error("NAL unit does not point into the input")
	}
	_ = append(nalus[0], 0xff)
	if sample[4] != 0 {
		t.Error("append to a NAL unit overwrote the input")
	}
}

func FuzzSplitAVCC(f *testing.F) {
	for _, tc := range avccCases {
		f.Add(tc.sample, tc.lengthSize)
	}
	f.Fuzz(func(t *testing.T, sample []byte, lengthSize int) {
		input := bytes.Clone(sample)
		nalus, err := SplitAVCC(sample, lengthSize)
		if !bytes.Equal(input, sample) {
			t.Fatal("SplitAVCC modified its input")
		}
		if err != nil {
			return
		}
		if len(nalus) == 0 || len(nalus) > MaxNALUsPerAccessUnit {
			t.Fatalf("%d NAL units", len(nalus))
		}
		joined, err := JoinAVCC(nalus, lengthSize)
		if err != nil {
			t.Fatalf("joining split NAL units: %v", err)
		}
		again, err := SplitAVCC(joined, lengthSize)
		if err != nil || !equalNALUs(again, nalus) {
			t.Fatalf("split, join, split = % x, %v; want % x", again, err, nalus)
		}
	})
}
