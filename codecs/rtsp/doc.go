// Package rtsp reads H.264 over RTP in Go: the video of RTSP cameras and
// servers (Open, through gortsplib's RTSP client) and what an RTP sender
// sends to a port (ListenRTP), with gopline's own reading of RFC 6184's
// RTP payloads.
//
// A camera's access unit is handed on at its last RTP packet, the one with
// the marker bit: FFmpeg's RTP demuxers drop that bit, and its H.264
// parser knows a unit ended only when the next one begins, a frame
// interval later (a fifth of a second at 5 frames/s). Loss is known from
// the RTP sequence numbers, so a picture that lost packets is left out
// before any decoder sees it, and a stream that drops inside a picture
// loses that picture alone, never one that came whole. A port's packets
// that overtook others are put back in order first, for a bounded time
// (reorder.go).
//
// The Reader hands on Packets (H.264 in Annex B, SPS and PPS in front of
// every keyframe); decoding them is a decoder's (codecs/ffmpeg.Decoder).
// Streams of other codecs are refused with ErrNotH264 for the caller to
// read another way.
//
// A stream that sends nothing is lost after the timeout beyond its picture
// interval (silence.go), so that a camera of a picture every few seconds
// is not lost between two, while one of 25 a second that stops is lost
// about the timeout later.
package rtsp
