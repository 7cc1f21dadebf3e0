package h264

import (
	"bytes"
	"encoding/hex"
	"errors"
	"slices"
	"testing"
)

// spsCase is an SPS NAL unit and the values ParseSPS must find in it. The
// x264 ones were written by libx264 through ffmpeg; the hand-made ones were
// built with buildSPS and checked to decode with ffmpeg in place of the SPS of
// a stream of the same size. The table also seeds FuzzParseSPS.
type spsCase struct {
	name          string
	hex           string
	width, height int
	profile       uint8
	level         uint8
	chroma        uint32
	bitDepth      uint32
	frameMBSOnly  bool
	pocType       uint32
	scaling       bool
	crop          [4]uint32 // left, right, top, bottom
	frameRate     float64
}

var spsCases = []spsCase{
	{name: "x264 320x240 High", hex: "6764000dacd94141fb0110000003001000000303c0f1429960",
		width: 320, height: 240, profile: 100, level: 13, chroma: 1, bitDepth: 8, frameMBSOnly: true, frameRate: 30},
	{name: "x264 640x480 High", hex: "6764001eacd940a03db0110000030001000003003c0f162d96",
		width: 640, height: 480, profile: 100, level: 30, chroma: 1, bitDepth: 8, frameMBSOnly: true, frameRate: 30},
	{name: "x264 1280x720 High", hex: "6764001facd9405005bb0110000003001000000303c0f1831960",
		width: 1280, height: 720, profile: 100, level: 31, chroma: 1, bitDepth: 8, frameMBSOnly: true, frameRate: 30},
	{name: "x264 1920x1080 High cropped from 1088", hex: "67640028acd940780227e5c044000003000400000300f03c60c658",
		width: 1920, height: 1080, profile: 100, level: 40, chroma: 1, bitDepth: 8, frameMBSOnly: true, crop: [4]uint32{0, 0, 0, 4}, frameRate: 30},
	{name: "x264 640x480 Constrained Baseline with POC type 2", hex: "6742c01ed900a03db011000003000100000300320f162e48",
		width: 640, height: 480, profile: 66, level: 30, chroma: 1, bitDepth: 8, frameMBSOnly: true, pocType: 2, frameRate: 25},
	{name: "x264 720x576 interlaced", hex: "6764001eacd940b424d8088000000300800000190f8a14cb",
		width: 720, height: 576, profile: 100, level: 30, chroma: 1, bitDepth: 8, frameMBSOnly: false, frameRate: 25},
	{name: "x264 318x178 4:2:0 cropped by two-sample units", hex: "6764000dacd941419ea230110000030001000003003c0f142996",
		width: 318, height: 178, profile: 100, level: 13, chroma: 1, bitDepth: 8, frameMBSOnly: true, crop: [4]uint32{0, 1, 0, 7}, frameRate: 30},
	{name: "x264 318x178 4:2:2 cropped by rows", hex: "677a000dbcd941419ea3f0110000030001000003003c0f142996",
		width: 318, height: 178, profile: 122, level: 13, chroma: 2, bitDepth: 8, frameMBSOnly: true, crop: [4]uint32{0, 1, 0, 14}, frameRate: 30},
	{name: "x264 318x178 4:4:4 cropped by samples", hex: "67f4000d919b282833dc7e0220000003002000000781e28532c0",
		width: 318, height: 178, profile: 244, level: 13, chroma: 3, bitDepth: 8, frameMBSOnly: true, crop: [4]uint32{0, 2, 0, 14}, frameRate: 30},
	{name: "x264 320x240 High 10", hex: "676e000da6cd94141fb0110000030001000003003c0f142996",
		width: 320, height: 240, profile: 110, level: 13, chroma: 1, bitDepth: 10, frameMBSOnly: true, frameRate: 30},
	{name: "x264 320x240 monochrome", hex: "6764000df3650507ec05b2000003000200000300781e28532c",
		width: 320, height: 240, profile: 100, level: 13, chroma: 0, bitDepth: 8, frameMBSOnly: true, frameRate: 30},
	{name: "hand-made 1280x720 High with scaling lists", hex: "6764001fad847ffff0804018c07f00407fff42349249249249249249249249249249249249249249249249284765014016e840000003004000000f21",
		width: 1280, height: 720, profile: 100, level: 31, chroma: 1, bitDepth: 8, frameMBSOnly: true, scaling: true, frameRate: 30},
	{name: "hand-made 318x178 4:4:4 with twelve scaling lists", hex: "67f4000d91b08ffffe100803180fe0080fffe84692492492492492492492492492492492492492492492492508cc17524924924924924924924924924924924924924924924924a11d941419ee3e10000003001000000303c840",
		width: 318, height: 178, profile: 244, level: 13, chroma: 3, bitDepth: 8, frameMBSOnly: true, scaling: true, crop: [4]uint32{0, 2, 0, 14}, frameRate: 30},
	{name: "hand-made 640x480 Baseline with POC type 1", hex: "6742c01ed4b2118a201407b42000000300200000065080",
		width: 640, height: 480, profile: 66, level: 30, chroma: 1, bitDepth: 8, frameMBSOnly: true, pocType: 1, frameRate: 25},
}

func mustDecodeHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestParseSPSReadsRealSPS(t *testing.T) {
	for _, tc := range spsCases {
		t.Run(tc.name, func(t *testing.T) {
			nalu := mustDecodeHex(t, tc.hex)
			input := bytes.Clone(nalu)
			sps, err := ParseSPS(nalu)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(nalu, input) {
				t.Error("ParseSPS modified its input")
			}
			if sps.Width() != tc.width || sps.Height() != tc.height {
				t.Errorf("size = %dx%d, want %dx%d", sps.Width(), sps.Height(), tc.width, tc.height)
			}
			if sps.ProfileIDC != tc.profile || sps.LevelIDC != tc.level {
				t.Errorf("profile %d level %d, want %d %d", sps.ProfileIDC, sps.LevelIDC, tc.profile, tc.level)
			}
			if sps.ChromaFormatIDC != tc.chroma || sps.BitDepthLuma != tc.bitDepth || sps.BitDepthChroma != tc.bitDepth {
				t.Errorf("chroma %d, bit depths %d %d; want %d, %d", sps.ChromaFormatIDC, sps.BitDepthLuma, sps.BitDepthChroma, tc.chroma, tc.bitDepth)
			}
			if sps.FrameMBSOnly != tc.frameMBSOnly || sps.PicOrderCntType != tc.pocType || sps.ScalingMatrixPresent != tc.scaling {
				t.Errorf("frame_mbs_only %t, POC type %d, scaling %t; want %t, %d, %t",
					sps.FrameMBSOnly, sps.PicOrderCntType, sps.ScalingMatrixPresent, tc.frameMBSOnly, tc.pocType, tc.scaling)
			}
			if crop := [4]uint32{sps.CropLeft, sps.CropRight, sps.CropTop, sps.CropBottom}; crop != tc.crop {
				t.Errorf("crop = %v, want %v", crop, tc.crop)
			}
			if sps.FrameCropping != (tc.crop != [4]uint32{}) {
				t.Errorf("frame_cropping_flag = %t with crop %v", sps.FrameCropping, tc.crop)
			}
			if rate, ok := sps.VUI.FrameRate(); !ok || rate != tc.frameRate {
				t.Errorf("frame rate = %v, %t; want %v", rate, ok, tc.frameRate)
			}
		})
	}
}

func TestParseSPSReadsEveryPOCType(t *testing.T) {
	poc0, err := ParseSPS(mustDecodeHex(t, spsCases[0].hex))
	if err != nil {
		t.Fatal(err)
	}
	if poc0.Log2MaxFrameNum != 4 || poc0.Log2MaxPicOrderCntLsb != 6 || poc0.MaxNumRefFrames != 4 || !poc0.Direct8x8Inference {
		t.Errorf("POC type 0 SPS = %+v", poc0)
	}
	poc1, err := ParseSPS(buildSPS(spsSpec{
		profile: 77, level: 40, pocType: 1, offsetNonRef: -2, offsetTopToBottom: 3,
		offsetRefFrames: []int32{2, -1, 5}, maxNumRefFrames: 2, widthMBsMinus1: 21, heightMapUnitsMinus1: 17,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if poc1.OffsetForNonRefPic != -2 || poc1.OffsetForTopToBottomField != 3 ||
		len(poc1.OffsetForRefFrame) != 3 || poc1.OffsetForRefFrame[2] != 5 || poc1.DeltaPicOrderAlwaysZero {
		t.Errorf("POC type 1 SPS = %+v", poc1)
	}
	if poc1.Width() != 352 || poc1.Height() != 288 || poc1.VUI != nil {
		t.Errorf("POC type 1 SPS is %dx%d with VUI %v, want 352x288 without", poc1.Width(), poc1.Height(), poc1.VUI)
	}
}

func TestSPSSizeHonoursChromaFormatAndFields(t *testing.T) {
	tests := []struct {
		name          string
		sps           SPS
		width, height int
	}{
		{"4:2:0 frames crop two by two",
			SPS{ChromaFormatIDC: 1, FrameMBSOnly: true, PicWidthInMBsMinus1: 9, PicHeightInMapUnitsMinus1: 9, CropLeft: 1, CropRight: 2, CropTop: 3, CropBottom: 4},
			160 - 6, 160 - 14},
		{"4:2:0 fields crop rows by four",
			SPS{ChromaFormatIDC: 1, PicWidthInMBsMinus1: 9, PicHeightInMapUnitsMinus1: 9, CropBottom: 2},
			160, 320 - 8},
		{"4:2:2 crops columns by two, rows by one",
			SPS{ChromaFormatIDC: 2, FrameMBSOnly: true, PicWidthInMBsMinus1: 9, PicHeightInMapUnitsMinus1: 9, CropRight: 1, CropBottom: 1},
			158, 159},
		{"4:4:4 crops by samples",
			SPS{ChromaFormatIDC: 3, FrameMBSOnly: true, PicWidthInMBsMinus1: 9, PicHeightInMapUnitsMinus1: 9, CropRight: 1, CropBottom: 1},
			159, 159},
		{"separate colour planes crop like monochrome",
			SPS{ChromaFormatIDC: 3, SeparateColourPlane: true, PicWidthInMBsMinus1: 9, PicHeightInMapUnitsMinus1: 9, CropRight: 1, CropBottom: 1},
			159, 318},
		{"monochrome fields crop rows by two",
			SPS{ChromaFormatIDC: 0, PicWidthInMBsMinus1: 9, PicHeightInMapUnitsMinus1: 9, CropLeft: 1, CropTop: 1},
			159, 318},
		{"cropping everything leaves no size",
			SPS{ChromaFormatIDC: 1, FrameMBSOnly: true, CropRight: 8, CropBottom: 8},
			0, 0},
		{"huge values leave no size",
			SPS{PicWidthInMBsMinus1: 1<<32 - 1, PicHeightInMapUnitsMinus1: 1<<32 - 1, CropLeft: 1<<32 - 1},
			0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if w, h := tt.sps.Width(), tt.sps.Height(); w != tt.width || h != tt.height {
				t.Errorf("size = %dx%d, want %dx%d", w, h, tt.width, tt.height)
			}
		})
	}
}

// validSPS is a 352x288 Main profile SPS that the error cases change.
var validSPS = spsSpec{profile: 77, level: 30, log2MaxPOCLsbMinus4: 2, maxNumRefFrames: 1, widthMBsMinus1: 21, heightMapUnitsMinus1: 17}

func TestParseSPSRejectsBadInput(t *testing.T) {
	with := func(change func(*spsSpec)) []byte {
		spec := validSPS
		change(&spec)
		return buildSPS(spec)
	}
	valid := buildSPS(validSPS)
	tests := []struct {
		name string
		nalu []byte
		want error
	}{
		{"empty", nil, ErrEmpty},
		{"a PPS", []byte{0x68, 0xce, 0x3c, 0x80}, ErrNotSPS},
		{"a subset SPS", append([]byte{0x6f}, valid[1:]...), ErrNotSPS},
		{"header only", []byte{0x67}, ErrTruncated},
		{"cut after level_idc", valid[:4], ErrTruncated},
		{"cut in the middle", valid[:len(valid)/2], ErrTruncated},
		{"all zeros", append([]byte{0x67}, make([]byte, 16)...), ErrInvalidExpGolomb},
		{"seq_parameter_set_id 32", with(func(s *spsSpec) { s.id = 32 }), ErrInvalidSPS},
		{"chroma_format_idc 4", with(func(s *spsSpec) { s.profile, s.chromaFormatIDC = 100, 4 }), ErrUnsupported},
		{"bit depth 15", with(func(s *spsSpec) { s.profile, s.chromaFormatIDC, s.bitDepthLumaMinus8 = 100, 1, 7 }), ErrInvalidSPS},
		{"delta_scale out of range", with(func(s *spsSpec) {
			s.profile, s.chromaFormatIDC, s.scalingLists = 100, 1, [][]int32{{128}}
		}), ErrInvalidSPS},
		{"scaling lists cut short", with(func(s *spsSpec) {
			s.profile, s.chromaFormatIDC, s.scalingLists = 100, 1, [][]int32{slices.Repeat([]int32{1}, scalingList4x4Size)}
		})[:8], ErrTruncated},
		{"log2_max_frame_num 17", with(func(s *spsSpec) { s.log2MaxFrameNumMinus4 = 13 }), ErrInvalidSPS},
		{"pic_order_cnt_type 3", with(func(s *spsSpec) { s.pocType = 3 }), ErrInvalidSPS},
		{"log2_max_pic_order_cnt_lsb 17", with(func(s *spsSpec) { s.log2MaxPOCLsbMinus4 = 13 }), ErrInvalidSPS},
		{"256 frames in the POC cycle", with(func(s *spsSpec) { s.pocType, s.offsetRefFrames = 1, make([]int32, 256) }), ErrInvalidSPS},
		{"17 reference frames", with(func(s *spsSpec) { s.maxNumRefFrames = 17 }), ErrInvalidSPS},
		{"too wide", with(func(s *spsSpec) { s.widthMBsMinus1 = MaxDimensionInMBs }), ErrUnsupported},
		{"width overflowing 32 bits", with(func(s *spsSpec) { s.widthMBsMinus1 = 1<<32 - 2 }), ErrUnsupported},
		{"too high", with(func(s *spsSpec) { s.heightMapUnitsMinus1 = MaxDimensionInMBs }), ErrUnsupported},
		{"too high once fields double it", with(func(s *spsSpec) { s.fieldsAllowed, s.heightMapUnitsMinus1 = true, MaxDimensionInMBs/2+1 }), ErrUnsupported},
		{"cropping the whole width", with(func(s *spsSpec) { s.crop = []uint32{100, 100, 0, 0} }), ErrInvalidSPS},
		{"cropping the whole height", with(func(s *spsSpec) { s.crop = []uint32{0, 0, 0, 144} }), ErrInvalidSPS},
		{"cut before vui_parameters_present_flag", []byte{0x67, 0x4d, 0x00, 0x1e, 0xdc, 0x7e}, ErrTruncated},
		{"cropping offsets overflowing 32 bits", with(func(s *spsSpec) { s.crop = []uint32{1<<32 - 2, 1<<32 - 2, 0, 0} }), ErrInvalidSPS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sps, err := ParseSPS(tt.nalu)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
			if sps != nil {
				t.Error("an SPS was returned with the error")
			}
		})
	}
}

func TestParseSPSAcceptsTheLargestPicture(t *testing.T) {
	spec := validSPS
	spec.widthMBsMinus1, spec.heightMapUnitsMinus1 = MaxDimensionInMBs-1, MaxDimensionInMBs-1
	sps, err := ParseSPS(buildSPS(spec))
	if err != nil {
		t.Fatal(err)
	}
	if want := MaxDimensionInMBs * 16; sps.Width() != want || sps.Height() != want {
		t.Errorf("size = %dx%d, want %dx%d", sps.Width(), sps.Height(), want, want)
	}
}

func TestParseSPSKeepsTheVUIReadBeforeItEnds(t *testing.T) {
	spec := validSPS
	spec.timing = []uint32{1001, 60000}
	full := buildSPS(spec)
	sps, err := ParseSPS(full)
	if err != nil {
		t.Fatal(err)
	}
	if rate, ok := sps.VUI.FrameRate(); !ok || rate < 29.97 || rate > 29.98 {
		t.Errorf("frame rate = %v, %t; want 29.97", rate, ok)
	}
	// Cut inside time_scale: the VUI is there, its timing is not.
	cut, err := ParseSPS(full[:len(full)-4])
	if err != nil {
		t.Fatal(err)
	}
	if cut.VUI == nil || cut.VUI.TimingInfoPresent || cut.Width() != 352 {
		t.Errorf("cut VUI = %+v, width %d", cut.VUI, cut.Width())
	}
	if _, ok := cut.VUI.FrameRate(); ok {
		t.Error("a frame rate from timing that was cut")
	}
}

func TestVUIFrameRateNeedsTiming(t *testing.T) {
	tests := []struct {
		name string
		vui  *VUI
	}{
		{"no VUI", nil},
		{"no timing", &VUI{}},
		{"zero ticks", &VUI{TimingInfoPresent: true, TimeScale: 50}},
		{"zero scale", &VUI{TimingInfoPresent: true, NumUnitsInTick: 1}},
	}
	for _, tt := range tests {
		if _, ok := tt.vui.FrameRate(); ok {
			t.Errorf("%s: FrameRate reported a rate", tt.name)
		}
	}
}

func TestParseSPSReadsTheSampleAspectRatio(t *testing.T) {
	tests := []struct {
		name string
		idc  uint32
		sar  []uint32
		w, h uint16
	}{
		{"square", 1, nil, 1, 1},
		{"PAL 4:3", 2, nil, 12, 11},
		{"extended", extendedSAR, []uint32{64, 45}, 64, 45},
		{"reserved", 100, nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &bitWriter{}
			w.writeBits(0x4d001e, 24) // Main, level 3
			w.writeUE(0)              // seq_parameter_set_id
			w.writeUE(0)              // log2_max_frame_num_minus4
			w.writeUE(2)              // pic_order_cnt_type
			w.writeUE(1)              // max_num_ref_frames
			w.writeFlag(false)        // gaps_in_frame_num_value_allowed_flag
			w.writeUE(44)             // pic_width_in_mbs_minus1
			w.writeUE(35)             // pic_height_in_map_units_minus1
			w.writeFlag(true)         // frame_mbs_only_flag
			w.writeFlag(true)         // direct_8x8_inference_flag
			w.writeFlag(false)        // frame_cropping_flag
			w.writeFlag(true)         // vui_parameters_present_flag
			w.writeFlag(true)         // aspect_ratio_info_present_flag
			w.writeBits(uint64(tt.idc), 8)
			for _, v := range tt.sar {
				w.writeBits(uint64(v), 16)
			}
			w.writeFlag(false)        // overscan_info_present_flag
			w.writeFlag(true)         // video_signal_type_present_flag
			w.writeBits(5, 3)         // video_format
			w.writeFlag(true)         // video_full_range_flag
			w.writeFlag(true)         // colour_description_present_flag
			w.writeBits(0x010605, 24) // bt709 primaries, smpte170m transfer, bt470bg matrix
			w.writeFlag(true)         // chroma_loc_info_present_flag
			w.writeUE(1)
			w.writeUE(1)
			w.writeFlag(false) // timing_info_present_flag
			w.trailingBits()
			sps, err := ParseSPS(append([]byte{0x67}, addEmulationPrevention(w.buf)...))
			if err != nil {
				t.Fatal(err)
			}
			if sps.VUI.SARWidth != tt.w || sps.VUI.SARHeight != tt.h || !sps.VUI.VideoFullRange {
				t.Errorf("VUI = %+v, want SAR %d:%d and full range", sps.VUI, tt.w, tt.h)
			}
			if v := sps.VUI; !v.ColourDescription || v.ColourPrimaries != 1 || v.TransferCharacteristics != 6 || v.MatrixCoefficients != 5 {
				t.Errorf("VUI = %+v, want colour description 1, 6, 5", sps.VUI)
			}
			if sps.Width() != 720 || sps.Height() != 576 {
				t.Errorf("size = %dx%d, want 720x576", sps.Width(), sps.Height())
			}
		})
	}
}

func FuzzParseSPS(f *testing.F) {
	for _, tc := range spsCases {
		nalu := mustDecodeHex(f, tc.hex)
		f.Add(nalu)
		f.Add(nalu[:len(nalu)/2])
	}
	f.Add([]byte{0x67})
	f.Add(append([]byte{0x67}, make([]byte, 32)...))
	f.Fuzz(func(t *testing.T, nalu []byte) {
		input := bytes.Clone(nalu)
		sps, err := ParseSPS(nalu)
		if !bytes.Equal(nalu, input) {
			t.Fatal("ParseSPS modified its input")
		}
		if err != nil {
			if sps != nil {
				t.Fatal("an SPS was returned with an error")
			}
			return
		}
		maxSize := MaxDimensionInMBs * mbSize
		if w, h := sps.Width(), sps.Height(); w <= 0 || h <= 0 || w > maxSize || h > maxSize {
			t.Fatalf("size %dx%d", w, h)
		}
		if sps.ChromaFormatIDC > maxChromaFormatIDC || sps.ID > maxSPSID || len(sps.OffsetForRefFrame) > maxNumRefFramesInPOCCycle {
			t.Fatalf("out of range: %+v", sps)
		}
	})
}

func BenchmarkParseSPS(b *testing.B) {
	nalu := mustDecodeHex(b, spsCases[3].hex)
	for b.Loop() {
		if _, err := ParseSPS(nalu); err != nil {
			b.Fatal(err)
		}
	}
}

// PictureSize reads the last SPS of an access unit, as a keyframe that
// repeats a changed one carries it last.
func TestPictureSizeIsTheLastSPSs(t *testing.T) {
	small := buildSPS(validSPS) // 22x18 macroblocks
	big := validSPS
	big.widthMBsMinus1, big.heightMapUnitsMinus1 = 39, 29
	for _, c := range []struct {
		name          string
		nalus         [][]byte
		width, height int
		ok            bool
	}{
		{"one", [][]byte{small, {0x68, 0xce}, {0x65, 0x88}}, 352, 288, true},
		{"the last of two", [][]byte{small, buildSPS(big), {0x65, 0x88}}, 640, 480, true},
		{"none", [][]byte{{0x65, 0x88}}, 0, 0, false},
		{"the last unreadable", [][]byte{small, {0x67, 0x4d}}, 0, 0, false},
	} {
		w, h, ok := PictureSize(c.nalus)
		if w != c.width || h != c.height || ok != c.ok {
			t.Errorf("%s: %dx%d %v, want %dx%d %v", c.name, w, h, ok, c.width, c.height, c.ok)
		}
	}
}
