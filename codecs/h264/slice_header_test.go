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
	// tail writes the elements after the picture order count; by default
	// they are zero bits, which end every list and marking at once.
	tail func(w *bitWriter)
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
	if spec.tail != nil {
		spec.tail(w)
	}
	w.writeBits(0, 24) // slice data: zeros, so emulation prevention is needed
	w.trailingBits()
	header := spec.refIDC<<5 | uint8(NALUTypeNonIDR)
	if spec.idr {
		header = spec.refIDC<<5 | uint8(NALUTypeIDR)
	}
	return append([]byte{header}, addEmulationPrevention(w.buf)...)
}

// ppsSpec lists the values buildPPSSpec writes into a PPS, as coded.
type ppsSpec struct {
	id, spsID                  uint32
	cabac, bottomPOC           bool
	sliceGroupsMinus1, mapType uint32
	mapUnitsMinus1             uint32 // slice_group_map_type 6
	refsL0Minus1, refsL1Minus1 uint32
	weighted                   bool
	bipred                     uint32
	redundant                  bool
}

// buildPPSSpec writes the PPS NAL unit spec describes, up to
// redundant_pic_cnt_present_flag and the trailing bits.
func buildPPSSpec(spec ppsSpec) []byte {
	w := &bitWriter{}
	w.writeUE(spec.id)
	w.writeUE(spec.spsID)
	w.writeFlag(spec.cabac)
	w.writeFlag(spec.bottomPOC)
	w.writeUE(spec.sliceGroupsMinus1)
	if spec.sliceGroupsMinus1 > 0 {
		w.writeUE(spec.mapType)
		switch spec.mapType {
		case 0:
			for range spec.sliceGroupsMinus1 + 1 {
				w.writeUE(5)
			}
		case 2:
			for range spec.sliceGroupsMinus1 {
				w.writeUE(1)
				w.writeUE(9)
			}
		case 3, 4, 5:
			w.writeFlag(true)
			w.writeUE(2)
		case 6:
			w.writeUE(spec.mapUnitsMinus1)
			bits := 1
			for 1<<bits < spec.sliceGroupsMinus1+1 {
				bits++
			}
			for i := range spec.mapUnitsMinus1 + 1 {
				w.writeBits(uint64(i%(spec.sliceGroupsMinus1+1)), bits)
			}
		}
	}
	w.writeUE(spec.refsL0Minus1)
	w.writeUE(spec.refsL1Minus1)
	w.writeFlag(spec.weighted)
	w.writeBits(uint64(spec.bipred), 2)
	w.writeSE(-3) // pic_init_qp_minus26
	w.writeSE(0)  // pic_init_qs_minus26
	w.writeSE(2)  // chroma_qp_index_offset
	w.writeFlag(true)
	w.writeFlag(false)
	w.writeFlag(spec.redundant)
	w.trailingBits()
	return append([]byte{0x68}, addEmulationPrevention(w.buf)...)
}

// buildPPS writes a PPS with the defaults of x264's.
func buildPPS(id, spsID uint32, cabac, bottomPOC bool) []byte {
	return buildPPSSpec(ppsSpec{id: id, spsID: spsID, cabac: cabac, bottomPOC: bottomPOC, refsL0Minus1: 2, weighted: true, bipred: 2})
}

// sliceTable returns parameter sets for the slice tests: PPS 0 (x264's:
// three references, weighted P prediction) on an SPS of POC type 0 (8
// frame_num bits, 6 lsb bits), PPS 1 (slice groups) on an interlaced one
// of POC type 1 with the bottom field's count coded, PPS 2 (redundant
// pictures, explicit weighted B prediction) on a 4:4:4 one with separate
// colour planes and POC type 2.
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
		buildPPSSpec(ppsSpec{id: 1, spsID: 1, bottomPOC: true, sliceGroupsMinus1: 2, mapType: 6, mapUnitsMinus1: 809}),
		buildPPSSpec(ppsSpec{id: 2, spsID: 2, redundant: true, bipred: 1}),
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
		sliceSpec{refIDC: 1, sliceType: 2, ppsID: 2, separatePlanes: true, colourPlane: 2, frameNumBits: 4, frameNum: 3, pocType: 2,
			tail: func(w *bitWriter) { w.writeUE(0) }}, // redundant_pic_cnt
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
			if h.markingErr != nil {
				t.Errorf("reading the marking: %v", h.markingErr)
			}
			h.markingErr = nil
			if *h != tc.want {
				t.Errorf("got %+v\nwant %+v", *h, tc.want)
			}
			if !bytes.Equal(nalu, input) {
				t.Error("ParseSliceHeader modified its input")
			}
		})
	}
}

// markingCases are slices whose reference picture marking ParseSliceHeader
// must read past lists, weights and other operations to find
// memory_management_control_operation 5, or its absence.
var markingCases = []struct {
	name  string
	spec  sliceSpec
	mmco5 bool
}{
	{"P-slice with modifications, weights and MMCO 5",
		sliceSpec{refIDC: 2, sliceType: 0, frameNumBits: 8, frameNum: 7, pocBits: 6, pocLsb: 14, tail: func(w *bitWriter) {
			w.writeFlag(true) // num_ref_idx_active_override_flag
			w.writeUE(1)      // two references
			w.writeFlag(true) // ref_pic_list_modification_flag_l0
			for _, v := range []uint32{0, 3, 2, 1, 3} {
				w.writeUE(v)
			}
			w.writeUE(5) // luma_log2_weight_denom
			w.writeUE(3) // chroma_log2_weight_denom
			w.writeFlag(true)
			w.writeSE(40)
			w.writeSE(-2)
			w.writeFlag(true)
			for _, v := range []int32{-7, 1, 0, 3} {
				w.writeSE(v)
			}
			w.writeFlag(false)
			w.writeFlag(false)
			w.writeFlag(true) // adaptive_ref_pic_marking_mode_flag
			for _, v := range []uint32{1, 0, 4, 2, 5, 0} {
				w.writeUE(v)
			}
		}}, true},
	{"P-slice with other operations",
		sliceSpec{refIDC: 2, sliceType: 5, frameNumBits: 8, frameNum: 7, pocBits: 6, pocLsb: 14, tail: func(w *bitWriter) {
			w.writeBits(0, 2) // no override, no modification
			w.writeUE(0)      // luma_log2_weight_denom
			w.writeUE(0)      // chroma_log2_weight_denom
			w.writeBits(0, 6) // three references without weights
			w.writeFlag(true) // adaptive_ref_pic_marking_mode_flag
			for _, v := range []uint32{3, 0, 1, 6, 2, 2, 4, 0} {
				w.writeUE(v)
			}
		}}, false},
	{"B-slice of explicit weights and a redundant count with MMCO 5",
		sliceSpec{refIDC: 1, sliceType: 1, ppsID: 2, separatePlanes: true, frameNumBits: 4, frameNum: 2, pocType: 2, tail: func(w *bitWriter) {
			w.writeUE(0)      // redundant_pic_cnt
			w.writeFlag(true) // direct_spatial_mv_pred_flag
			w.writeFlag(true) // num_ref_idx_active_override_flag
			w.writeUE(0)      // one reference in list 0
			w.writeUE(1)      // two in list 1
			w.writeBits(0, 2) // no modifications
			w.writeUE(2)      // luma_log2_weight_denom; no chroma with separate planes
			w.writeFlag(true)
			w.writeSE(3)
			w.writeSE(3)
			w.writeBits(0, 2)
			w.writeFlag(true) // adaptive_ref_pic_marking_mode_flag
			w.writeUE(5)
			w.writeUE(0)
		}}, true},
	{"IDR", sliceSpec{refIDC: 3, idr: true, sliceType: 2, frameNumBits: 8, pocBits: 6, tail: func(w *bitWriter) {
		w.writeBits(3, 2) // no_output_of_prior_pics_flag, long_term_reference_flag
	}}, false},
	{"non-reference picture", sliceSpec{sliceType: 0, frameNumBits: 8, pocBits: 6, tail: func(w *bitWriter) {
		w.writeBits(0, 2) // no override, no modification
		w.writeUE(0)
		w.writeUE(0)
		w.writeBits(0, 6)
		w.writeBits(1, 1) // what would be adaptive_ref_pic_marking_mode_flag
		w.writeUE(5)
	}}, false},
}

func TestParseSliceHeaderFindsMMCO5(t *testing.T) {
	sets := sliceTable(t)
	for _, tc := range markingCases {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ParseSliceHeader(buildSlice(tc.spec), sets)
			if err != nil {
				t.Fatal(err)
			}
			if h.MMCO5 != tc.mmco5 || h.markingErr != nil {
				t.Errorf("MMCO5 %t (%v), want %t", h.MMCO5, h.markingErr, tc.mmco5)
			}
		})
	}
}

func TestParseSliceHeaderReadsThePictureOrderOfAMarkingItCannotRead(t *testing.T) {
	sets := sliceTable(t)
	for name, tail := range map[string]func(w *bitWriter){
		"an unknown operation": func(w *bitWriter) {
			w.writeBits(0, 2)
			w.writeUE(0)
			w.writeUE(0)
			w.writeBits(0, 6)
			w.writeFlag(true)
			w.writeUE(5)
			w.writeUE(7)
		},
		"a list modification that does not end": func(w *bitWriter) {
			w.writeFlag(false)
			w.writeFlag(true)
			for range 40 {
				w.writeUE(2)
				w.writeUE(0)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			h, err := ParseSliceHeader(buildSlice(sliceSpec{refIDC: 2, sliceType: 0, frameNumBits: 8, pocBits: 6, pocLsb: 10, tail: tail}), sets)
			if err != nil {
				t.Fatal(err)
			}
			if h.MMCO5 || !errors.Is(h.markingErr, ErrInvalidSliceHeader) || h.PicOrderCntLsb != 10 {
				t.Errorf("MMCO5 %t (%v), lsb %d", h.MMCO5, h.markingErr, h.PicOrderCntLsb)
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
	if *pps != (PPS{ID: 255, SPSID: 31, EntropyCodingMode: true, BottomFieldPicOrderInFramePresent: true, NumSliceGroups: 1,
		NumRefIdxL0DefaultActive: 3, NumRefIdxL1DefaultActive: 1, WeightedPred: true, WeightedBipredIDC: 2,
		PicInitQPMinus26: -3, ChromaQPIndexOffset: 2, DeblockingFilterControlPresent: true}) {
		t.Errorf("PPS %+v", *pps)
	}
	for _, mapType := range []uint32{0, 1, 2, 3, 4, 5, 6} {
		pps, err := ParsePPS(buildPPSSpec(ppsSpec{sliceGroupsMinus1: 7, mapType: mapType, mapUnitsMinus1: 98, refsL1Minus1: 31, redundant: true}))
		if err != nil || pps.NumSliceGroups != 8 || pps.NumRefIdxL1DefaultActive != 32 || !pps.RedundantPicCntPresent {
			t.Errorf("slice group map type %d: %+v, %v", mapType, pps, err)
		}
	}
	for _, bad := range []struct {
		nalu []byte
		err  error
	}{{nil, ErrEmpty}, {buildSlice(sliceCases[0].spec), ErrNotPPS}, {buildPPS(256, 0, false, false), ErrInvalidPPS},
		{buildPPS(0, 32, false, false), ErrInvalidPPS}, {[]byte{0x68}, ErrTruncated},
		{buildPPSSpec(ppsSpec{bipred: 3}), ErrInvalidPPS}, {buildPPSSpec(ppsSpec{sliceGroupsMinus1: 8}), ErrInvalidPPS},
		{buildPPSSpec(ppsSpec{refsL0Minus1: 32}), ErrInvalidPPS}, {buildPPS(0, 0, false, false)[:3], ErrTruncated}} {
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

// A sender repeats its SPS and PPS before every keyframe (or every slice):
// a repeat of the kept bytes is not parsed again, and keeps the parsed set
// it repeats; a changed one under the same identifier replaces it.
func TestParamSetTableDoesNotParseARepeatAgain(t *testing.T) {
	sets := sliceTable(t)
	sps := buildSPS(spsSpec{profile: 77, level: 30, id: 1, pocType: 1, offsetNonRef: -1, offsetTopToBottom: 1,
		offsetRefFrames: []int32{2}, maxNumRefFrames: 2, widthMBsMinus1: 44, heightMapUnitsMinus1: 17, fieldsAllowed: true})
	pps := buildPPSSpec(ppsSpec{id: 1, spsID: 1, bottomPOC: true, sliceGroupsMinus1: 2, mapType: 6, mapUnitsMinus1: 809})
	before, beforePPS, _ := sets.Lookup(1)
	if n := testing.AllocsPerRun(20, func() {
		if err := sets.Update([][]byte{sps, pps}); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("a repeat of the kept SPS and PPS took %.0f allocations: parsed again", n)
	}
	if after, afterPPS, _ := sets.Lookup(1); after != before || afterPPS != beforePPS {
		t.Error("a repeat replaced the parameter sets it repeats")
	}
	changed := buildSPS(spsSpec{profile: 77, level: 31, id: 1, maxNumRefFrames: 2, widthMBsMinus1: 44, heightMapUnitsMinus1: 17})
	if err := sets.Update([][]byte{changed}); err != nil {
		t.Fatal(err)
	}
	if after, _, _ := sets.Lookup(1); after == before || after.LevelIDC != 31 {
		t.Errorf("a changed SPS 1 did not replace the kept one: %+v", after)
	}
}

func FuzzParseSliceHeader(f *testing.F) {
	for _, tc := range sliceCases {
		nalu := buildSlice(tc.spec)
		f.Add(nalu)
		f.Add(nalu[:len(nalu)/2])
	}
	for _, tc := range markingCases {
		f.Add(buildSlice(tc.spec))
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
