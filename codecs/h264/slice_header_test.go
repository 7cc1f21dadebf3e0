package h264

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// sliceSpec lists the values buildSlice writes into a slice header, as
// coded.
type sliceSpec struct {
	refIDC                 uint8
	idr                    bool
	firstMB, sliceType     uint32
	ppsID                  uint32
	colourPlane            uint32
	frameNum               uint32
	field, bottom          bool
	idrPicID               uint32
	pocLsb                 uint32
	deltaBottom            int32
	deltaPOC0, deltaPOC1   int32
	frameNumBits, pocBits  int
	separatePlanes, fields bool // the SPS's
	pocType                uint32
	bottomPOCPresent       bool // the PPS's
}

// buildSlice writes the head of a slice NAL unit spec describes, followed
// by a few bytes of made-up slice data.
func buildSlice(spec sliceSpec) []byte {
	w := &bitWriter{}
	w.writeUE(spec.firstMB)
	w.writeUE(spec.sliceType)
	w.writeUE(spec.ppsID)
	if spec.separatePlanes {
		w.writeBits(uint64(spec.colourPlane), 2)
	}
	w.writeBits(uint64(spec.frameNum), spec.frameNumBits)
	if spec.fields {
		w.writeFlag(spec.field)
		if spec.field {
			w.writeFlag(spec.bottom)
		}
	}
	if spec.idr {
		w.writeUE(spec.idrPicID)
	}
	switch spec.pocType {
	case 0:
		w.writeBits(uint64(spec.pocLsb), spec.pocBits)
		if spec.bottomPOCPresent && !spec.field {
			w.writeSE(spec.deltaBottom)
		}
	case 1:
		w.writeSE(spec.deltaPOC0)
		if spec.bottomPOCPresent && !spec.field {
			w.writeSE(spec.deltaPOC1)
		}
	}
	w.writeBits(0, 24) // slice data: zeros, so emulation prevention is needed
	w.trailingBits()
	header := spec.refIDC<<5 | uint8(NALUTypeNonIDR)
	if spec.idr {
		header = spec.refIDC<<5 | uint8(NALUTypeIDR)
	}
	return append([]byte{header}, addEmulationPrevention(w.buf)...)
}

// buildPPS writes a PPS NAL unit's head, as ParsePPS reads it.
func buildPPS(id, spsID uint32, cabac, bottomPOC bool) []byte {
	w := &bitWriter{}
	w.writeUE(id)
	w.writeUE(spsID)
	w.writeFlag(cabac)
	w.writeFlag(bottomPOC)
	w.writeUE(0) // num_slice_groups_minus1; the rest is not read
	w.trailingBits()
	return append([]byte{0x68}, addEmulationPrevention(w.buf)...)
}

// sliceTable returns parameter sets for the slice tests: PPS 0 on an SPS of
// POC type 0 (8 frame_num bits, 6 lsb bits), PPS 1 on an interlaced one of
// POC type 1 with the bottom field's count coded, PPS 2 on a 4:4:4 one with
// separate colour planes and POC type 2.
func sliceTable(t testing.TB) *ParamSetTable {
	t.Helper()
	var sets ParamSetTable
	err := sets.Update([][]byte{
		buildSPS(spsSpec{profile: 100, level: 30, chromaFormatIDC: 1, log2MaxFrameNumMinus4: 4, log2MaxPOCLsbMinus4: 2,
			maxNumRefFrames: 4, widthMBsMinus1: 19, heightMapUnitsMinus1: 14}),
		buildSPS(spsSpec{profile: 77, level: 30, id: 1, pocType: 1, offsetNonRef: -1, offsetTopToBottom: 1,
			offsetRefFrames: []int32{2}, maxNumRefFrames: 2, widthMBsMinus1: 44, heightMapUnitsMinus1: 17, fieldsAllowed: true}),
		buildSPS(spsSpec{profile: 244, level: 30, id: 2, chromaFormatIDC: 3, separateColourPlane: true, pocType: 2,
			maxNumRefFrames: 1, widthMBsMinus1: 9, heightMapUnitsMinus1: 9}),
		buildPPS(0, 0, true, false),
		buildPPS(1, 1, false, true),
		buildPPS(2, 2, false, false),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &sets
}

// sliceCases are slices and the header ParseSliceHeader must read from
// them with sliceTable's parameter sets. They also seed
// FuzzParseSliceHeader.
var sliceCases = []struct {
	name string
	spec sliceSpec
	want SliceHeader
}{
	{"IDR of POC type 0",
		sliceSpec{refIDC: 3, idr: true, sliceType: 7, frameNumBits: 8, idrPicID: 5, pocBits: 6, pocLsb: 0},
		SliceHeader{NALRefIDC: 3, IDR: true, Type: SliceI, IDRPicID: 5}},
	{"B-slice of POC type 0, mid-picture",
		sliceSpec{firstMB: 120, sliceType: 1, frameNumBits: 8, frameNum: 200, pocBits: 6, pocLsb: 63},
		SliceHeader{FirstMBInSlice: 120, Type: SliceB, FrameNum: 200, PicOrderCntLsb: 63}},
	{"bottom field of POC type 1",
		sliceSpec{refIDC: 2, sliceType: 0, ppsID: 1, frameNumBits: 4, frameNum: 9, fields: true, field: true, bottom: true,
			pocType: 1, bottomPOCPresent: true, deltaPOC0: -3},
		SliceHeader{NALRefIDC: 2, Type: SliceP, PPSID: 1, FrameNum: 9, FieldPic: true, BottomField: true, DeltaPicOrderCnt: [2]int32{-3, 0}}},
	{"frame of POC type 1 with both deltas",
		sliceSpec{refIDC: 1, sliceType: 5, ppsID: 1, frameNumBits: 4, frameNum: 15, fields: true,
			pocType: 1, bottomPOCPresent: true, deltaPOC0: 4, deltaPOC1: -7},
		SliceHeader{NALRefIDC: 1, Type: SliceP, PPSID: 1, FrameNum: 15, DeltaPicOrderCnt: [2]int32{4, -7}}},
	{"colour plane of POC type 2",
		sliceSpec{refIDC: 1, sliceType: 2, ppsID: 2, separatePlanes: true, colourPlane: 2, frameNumBits: 4, frameNum: 3, pocType: 2},
		SliceHeader{NALRefIDC: 1, Type: SliceI, PPSID: 2, ColourPlaneID: 2, FrameNum: 3}},
}

func TestParseSliceHeaderReadsEachPOCType(t *testing.T) {
	sets := sliceTable(t)
	for _, tc := range sliceCases {
		t.Run(tc.name, func(t *testing.T) {
			nalu := buildSlice(tc.spec)
			input := bytes.Clone(nalu)
			h, err := ParseSliceHeader(nalu, sets)
			if err != nil {
				t.Fatal(err)
			}
			if *h != tc.want {
				t.Errorf("got %+v\nwant %+v", *h, tc.want)
			}
			if !bytes.Equal(nalu, input) {
				t.Error("ParseSliceHeader modified its input")
			}
		})
	}
}

func TestParseSliceHeaderReadsX264(t *testing.T) {
	stream, err := os.ReadFile("testdata/x264_320x240_idr.h264")
	if err != nil {
		t.Fatal(err)
	}
	nalus, err := SplitAnnexB(stream)
	if err != nil {
		t.Fatal(err)
	}
	var sets ParamSetTable
	if err := sets.Update(nalus); err != nil {
		t.Fatal(err)
	}
	for _, n := range nalus {
		if TypeOf(n) != NALUTypeIDR {
			continue
		}
		h, err := ParseSliceHeader(n, &sets)
		if err != nil {
			t.Fatal(err)
		}
		if !h.IDR || h.Type != SliceI || h.NALRefIDC != 3 || h.FirstMBInSlice != 0 || h.PicOrderCntLsb != 0 || h.FrameNum != 0 {
			t.Errorf("x264 IDR slice header %+v", *h)
		}
		return
	}
	t.Fatal("no IDR slice in the test stream")
}

func TestParseSliceHeaderRejectsBadInput(t *testing.T) {
	sets := sliceTable(t)
	idr := buildSlice(sliceCases[0].spec)
	tests := []struct {
		name string
		nalu []byte
		err  error
	}{
		{"empty", nil, ErrEmpty},
		{"not a slice", buildPPS(0, 0, false, false), ErrNotSlice},
		{"unknown PPS", buildSlice(sliceSpec{sliceType: 0, ppsID: 9, frameNumBits: 8, pocBits: 6}), ErrMissingParameterSets},
		{"PPS out of range", buildSlice(sliceSpec{sliceType: 0, ppsID: 256, frameNumBits: 8, pocBits: 6}), ErrInvalidSliceHeader},
		{"slice type out of range", buildSlice(sliceSpec{sliceType: 10, frameNumBits: 8, pocBits: 6}), ErrInvalidSliceHeader},
		{"IDR of P-slices", buildSlice(sliceSpec{idr: true, refIDC: 3, sliceType: 5, frameNumBits: 8, pocBits: 6}), ErrInvalidSliceHeader},
		{"cut in its header", idr[:2], ErrTruncated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ParseSliceHeader(tc.nalu, sets)
			if !errors.Is(err, tc.err) || h != nil {
				t.Errorf("got %+v, %v; want %v", h, err, tc.err)
			}
		})
	}
}

func TestParseSliceHeaderLooksOnlyAtItsHead(t *testing.T) {
	sets := sliceTable(t)
	nalu := append(buildSlice(sliceCases[1].spec), make([]byte, 1<<20)...)
	allocs := testing.AllocsPerRun(10, func() {
		if _, err := ParseSliceHeader(nalu, sets); err != nil {
			t.Fatal(err)
		}
	})
	// The header, its reader and the copy without emulation prevention
	// bytes of no more than maxHeadBytes: nothing scales with the slice.
	if allocs > 4 {
		t.Errorf("%v allocations", allocs)
	}
}

func TestParsePPSReadsItsHead(t *testing.T) {
	pps, err := ParsePPS(buildPPS(255, 31, true, true))
	if err != nil {
		t.Fatal(err)
	}
	if *pps != (PPS{ID: 255, SPSID: 31, EntropyCodingMode: true, BottomFieldPicOrderInFramePresent: true}) {
		t.Errorf("PPS %+v", *pps)
	}
	for _, bad := range []struct {
		nalu []byte
		err  error
	}{{nil, ErrEmpty}, {buildSlice(sliceCases[0].spec), ErrNotPPS}, {buildPPS(256, 0, false, false), ErrInvalidPPS},
		{buildPPS(0, 32, false, false), ErrInvalidPPS}, {[]byte{0x68}, ErrTruncated}} {
		if pps, err := ParsePPS(bad.nalu); !errors.Is(err, bad.err) || pps != nil {
			t.Errorf("ParsePPS(%x) = %+v, %v; want %v", bad.nalu, pps, err, bad.err)
		}
	}
}

func TestParamSetTableFindsTheSPSOfAPPS(t *testing.T) {
	sets := sliceTable(t)
	sps, pps, err := sets.Lookup(1)
	if err != nil || sps.ID != 1 || pps.ID != 1 || sps.PicOrderCntType != 1 {
		t.Fatalf("Lookup(1) = %+v, %+v, %v", sps, pps, err)
	}
	if err := sets.Update([][]byte{buildPPS(7, 30, false, false), {0x67, 0x42}}); !errors.Is(err, ErrTruncated) {
		t.Errorf("Update of a cut SPS: %v", err)
	}
	if _, _, err := sets.Lookup(7); !errors.Is(err, ErrMissingParameterSets) {
		t.Errorf("Lookup of a PPS without its SPS: %v", err)
	}
	if _, _, err := sets.Lookup(300); !errors.Is(err, ErrMissingParameterSets) {
		t.Errorf("Lookup(300): %v", err)
	}
}

func FuzzParseSliceHeader(f *testing.F) {
	for _, tc := range sliceCases {
		nalu := buildSlice(tc.spec)
		f.Add(nalu)
		f.Add(nalu[:len(nalu)/2])
	}
	f.Add([]byte{0x65})
	f.Add([]byte{0x41, 0xff, 0xff, 0xff})
	sets := sliceTable(f)
	f.Fuzz(func(t *testing.T, nalu []byte) {
		input := bytes.Clone(nalu)
		h, err := ParseSliceHeader(nalu, sets)
		if !bytes.Equal(nalu, input) {
			t.Fatal("ParseSliceHeader modified its input")
		}
		if err != nil {
			if h != nil {
				t.Fatal("a header was returned with an error")
			}
			return
		}
		if h.Type > SliceSI || h.PPSID > 2 || h.IDRPicID > maxIDRPicID || h.NALRefIDC > 3 {
			t.Fatalf("out of range: %+v", *h)
		}
		sps, _, err := sets.Lookup(h.PPSID)
		if err != nil {
			t.Fatal(err)
		}
		var c PicOrderCounter
		c.Count(h, sps)
	})
}

func FuzzParsePPS(f *testing.F) {
	f.Add(buildPPS(0, 0, true, false))
	f.Add(buildPPS(255, 31, false, true))
	f.Add([]byte{0x68, 0x00, 0x00, 0x03})
	f.Fuzz(func(t *testing.T, nalu []byte) {
		input := bytes.Clone(nalu)
		pps, err := ParsePPS(nalu)
		if !bytes.Equal(nalu, input) {
			t.Fatal("ParsePPS modified its input")
		}
		if err == nil && (pps.ID > maxPPSID || pps.SPSID > maxSPSID) {
			t.Fatalf("out of range: %+v", *pps)
		}
	})
}
