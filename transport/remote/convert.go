package remote

import (
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/transport"
	"github.com/gopline/gopline/transport/wire"
)

// ErrBadMessage is wrapped by the errors for wire messages that do not
// convert: a packet that fails media.Packet.Validate, a field out of range.
var ErrBadMessage = errors.New("remote: bad wire message")

// packetToWire converts a packet for the wire. Data is shared, not copied:
// the wire message is serialized before the packet could change (it never
// does: packets are immutable).
func packetToWire(p *media.Packet) *wire.Packet {
	return &wire.Packet{
		Codec: uint32(p.Codec), Data: p.Data, Key: p.Key, Seq: p.Seq, Gop: p.GOP, Epoch: p.Epoch,
		CaptureTime: p.CaptureTime.UnixNano(), Width: uint32(p.Width), Height: uint32(p.Height),
		Format: uint32(p.Format), Replayed: p.Replay.Replayed, ReplayLast: p.Replay.Last, Stale: p.Replay.Stale,
	}
}

// packetFromWire converts a received packet and validates it: what a peer
// sends is untrusted.
func packetFromWire(w *wire.Packet) (*media.Packet, error) {
	if w == nil {
		return nil, fmt.Errorf("%w: a delivery without a packet", ErrBadMessage)
	}
	if w.Codec > 255 || w.Format > 255 || w.Width > media.MaxDimension || w.Height > media.MaxDimension {
		return nil, fmt.Errorf("%w: packet seq %d: codec %d, format %d, size %dx%d out of range",
			ErrBadMessage, w.Seq, w.Codec, w.Format, w.Width, w.Height)
	}
	p := &media.Packet{
		Codec: media.Codec(w.Codec), Data: w.Data, Key: w.Key, Seq: w.Seq, GOP: w.Gop, Epoch: w.Epoch,
		CaptureTime: time.Unix(0, w.CaptureTime), Width: int(w.Width), Height: int(w.Height),
		Format: media.PixelFormat(w.Format),
		Replay: media.Replay{Replayed: w.Replayed, Last: w.ReplayLast, Stale: w.Stale},
	}
	if !p.Replay.Replayed && (p.Replay.Last || p.Replay.Stale) {
		return nil, fmt.Errorf("%w: packet seq %d: a replay mark without replayed", ErrBadMessage, w.Seq)
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%w: packet seq %d: %w", ErrBadMessage, w.Seq, err)
	}
	return p, nil
}

// eventToWire converts an event for the wire.
func eventToWire(e *transport.Event) *wire.Event {
	w := &wire.Event{Kind: uint32(e.Kind), Time: e.Time.UnixNano(), Count: e.Count}
	if e.Kind == transport.EventDropped {
		w.Count = e.GOP // the wire's count carries the GOP of a drop
	}
	if e.Publisher != nil {
		w.Publisher = transport.ActorName(e.Publisher)
	}
	if e.Err != nil {
		w.Error = e.Err.Error()
	}
	return w
}

// eventFromWire converts a received event. The publisher is known by name
// only (a PID of another node); an incompatible_qos event's error keeps its
// text.
func eventFromWire(topic string, w *wire.Event) (*transport.Event, error) {
	k := transport.EventKind(w.Kind)
	if w.Kind == 0 || w.Kind > uint32(transport.EventDropped) {
		return nil, fmt.Errorf("%w: event kind %d", ErrBadMessage, w.Kind)
	}
	e := &transport.Event{Topic: topic, Kind: k, Time: time.Unix(0, w.Time), Count: w.Count}
	if k == transport.EventDropped {
		e.Count, e.GOP = 0, w.Count
	}
	if w.Publisher != "" {
		e.Publisher = actor.NewPID("", w.Publisher)
	}
	if w.Error != "" {
		e.Err = errors.New(w.Error)
	}
	return e, nil
}
