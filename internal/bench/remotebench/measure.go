package remotebench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/transport"
)

// FirstPacketTimeout bounds the wait for a run's first delivery: the
// connection to the publishing node, its publisher noticing the
// subscriber, one packet across.
const FirstPacketTimeout = 10 * time.Second

// Measure subscribes to run's topic and measures it: it waits for the
// first delivery, lets run.Warmup pass, and counts for run.Duration. Then
// it waits for the stream to end (Serve's publisher leaves the topic soon
// after), so that nothing is on its way to the subscriber when it
// unsubscribes. topic is the topic's broker, or an actor that stands for a
// topic of another node (remote.Node.Dial); Measure sends it Subscribe, an
// Ack per Delivery, and Unsubscribe at the end.
//
// It fails when no packet comes within FirstPacketTimeout, when the
// topic's stream ends or its publisher is lost before the run's end, or
// when the topic refuses the subscription.
func Measure(ctx context.Context, system *actor.ActorSystem, topic *actor.PID, run Run) (Result, error) {
	m := &meter{run: run, topic: topic, started: make(chan struct{}), ended: make(chan struct{}), failed: make(chan error, 1)}
	pid := system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return m }, actor.WithGuardian(meterSupervision)))
	defer func() { system.Root.StopFuture(pid).Wait() }()

	first := time.NewTimer(FirstPacketTimeout)
	defer first.Stop()
	select {
	case <-m.started:
	case err := <-m.failed:
		return Result{}, err
	case <-first.C:
		return Result{}, fmt.Errorf("remotebench: %s: no packet within %v", run.Topic, FirstPacketTimeout)
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	end := time.NewTimer(run.Warmup + run.Duration)
	defer end.Stop()
	select {
	case <-end.C:
	case err := <-m.failed:
		return Result{}, err
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	res, err := system.Root.RequestFuture(pid, &resultRequest{}, 5*time.Second).Result()
	if err != nil {
		return Result{}, fmt.Errorf("remotebench: %s: %w", run.Topic, err)
	}
	last := time.NewTimer(FirstPacketTimeout)
	defer last.Stop()
	select {
	case <-m.ended:
	case <-last.C: // a publisher that does not leave: unsubscribe anyway
	case <-ctx.Done():
	}
	return res.(Result), nil
}

// meterSupervision stops a meter that panics: restarted, it would count
// from the middle of a run. (A meter is spawned from the root context, so
// its supervisor is its guardian; one strategy value, one guardian.)
var meterSupervision = actor.NewOneForOneStrategy(0, 0, func(any) actor.Directive { return actor.StopDirective })

// resultRequest asks a meter for its Result; it stops counting then.
type resultRequest struct{}

// meter is the subscriber of a run. It acknowledges every delivery at
// once, so that its window measures the link and not the meter.
type meter struct {
	run   Run
	topic *actor.PID
	// started is closed at the first delivery, ended at the end of the
	// stream after the result was taken; failed gets the error that ends
	// the run early. Measure reads them.
	started, ended chan struct{}
	failed         chan error

	first, from time.Time // the first delivery, the end of the warm-up
	done        bool      // a Result was taken
	endSeen     bool      // ended is closed
	samples     []time.Duration
	packets     int
	bytes       int64
	dropped     uint64
}

func (m *meter) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		ctx.Send(m.topic, &transport.Subscribe{Subscriber: ctx.Self(), Window: m.run.Window})
	case *transport.Delivery:
		m.delivery(msg, time.Now())
		ctx.Send(m.topic, &transport.Ack{Subscriber: ctx.Self()})
	case *transport.EndOfStream:
		m.dropped += msg.Dropped
		if !m.done {
			m.fail(errors.New("the topic's stream ended before the run did"))
		} else if !m.endSeen {
			m.endSeen = true
			close(m.ended)
		}
	case *transport.Event:
		switch msg.Kind {
		case transport.EventIncompatibleQoS, transport.EventLivelinessLost:
			m.fail(fmt.Errorf("%v: %v", msg.Kind, msg.Err))
		}
	case *resultRequest:
		m.done = true
		ctx.Respond(m.result(time.Now()))
	case *actor.Stopping:
		ctx.Send(m.topic, &transport.Unsubscribe{Subscriber: ctx.Self()})
	}
}

// delivery counts a packet received at now, unless it came in the warm-up.
func (m *meter) delivery(d *transport.Delivery, now time.Time) {
	m.dropped += d.Dropped
	if m.first.IsZero() {
		m.first, m.from = now, now.Add(m.run.Warmup)
		close(m.started)
	}
	if m.done || now.Before(m.from) || d.Packet.Replay.Replayed {
		return
	}
	m.packets++
	m.bytes += int64(len(d.Packet.Data))
	m.samples = append(m.samples, now.Sub(d.Packet.CaptureTime))
}

func (m *meter) fail(err error) {
	if m.done {
		return
	}
	select {
	case m.failed <- fmt.Errorf("remotebench: %s: %w", m.run.Topic, err):
	default:
	}
}

// result sums up what came from the end of the warm-up to now.
func (m *meter) result(now time.Time) Result {
	return newResult(m.run, now.Sub(m.from), m.packets, m.bytes, m.dropped, m.samples)
}
