// Package media is gopline's vocabulary: the raw picture (Frame), the encoded
// access unit (Packet), and the small enums that describe them (PixelFormat,
// Codec), and what a Frame says of its picture: the shape of its pixels
// (PixelAspect) and what its values mean (Colour).
//
// # Basics
//
// A source produces Frames; an encoder turns each Frame into exactly one
// Packet; topics carry Packets to subscribers and to the recorder; a decoder
// turns Packets back into Frames. A Packet's Seq grows by one per packet of a
// publisher, its GOP names the Seq of the keyframe that opens its group of
// pictures, and its Epoch changes whenever the encoder that made it restarts.
// A receiver that sees a hole in Seq or a new Epoch must wait for the next
// keyframe (Key) before it can decode again.
//
// # Ownership
//
// A Packet is immutable once it has been published: in one process every
// subscriber of a topic receives the same *Packet, so neither the struct nor
// its Data may be written after the publisher hands it on. Code that needs a
// changed packet makes a copy with Clone.
//
// A Frame belongs to whoever holds it; stages hand a Frame on and do not touch
// it afterwards. Planes of a Frame may be larger than the picture (strides).
// A FramePool recycles the pixels of frames whose last holder calls Release;
// releasing is optional, and a frame nobody releases is garbage collected.
// A frame made by NewOwnedFrame has pixels that a PixelOwner owns (a
// codec's picture, not Go memory): its last holder's Release gives them
// back, and the garbage collector does if nobody releases it. Only a
// frame's maker writes its pixels.
//
// This package imports nothing of the rest of gopline and uses no cgo.
package media
