package remotebench

import (
	"context"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/transport/wire"
)

// The anchor is protoactor remote alone between the same two processes
// and nodes (the same connection, gRPC options and writer batch): a plain
// actor in the publishing process sends payloads of the run's size to a
// plain actor in the measuring one, which grants it credits the way a
// gopline subscriber does (a window of Run.Window payloads, one credit
// back per payload received), so that both carry the same bytes under the
// same flow control. Neither takes part in a topic: no broker, link,
// packet conversion or policy. Their messages are wire messages, the only
// ones a node accepts from a peer: a payload travels as DeliveryParts of at
// most anchorPartBytes (a 50 KB payload is one), credits as Acks. What
// gopline's remote topics add to protoactor remote is the difference.
const (
	// anchorName and anchorReceiverPrefix name the sending and the
	// receiving actor. A node accepts messages from a peer only for the
	// ends of subscriptions: the anchor's actors are named as links are
	// (transport/remote's linkPrefix).
	anchorName           = "gopline-link-bench-anchor"
	anchorReceiverPrefix = "gopline-link-bench-anchor-receiver-"
	// anchorPartBytes is transport/remote's largest piece of packet data
	// in one message.
	anchorPartBytes = 64 << 10
)

// ServeAnchor spawns the anchor's sender on system (a node's, listening
// for peers), with payloads of size bytes.
func ServeAnchor(system *actor.ActorSystem, size int) error {
	parts := payloadParts(filler(size, false))
	_, err := system.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return &anchorSender{parts: parts} }), anchorName)
	if err != nil {
		return fmt.Errorf("remotebench: the anchor's sender: %w", err)
	}
	return nil
}

// payloadParts cuts b into pieces of at most anchorPartBytes.
func payloadParts(b []byte) []*wire.DeliveryPart {
	var parts []*wire.DeliveryPart
	for len(b) > anchorPartBytes {
		parts = append(parts, &wire.DeliveryPart{Data: b[:anchorPartBytes]})
		b = b[anchorPartBytes:]
	}
	return append(parts, &wire.DeliveryPart{Data: b})
}

// anchorSender sends its payload to whoever grants it credits (wire.Ack,
// sent as requests: the sender of a grant is the receiver), one payload per
// credit; a payload's last part is its end. A grant from another receiver
// starts over with that one. A grant of none ends the session: the sender
// forgets its receiver and answers with a grant of none of its own, the
// last message it sends it, so that the receiver knows that nothing more
// is on its way.
type anchorSender struct {
	parts    []*wire.DeliveryPart
	receiver *actor.PID
	credit   uint32
}

func (s *anchorSender) Receive(ctx actor.Context) {
	grant, ok := ctx.Message().(*wire.Ack)
	if !ok || ctx.Sender() == nil {
		return
	}
	if !ctx.Sender().Equal(s.receiver) {
		s.receiver, s.credit = ctx.Sender(), 0
	}
	if grant.Count == 0 {
		ctx.Send(s.receiver, &wire.Ack{})
		s.receiver, s.credit = nil, 0
		return
	}
	s.credit += grant.Count
	for ; s.credit > 0; s.credit-- {
		for _, p := range s.parts {
			ctx.Send(s.receiver, p)
		}
	}
}

// AnchorResult is what the anchor's run measured: protoactor remote alone
// carrying payloads of the run's size, run.Window of them in flight.
type AnchorResult struct {
	PacketBytes int     `json:"packet_bytes"`
	Window      int     `json:"window"`
	Seconds     float64 `json:"seconds"`
	Packets     int     `json:"packets"`
	MBPerS      float64 `json:"mb_per_s"`
}

// MeasureAnchor receives the payloads of the anchor of the node at addr
// on system (a node's), for run.Warmup and run.Duration after the first,
// and returns what came after the warm-up. run.PacketBytes must be the
// size the anchor serves.
func MeasureAnchor(ctx context.Context, system *actor.ActorSystem, addr string, run Run) (AnchorResult, error) {
	rcv := &anchorReceiver{sender: actor.NewPID(addr, anchorName), run: run,
		started: make(chan struct{}), ended: make(chan struct{})}
	pid := system.Root.SpawnPrefix(actor.PropsFromProducer(func() actor.Actor { return rcv }), anchorReceiverPrefix)
	defer func() { system.Root.StopFuture(pid).Wait() }()
	first := time.NewTimer(FirstPacketTimeout)
	defer first.Stop()
	select {
	case <-rcv.started:
	case <-first.C:
		return AnchorResult{}, fmt.Errorf("remotebench: the anchor: no payload within %v", FirstPacketTimeout)
	case <-ctx.Done():
		return AnchorResult{}, ctx.Err()
	}
	select {
	case <-time.After(run.Warmup + run.Duration):
	case <-ctx.Done():
		return AnchorResult{}, ctx.Err()
	}
	res, err := system.Root.RequestFuture(pid, &resultRequest{}, 5*time.Second).Result()
	if err != nil {
		return AnchorResult{}, fmt.Errorf("remotebench: the anchor: %w", err)
	}
	// The next run starts once the sender has stopped sending.
	select {
	case <-rcv.ended:
	case <-time.After(FirstPacketTimeout):
	case <-ctx.Done():
	}
	return res.(AnchorResult), nil
}

// anchorReceiver asks the anchor's sender for a window of payloads and
// grants it one more for each that comes, until its result is taken; then
// it ends the session, and ended is closed when the sender confirms.
type anchorReceiver struct {
	sender           *actor.PID
	run              Run
	started, ended   chan struct{}
	first, from      time.Time
	done             bool
	partBytes, bytes int64
	packets          int
}

func (a *anchorReceiver) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		ctx.Request(a.sender, &wire.Ack{Count: uint32(a.run.Window)})
	case *wire.DeliveryPart:
		a.part(ctx, len(msg.Data), time.Now())
	case *wire.Ack: // the sender's last message
		close(a.ended)
	case *resultRequest:
		a.done = true
		ctx.Respond(a.result(time.Now()))
		ctx.Request(a.sender, &wire.Ack{})
	}
}

// part counts a part of n bytes received at now; the part that completes
// a payload earns the sender a credit.
func (a *anchorReceiver) part(ctx actor.Context, n int, now time.Time) {
	if a.partBytes += int64(n); a.partBytes < int64(a.run.PacketBytes) {
		return
	}
	a.partBytes = 0
	if a.first.IsZero() {
		a.first, a.from = now, now.Add(a.run.Warmup)
		close(a.started)
	}
	if a.done {
		return
	}
	if !now.Before(a.from) {
		a.packets++
		a.bytes += int64(a.run.PacketBytes)
	}
	ctx.Request(a.sender, &wire.Ack{Count: 1})
}

// result sums up what came from the end of the warm-up to now.
func (a *anchorReceiver) result(now time.Time) AnchorResult {
	res := AnchorResult{PacketBytes: a.run.PacketBytes, Window: a.run.Window, Packets: a.packets}
	if elapsed := now.Sub(a.from); elapsed > 0 {
		res.Seconds = elapsed.Seconds()
		res.MBPerS = float64(a.bytes) / 1e6 / elapsed.Seconds()
	}
	return res
}
