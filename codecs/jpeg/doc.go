// Package jpeg encodes Frames as JPEG packets and decodes them back, in pure
// Go on top of the standard library's image/jpeg. JPEG is gopline's baseline
// image codec: every packet is a keyframe that decodes on its own.
//
// # Basics
//
// An Encoder (NewEncoder, WithQuality) turns each Frame into one baseline
// JFIF packet with 4:2:0 chroma, or a grayscale JPEG for a GRAY8 frame. It
// numbers its packets from 0 (Seq, with GOP = Seq and Key set) under one
// random Epoch, and copies the frame's CaptureTime and size. A Decoder
// (NewDecoder, WithOutputFormat) turns each packet back into one Frame in
// YUV420P, RGB24 or GRAY8. Both implement the codecs package's Encoder and
// Decoder interfaces; neither is safe for concurrent use.
//
//	enc, _ := jpeg.NewEncoder(jpeg.WithQuality(85))
//	pkt, err := enc.Encode(frame)
//	...
//	dec, _ := jpeg.NewDecoder()
//	frames, err := dec.Decode(pkt)
//
// # Colour range
//
// media.YUV420P is BT.601 limited range (luma 16..235, chroma 16..240), as
// cameras and H.264 use it; JFIF's YCbCr is the same matrix at full range
// (0..255). Encode and Decode convert between the two, so a decoded YUV420P
// frame has the levels of the frame that was encoded, and other JPEG readers
// show the picture with its true black, white and saturation. RGB24 and GRAY8
// frames are full range and map to JFIF directly.
//
// # Ownership
//
// Encode does not keep or change its frame; the returned Packet and its Data
// are new memory that belongs to the caller (who, once it is published, shares
// it read-only). Decode neither keeps nor changes its packet; the returned
// Frames are new memory that belongs to the caller.
//
// # Untrusted input
//
// Decode treats packet data as hostile. Every failure (not a JPEG packet,
// empty, damaged, truncated, or a JPEG of another size than the packet says)
// returns an error wrapping codecs.ErrCorrupt (and codecs.ErrWrongCodec for a
// packet of another codec), and the decoder stays usable.
//
// Decoding memory grows with the picture size the JPEG header declares, so
// Decode reads the header first (image/jpeg.DecodeConfig) and refuses, with
// ErrTooLarge, any picture wider or taller than media.MaxDimension or with
// more than DefaultMaxPixels pixels (16 megapixels; see WithMaxPixels)
// before it decodes anything.
package jpeg
