package media

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"
)

// Packet is one encoded access unit: the encoding of exactly one source
// Frame.
//
// A Packet is immutable once published. In one process every subscriber of a
// topic shares the same *Packet and its Data, so nobody writes to either
// after the publisher hands it on; use Clone to derive a changed packet.
type Packet struct {
	Codec Codec
	// Data is the encoded picture. For H264 it is Annex B, and a keyframe
	// carries SPS and PPS in front of its slices.
	Data []byte
	// Key marks a random access point: for H264 an IDR, or a picture with a
	// recovery point SEI message (a camera that uses intra refresh or open
	// GOPs; see h264.AccessOf); every JPEG and Raw packet.
	Key bool
	// Seq numbers a publisher's packets: +1 per packet, no holes at the source.
	Seq uint64
	// GOP is the Seq of the keyframe that opens this packet's group of
	// pictures; a keyframe's GOP is its own Seq.
	GOP uint64
	// Epoch identifies the encoder instance (see NewEpoch). A change of
	// Epoch means the stream restarted: wait for a keyframe.
	Epoch uint64
	// CaptureTime is the capture time of the Frame this packet encodes:
	// its presentation time.
	CaptureTime time.Time
	// CompositionOffset is how long after its decode time the packet's
	// picture is presented (MP4's composition offset): CaptureTime minus
	// DecodeTime. It is zero for streams that decode in presentation order,
	// as gopline's encoders make them; a stream with reordering (B-frames),
	// passed through from a file or camera, has packets in decode order
	// whose CaptureTimes are not.
	CompositionOffset time.Duration
	// Width and Height are the picture's size.
	Width, Height int
	// Format is the pixel format of a Raw packet's Data; unused otherwise.
	Format PixelFormat
	// Replay is zero for a packet delivered live. A topic that replays its
	// cached GOP to a late subscriber marks the replayed packets here, on
	// that subscriber's own copy of the packet (Data stays shared).
	Replay Replay
}

// DecodeTime returns when the packet is due at the decoder: CaptureTime
// minus CompositionOffset. Packets come in decode order, so their decode
// times grow.
func (p *Packet) DecodeTime() time.Time { return p.CaptureTime.Add(-p.CompositionOffset) }

// Replay marks a packet that a topic replayed from its cache (QoS
// durability) instead of delivering it live.
type Replay struct {
	// Replayed is set on every packet of a replay.
	Replayed bool
	// Last is set on the newest packet of a replay: a viewer shows this
	// packet's picture first and need not show the older ones it decodes
	// on the way.
	Last bool
	// Stale is set when the packet was cached before its publisher last
	// started (a PERSISTENT topic reloaded from disk): it shows what the
	// camera saw then, CaptureTime says when.
	Stale bool
}

// Replayed returns a copy of p's header marked as replayed, sharing p's
// Data. p itself, shared with other subscribers, is not changed.
func (p *Packet) Replayed(r Replay) *Packet {
	c := *p
	r.Replayed = true
	c.Replay = r
	return &c
}

// Validate checks a Packet's fields against each other: a known codec,
// non-empty data, a sane size, and a GOP that fits Seq.
func (p *Packet) Validate() error {
	if !p.Codec.Valid() {
		return fmt.Errorf("%w: %v", ErrUnknownCodec, p.Codec)
	}
	if len(p.Data) == 0 {
		return ErrEmptyPacket
	}
	if p.Width <= 0 || p.Height <= 0 || p.Width > MaxDimension || p.Height > MaxDimension {
		return fmt.Errorf("%w: %dx%d", ErrInvalidSize, p.Width, p.Height)
	}
	if p.Key && p.GOP != p.Seq {
		return fmt.Errorf("%w: keyframe seq %d has GOP %d", ErrBadGOP, p.Seq, p.GOP)
	}
	if p.GOP > p.Seq {
		return fmt.Errorf("%w: seq %d has GOP %d ahead of it", ErrBadGOP, p.Seq, p.GOP)
	}
	if p.Codec.IntraOnly() && !p.Key {
		return fmt.Errorf("%w: %v packet seq %d is not marked Key", ErrBadGOP, p.Codec, p.Seq)
	}
	if p.Codec == Raw {
		if need := p.Format.PictureSize(p.Width, p.Height); !p.Format.Valid() || need != len(p.Data) {
			return fmt.Errorf("%w: raw %v %dx%d needs %d bytes, has %d", ErrShortPlane, p.Format, p.Width, p.Height, need, len(p.Data))
		}
	}
	return nil
}

// Clone returns a copy of p with its own Data, which the caller may change
// before publishing it.
func (p *Packet) Clone() *Packet {
	c := *p
	c.Data = append([]byte(nil), p.Data...)
	return &c
}

// NewEpoch returns a random, non-zero epoch for a new encoder instance.
func NewEpoch() uint64 {
	var b [8]byte
	for {
		_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error
		if e := binary.LittleEndian.Uint64(b[:]); e != 0 {
			return e
		}
	}
}
