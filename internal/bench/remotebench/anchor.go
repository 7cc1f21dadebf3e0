package remotebench

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"github.com/rs/zerolog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/gopline/gopline/pipeline"
)

// The anchor is protoactor remote alone, in the same two processes: a
// plain actor in the publishing process sends payloads of the run's size
// to a plain actor in the measuring one, which grants it credits the way
// a gopline subscriber does (a window of Run.Window payloads, one credit
// back per payload received), so that both carry the same bytes under the
// same flow control. What gopline adds (topics, links, packets with their
// fields, the broker's policies) is the difference.
const (
	// anchorName is the sending actor's name in the publishing process.
	anchorName = "anchor"
	// anchorWriterBatch is gopline's: protoactor packs up to this many
	// messages into one gRPC message (transport/remote's writerBatch).
	anchorWriterBatch = 16
	// anchorMaxMessage bounds a gRPC message: a batch of the largest
	// payloads fits.
	anchorMaxMessage = anchorWriterBatch * (MaxPacketBytes + 4096)
)

// Anchor is protoactor remote listening in the publishing process, with
// its sending actor.
type Anchor struct {
	system *actor.ActorSystem
	remote *remote.Remote
}

// StartAnchor starts an actor system of its own, with protoactor remote on
// host (an unused port), and its sending actor, whose payloads are size
// bytes.
func StartAnchor(host string, size int, log zerolog.Logger) (*Anchor, error) {
	system, r, err := startAnchorRemote(host, log)
	if err != nil {
		return nil, err
	}
	payload := filler(size, false)
	_, err = system.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return &anchorSender{payload: payload} }), anchorName)
	if err != nil {
		r.Shutdown(false)
		return nil, fmt.Errorf("remotebench: the anchor's sender: %w", err)
	}
	return &Anchor{system: system, remote: r}, nil
}

// Addr is the address the anchor listens on.
func (a *Anchor) Addr() string { return a.system.Address() }

// Close stops the anchor's remote.
func (a *Anchor) Close() { a.remote.Shutdown(false) }

// startAnchorRemote starts an actor system with protoactor remote on host,
// its options protoactor's defaults but for gopline's writer batch and a
// gRPC message limit that fits a batch.
func startAnchorRemote(host string, log zerolog.Logger) (*actor.ActorSystem, *remote.Remote, error) {
	lis, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, nil, fmt.Errorf("remotebench: the anchor: %w", err)
	}
	port := lis.Addr().(*net.TCPAddr).Port
	lis.Close()
	system := pipeline.NewSystem(log)
	rc := remote.Configure(host, port,
		remote.WithServerOptions(grpc.MaxRecvMsgSize(anchorMaxMessage)),
		remote.WithDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(anchorMaxMessage), grpc.MaxCallSendMsgSize(anchorMaxMessage))),
		remote.WithEndpointWriterBatchSize(anchorWriterBatch),
		remote.WithEndpointWriterQueueSize(4096))
	r := remote.NewRemote(system, rc)
	if err := startProtoactorRemote(r); err != nil {
		return nil, nil, err
	}
	return system, r, nil
}

// startProtoactorRemote starts r, turning protoactor's panic on a failed
// listen (the port taken since it was found free) into an error.
func startProtoactorRemote(r *remote.Remote) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("remotebench: the anchor: %v", v)
		}
	}()
	r.Start()
	return nil
}

// anchorSender sends its payload to whoever grants it credits
// (wrapperspb.UInt32Value, as requests: the sender of a grant is the
// receiver), one payload per credit. A grant from another receiver starts
// over with that one.
type anchorSender struct {
	payload  []byte
	receiver *actor.PID
	credit   uint32
}

func (s *anchorSender) Receive(ctx actor.Context) {
	grant, ok := ctx.Message().(*wrapperspb.UInt32Value)
	if !ok || ctx.Sender() == nil {
		return
	}
	if !ctx.Sender().Equal(s.receiver) {
		s.receiver, s.credit = ctx.Sender(), 0
	}
	s.credit += grant.Value
	for ; s.credit > 0; s.credit-- {
		ctx.Send(s.receiver, &wrapperspb.BytesValue{Value: s.payload})
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

// MeasureAnchor receives the anchor's payloads at addr, from an actor
// system and protoactor remote of its own, for run.Warmup and
// run.Duration after the first, and returns what came after the warm-up.
func MeasureAnchor(ctx context.Context, addr string, run Run, log zerolog.Logger) (AnchorResult, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return AnchorResult{}, fmt.Errorf("remotebench: the anchor's address: %w", err)
	}
	system, r, err := startAnchorRemote(host, log)
	if err != nil {
		return AnchorResult{}, err
	}
	defer r.Shutdown(false)
	rcv := &anchorReceiver{sender: actor.NewPID(addr, anchorName), run: run, started: make(chan struct{})}
	pid := system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return rcv }))
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
	return res.(AnchorResult), nil
}

// anchorReceiver asks the anchor's sender for window payloads and grants
// it one more for each that comes, until its result is taken.
type anchorReceiver struct {
	sender      *actor.PID
	run         Run
	started     chan struct{}
	first, from time.Time
	done        bool
	packets     int
	bytes       int64
}

func (a *anchorReceiver) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		ctx.Request(a.sender, &wrapperspb.UInt32Value{Value: uint32(a.run.Window)})
	case *wrapperspb.BytesValue:
		now := time.Now()
		if a.first.IsZero() {
			a.first, a.from = now, now.Add(a.run.Warmup)
			close(a.started)
		}
		if !a.done && !now.Before(a.from) {
			a.packets++
			a.bytes += int64(len(msg.Value))
		}
		if !a.done {
			ctx.Request(a.sender, &wrapperspb.UInt32Value{Value: 1})
		}
	case *resultRequest:
		a.done = true
		ctx.Respond(a.result(time.Now()))
	}
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
