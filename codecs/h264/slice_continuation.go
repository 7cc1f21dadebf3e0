package h264

import "bytes"

// A picture coded in several slices is one access unit, but a sender may
// write NAL units between its slices that only start an access unit:
// GStreamer's rtph264pay with config-interval=-1 puts SPS and PPS in
// front of every IDR slice, so an x264enc tune=zerolatency keyframe
// (sliced threads: a slice per thread) arrives as
//
//	AUD SPS PPS IDR(first_mb 0) SPS PPS IDR(first_mb 40)
//
// A parser that follows the standard's rule (a parameter set after a
// slice begins the next access unit, ITU-T H.264 7.4.1.2.3), as FFmpeg's
// does, cuts such a keyframe in two: a top and a bottom half, each of
// which decodes into a damaged picture. ContinuesPicture tells such a
// cut apart from a real boundary and JoinPicture mends it.

// ContinuesPicture reports whether next, the NAL units of a packet that
// follows the access unit au, holds more slices of au's last picture: a
// parser cut the picture where the sender repeated its parameter sets
// between slices. That holds when next begins with nothing but parameter
// sets that au holds byte for byte, then a slice whose header names the
// same picture as au's last slice (the elements of ITU-T H.264 7.4.1.2.4:
// frame_num, pic_parameter_set_id, field, nal_ref_idc being zero or not,
// IDR and idr_pic_id, picture order count) and begins after it
// (first_mb_in_slice greater: a picture's first slice begins at 0).
//
// sets must hold the parameter sets the slices refer to (au's own ones
// included): a slice header that cannot be read is no continuation.
// Neither au nor next is modified or kept.
func ContinuesPicture(au, next [][]byte, sets *ParamSetTable) bool {
	last := lastSlice(au)
	if last == nil || len(au)+len(next) > MaxNALUsPerAccessUnit {
		return false
	}
	for _, nalu := range next {
		switch TypeOf(nalu) {
		case NALUTypeSPS, NALUTypePPS:
			if !holds(au, nalu) {
				return false // new parameter sets begin a new access unit
			}
		case NALUTypeIDR, NALUTypeNonIDR:
			return samePictureAfter(last, nalu, sets)
		default:
			return false // a delimiter, SEI or anything else begins one
		}
	}
	return false // no slice
}

// JoinPicture returns au followed by next, a continuation of its last
// picture (ContinuesPicture), without the parameter sets that next repeats
// and, as DropRepeatedParamSets, those that au repeats: one access unit
// with its parameter sets once, in front of its first slice. The result
// is a new slice whose elements are those of au and next; neither is
// modified.
func JoinPicture(au, next [][]byte) [][]byte {
	out := make([][]byte, 0, len(au)+len(next))
	out = append(out, DropRepeatedParamSets(au)...)
	for i, nalu := range next {
		if t := TypeOf(nalu); t != NALUTypeSPS && t != NALUTypePPS {
			return append(out, next[i:]...)
		}
	}
	return out
}

// DropRepeatedParamSets returns au without the SPS and PPS NAL units that
// repeat byte for byte one before them in au: a sender that adds
// parameter sets in front of a keyframe that its encoder already wrote
// them for sends each twice. It returns au itself when nothing repeats,
// else a new slice; au is not modified.
func DropRepeatedParamSets(au [][]byte) [][]byte {
	var out [][]byte
	for i, nalu := range au {
		t := TypeOf(nalu)
		repeated := (t == NALUTypeSPS || t == NALUTypePPS) && holds(au[:i], nalu)
		switch {
		case repeated && out == nil:
			out = append(make([][]byte, 0, len(au)-1), au[:i]...)
		case !repeated && out != nil:
			out = append(out, nalu)
		}
	}
	if out == nil {
		return au
	}
	return out
}

// holds reports whether nalus holds a NAL unit of the bytes of nalu.
func holds(nalus [][]byte, nalu []byte) bool {
	for _, n := range nalus {
		if bytes.Equal(n, nalu) {
			return true
		}
	}
	return false
}

// lastSlice returns the last coded slice of nalus, or nil.
func lastSlice(nalus [][]byte) []byte {
	for i := len(nalus) - 1; i >= 0; i-- {
		if t := TypeOf(nalus[i]); t == NALUTypeIDR || t == NALUTypeNonIDR {
			return nalus[i]
		}
	}
	return nil
}

// samePictureAfter reports whether the slice next belongs to the picture
// of the slice last and begins after it.
func samePictureAfter(last, next []byte, sets *ParamSetTable) bool {
	a, err := ParseSliceHeader(last, sets)
	if err != nil {
		return false
	}
	b, err := ParseSliceHeader(next, sets)
	if err != nil {
		return false
	}
	return b.FirstMBInSlice > a.FirstMBInSlice &&
		a.IDR == b.IDR && (a.NALRefIDC == 0) == (b.NALRefIDC == 0) &&
		a.FrameNum == b.FrameNum && a.PPSID == b.PPSID &&
		a.FieldPic == b.FieldPic && a.BottomField == b.BottomField &&
		a.IDRPicID == b.IDRPicID && a.PicOrderCntLsb == b.PicOrderCntLsb &&
		a.DeltaPicOrderCntBottom == b.DeltaPicOrderCntBottom &&
		a.DeltaPicOrderCnt == b.DeltaPicOrderCnt
}
