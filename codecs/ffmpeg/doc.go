// Package ffmpeg is gopline's bridge to FFmpeg (libavcodec, libavformat,
// libavdevice, libswscale) through go-astiav. It is the only package of
// gopline that uses cgo.
//
// # Basics
//
// H264Encoder drives libx264 for live streams: one access unit out for every
// frame in, in order, no B-frames, SPS and PPS in front of every IDR, an IDR
// every GOP frames and whenever ForceKeyframe asks. Decoder decodes H.264
// (and other codecs FFmpeg knows) into media.Frames and reports a damaged
// packet as an error wrapping codecs.ErrCorrupt instead of handing on a
// smeared picture. Reader opens anything FFmpeg can read (files, V4L2 cameras
// through libavdevice, network URLs) and yields decoded Frames, or, in
// passthrough mode, the stream's own H.264 access units as Packets.
//
// # Ownership
//
// Every FFmpeg object belongs to exactly one Go value (an encoder, decoder or
// reader), is allocated when that value is made and freed by its Close. None
// of them escapes: Frames and Packets returned to callers are Go memory that
// the caller owns. Encoders, decoders and readers are not safe for concurrent
// use; one goroutine (one actor) owns each.
//
// # Caveats
//
// FFmpeg's log is process-wide: SetLogger routes it into a zerolog.Logger for
// the whole process. Linking FFmpeg with libx264 makes the resulting binary
// GPL (see the README).
package ffmpeg
