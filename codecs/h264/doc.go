// Package h264 reads and writes the bitstream syntax of H.264 (ITU-T H.264,
// ISO/IEC 14496-10) that a media pipeline needs around the codec: NAL units,
// access units, parameter sets and their framings. It knows nothing of
// transports, actors or files, and neither encodes nor decodes pictures. It is
// pure Go, uses only the standard library, and never panics on any input.
//
// # Basics
//
// An H.264 stream is a sequence of NAL units, each opening with a one-byte
// header whose low five bits give its NALUType. An access unit is the list of
// NAL units that make up one picture: optionally an access unit delimiter
// (AUD), parameter sets (SPS, PPS) and SEI, then the picture's coded slices.
// This package represents an access unit as [][]byte, one element per NAL
// unit.
//
// NAL units travel in one of two framings:
//
//   - Annex B, the byte stream of raw .h264 files, MPEG-TS and most encoders,
//     puts a start code (00 00 01 or 00 00 00 01) before each NAL unit. See
//     SplitAnnexB, JoinAnnexB and AppendAnnexB.
//   - AVCC, the form of MP4 and Matroska samples, puts each NAL unit's length
//     before it, in 1, 2 or 4 bytes as the track's avcC box declares. See
//     SplitAVCC, JoinAVCC and ParseDecoderConfig.
//
// Inside a NAL unit, an emulation prevention byte (03 in 00 00 03) keeps the
// payload from looking like a start code; RemoveEmulationPrevention strips
// them to give the raw payload that ParseSPS and BitReader read.
//
// A decoder can start only at a random access point (IsRandomAccess,
// AccessOf), with the SPS and PPS it refers to before it: an access unit
// holding an IDR picture, or a picture carrying a recovery point SEI
// message (FindRecoveryPoint). Cameras that use periodic intra refresh or
// open GOPs send an IDR only when they start and recovery points after;
// from an intra refresh recovery point the pictures are whole only once
// the refresh has swept them, RecoveryPoint.FrameCount frames later. An I
// picture without a recovery point is no random access point: the pictures
// after it may refer to pictures before it (IsIntraPicture tells one).
// Many cameras send the parameter sets once, or only out of band;
// ParamSets keeps the latest ones and puts them in front of each random
// access point that lacks them, so that any of them can start a recording
// or a new viewer.
//
// ParseSPS reads a sequence parameter set, including the high profile chroma
// format, bit depth and scaling list syntax, and gives the picture size after
// cropping (SPS.Width, SPS.Height) and the frame rate of its timing
// information (VUI.FrameRate).
//
// A stream without timestamps of its own (a raw Annex B file or pipe) still
// says in which order its pictures are shown: each slice header carries the
// picture's order count. ParsePPS and ParseSliceHeader read as far as that
// count, ParamSetTable keeps the parameter sets a slice header is read
// with, PicOrderCounter turns the coded values into PicOrderCnt, and
// PresentationOrder places the pictures in output order as a decoder does,
// holding back as many as SPS.MaxReorderFrames says. AccessUnitOrder puts
// the four together for a stream of access units.
//
// A picture coded in several slices is one access unit, but a sender that
// repeats SPS and PPS in front of each slice of a keyframe (GStreamer's
// rtph264pay config-interval=-1 behind x264enc tune=zerolatency) makes a
// parser that follows the standard cut the picture at them.
// ContinuesPicture tells such a cut from the start of the next access
// unit by the slice headers, JoinPicture mends it, and
// DropRepeatedParamSets keeps each parameter set once.
//
// # Caveats
//
// Slices returned by SplitAnnexB, SplitAVCC and ParseDecoderConfig alias
// their input: nothing is copied, so they are valid only as long as the input
// is, and change when it does. Copy what must outlive the input buffer (as
// ParamSets.Update does). Their capacity is cut to their length, so appending
// to one never overwrites the input. No function modifies its input.
//
// SplitAnnexB and SplitAVCC skip empty NAL units and refuse more than
// MaxNALUsPerAccessUnit NAL units: give them one access unit at a time, not a
// whole file. ParseSPS refuses pictures wider or higher than
// MaxDimensionInMBs macroblocks. JoinAnnexB does not add emulation prevention
// bytes: the NAL units must be valid already.
//
// PresentationOrder holds at most MaxHeldPictures pictures whose place is
// not known, and outputs the oldest early beyond that (counted, Forced).
// A slice header whose elements after the picture order count cannot be
// read is taken as one without memory_management_control_operation 5.
//
// Errors are the sentinels of errors.go wrapped with a detail; test for them
// with errors.Is. ParamSets is not safe for concurrent use; the functions
// are.
package h264
