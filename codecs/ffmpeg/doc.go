// Package ffmpeg is gopline's bridge to FFmpeg (libavcodec, libavformat,
// libavdevice, libswscale) through go-astiav. It is the only package of
// gopline that uses cgo.
//
// # Basics
//
// H264Encoder drives libx264 for live streams: one access unit out for every
// frame in, in order, no B-frames, SPS and PPS in front of every IDR, an IDR
// every GOP frames and whenever ForceKeyframe asks; its stream's VUI states
// the pixel aspect and the colour description its Frames give. Decoder
// and Reader give them as the stream states them, in video range once a
// full-range picture is converted (media.Frame's Aspect and Colour).
// Decoder decodes H.264
// (and other codecs FFmpeg knows) into media.Frames and reports a damaged
// packet as an error wrapping codecs.ErrCorrupt instead of handing on a
// smeared picture. Reader opens anything FFmpeg can read (files, V4L2 cameras
// through libavdevice, network URLs) and yields decoded Frames, or, in
// passthrough mode, the stream's own H.264 access units as Packets.
// Transcoder turns the pictures of a codec gopline does not carry (H.265,
// VP9, AV1) into H.264, one picture in, its H.264 out in presentation
// order: what an import of a robot's H.265 bag uses.
//
// # Ownership
//
// Every FFmpeg object belongs to exactly one Go value (an encoder, decoder or
// reader), is allocated when that value is made and freed by its Close.
// Packets returned to callers are Go memory that the caller owns. Encoders,
// decoders and readers are not safe for concurrent use; one goroutine (one
// actor) owns each.
//
// Decoded Frames are the one exception, so that a picture is not copied on
// its way from FFmpeg's decoder to libx264: a Frame from a Decoder or a
// Reader is normally FFmpeg's own picture, not a copy (media.NewOwnedFrame).
// It holds its own reference to the picture's reference-counted buffers
// (shared with the decoder, which may keep the picture as a reference for
// the next ones), so it stays valid after the decoder or reader that made it
// is closed. Its last holder's Release drops that reference, once; a Frame
// nobody releases is dropped by the garbage collector instead, and its maker
// copies into Go memory while media.DefaultPoolFrames of its pictures are
// held. Nobody writes such a Frame's pixels. H264Encoder takes such a Frame
// as it is, by a reference of its own that it drops before Encode returns; a
// Frame of Go memory (the test pattern, a JPEG picture) is copied into the
// encoder's picture, since C must not keep Go memory. Importing the
// package tunes glibc's malloc, process-wide: the memory of released
// pictures is kept for the next ones (the process keeps what it held at its
// peak, plus 64 MB), and the threads share one arena per CPU.
//
// # Caveats
//
// FFmpeg's log is process-wide: SetLogger routes it into a zerolog.Logger for
// the whole process, and an encoder, decoder or reader given a logger of its
// own (WithEncoderLogger, WithDecoderLogger, WithReaderLogger) gets the lines
// FFmpeg logs about it there. Linking FFmpeg with libx264 makes the resulting
// binary GPL (see the README).
package ffmpeg
