package remotebench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
)

// How often a publisher asks its topic's broker about its subscriber, and
// how long a session outlasts its run.
const (
	// idlePoll: while the topic has no subscriber. A run starts this much
	// after its subscriber at most; Measure's warm-up hides it.
	idlePoll = 10 * time.Millisecond
	// creditPoll: while a throughput run's subscriber has no credit left.
	// A window of 50 KB packets drains in a few milliseconds on loopback;
	// a shorter poll takes the CPU the link needs.
	creditPoll = 100 * time.Microsecond
	// sessionGrace: a session outlasts its subscriber's run by this much,
	// time enough for the subscriber to take its result.
	sessionGrace = 500 * time.Millisecond
)

// Every packet says it is a 1080p picture; nothing decodes it.
const pictureWidth, pictureHeight = 1920, 1080

// Serve publishes the topics of runs on n until ctx ends, one publisher
// (a goroutine) per run. A publisher waits for its topic's subscriber,
// joins the topic, publishes until the subscriber's run is over, and
// leaves it: the subscriber receives EndOfStream, its cue to unsubscribe
// (see Measure). Then it waits for the topic to have no subscriber, and
// for the next one. Serve returns when every publisher has stopped: nil
// when ctx ended, or the errors of topics that could not be asked for
// their subscribers.
//
// The topics offer qos.DurableVideo, gopline's default. A topic's first
// subscriber is replayed nothing (nothing was published before it came); a
// later one is replayed the last GOP of the previous session, which
// Measure does not count.
func Serve(ctx context.Context, n *gopline.Node, runs []Run) error {
	pubs := make([]*publisher, len(runs))
	for i, r := range runs {
		p, err := newPublisher(n.System().Root, n.Bus(), r)
		if err != nil {
			return err
		}
		pubs[i] = p
	}
	errs := make([]error, len(pubs))
	var wg sync.WaitGroup
	for i, p := range pubs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.serve(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// publisher publishes one run's packets. Its state belongs to its
// goroutine.
type publisher struct {
	run    Run
	root   *actor.RootContext
	bus    *transport.Bus
	broker *actor.PID

	// keyData and deltaData are the packets' filler, shared by every packet
	// (packets are immutable once published).
	keyData, deltaData []byte
	epoch, seq, gop    uint64
}

func newPublisher(root *actor.RootContext, bus *transport.Bus, r Run) (*publisher, error) {
	broker, err := bus.Topic(r.Topic)
	if err != nil {
		return nil, fmt.Errorf("remotebench: %w", err)
	}
	return &publisher{run: r, root: root, bus: bus, broker: broker,
		keyData: filler(r.PacketBytes, true), deltaData: filler(r.PacketBytes, false), epoch: media.NewEpoch()}, nil
}

// filler returns size bytes that start as an H.264 access unit (a start
// code and an IDR or non-IDR slice header byte) and continue with bytes
// that do not compress.
func filler(size int, key bool) []byte {
	b := make([]byte, size)
	var x uint32 = 2463534242
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	nal := byte(0x41)
	if key {
		nal = 0x65
	}
	copy(b, []byte{0, 0, 0, 1, nal})
	return b
}

// serve publishes one session after another: each begins when a
// subscriber comes and ends with the publisher leaving (see session).
func (p *publisher) serve(ctx context.Context) error {
	for {
		if err := p.waitFor(ctx, true); err != nil || ctx.Err() != nil {
			return err
		}
		if err := p.session(ctx); err != nil {
			return err
		}
		if err := p.waitFor(ctx, false); err != nil {
			return err
		}
	}
}

// waitFor waits until the topic has a subscriber (or none), or ctx ends.
func (p *publisher) waitFor(ctx context.Context, subscribed bool) error {
	return waitForSubscriber(ctx, p.bus, p.run.Topic, subscribed)
}

// waitForSubscriber waits until topic has a subscriber (or none), or ctx
// ends.
func waitForSubscriber(ctx context.Context, bus *transport.Bus, topic string, subscribed bool) error {
	for ctx.Err() == nil {
		st, err := pollTopic(ctx, bus, topic)
		if err != nil || st.subscribed == subscribed {
			return err
		}
		time.Sleep(idlePoll)
	}
	return nil
}

// session joins the topic, publishes, and leaves it, which ends the
// stream for the subscriber. It publishes until the run's warm-up and
// duration and sessionGrace have passed since the subscriber acknowledged
// its first packet: the subscriber counts from its first delivery, which
// came before, so its run is over by then. It stops early when the
// subscriber leaves or ctx ends.
//
// A throughput run publishes as many packets as the subscriber has
// credits for, and again whenever it has more; a latency run publishes at
// its rate whatever the credits say, as a camera does. The first packet
// opens a GOP: a new subscriber waits for a keyframe, and an encoder asked
// for one would give it.
func (p *publisher) session(ctx context.Context) error {
	offer := qos.DurableVideo()
	p.root.Send(p.broker, &transport.PublisherJoined{QoS: &offer})
	defer p.root.Send(p.broker, &transport.PublisherLeft{})
	var tick <-chan time.Time
	if p.run.Mode == Latency {
		t := time.NewTicker(time.Duration(float64(time.Second) / p.run.Rate))
		defer t.Stop()
		tick = t.C
		p.publish(time.Now(), true)
	}
	newGOP := p.run.Mode == Throughput
	var end time.Time
	for ctx.Err() == nil {
		st, err := p.poll(ctx)
		switch {
		case err != nil:
			return err
		case !st.subscribed:
			return nil
		case end.IsZero() && st.acked:
			end = time.Now().Add(p.run.Warmup + p.run.Duration + sessionGrace)
		case !end.IsZero() && time.Now().After(end):
			return nil
		}
		if tick != nil {
			select {
			case <-ctx.Done():
			case <-tick:
				p.publish(time.Now(), false)
			}
			continue
		}
		if st.credit <= 0 {
			time.Sleep(creditPoll)
			continue
		}
		for range st.credit {
			p.publish(time.Now(), newGOP)
			newGOP = false
		}
	}
	return nil
}

// topicState is what a publisher asks its topic's broker.
type topicState struct {
	// subscribed: the topic has subscribers; credit: how many more
	// deliveries all of them can take now; acked: one of them has
	// acknowledged a delivery.
	subscribed bool
	credit     int
	acked      bool
}

// poll asks the broker about the topic's subscribers. The answer is exact
// when it comes: the broker has handled every packet published before the
// question.
func (p *publisher) poll(ctx context.Context) (topicState, error) {
	return pollTopic(ctx, p.bus, p.run.Topic)
}

// statsTries is how many times pollTopic asks a broker that does not
// answer in time before it gives up.
const statsTries = 10

// pollTopic asks the broker of topic about its subscribers; once ctx has
// ended, a failed question is no error (the bus is closing). A topic the
// Bus forgot (nothing held it for a while, see transport.WithIdleTopicLinger)
// has no subscriber; a subscriber that comes makes it again, under the
// same broker, which the publisher's PID reaches.
func pollTopic(ctx context.Context, bus *transport.Bus, topic string) (topicState, error) {
	st, err := bus.Stats(topic)
	// A broker busy with a window of packets on a loaded machine may take
	// longer than the question's timeout: ask again, a few times.
	for tries := 1; errors.Is(err, actor.ErrTimeout) && ctx.Err() == nil && tries < statsTries; tries++ {
		st, err = bus.Stats(topic)
	}
	if errors.Is(err, transport.ErrUnknownTopic) {
		return topicState{}, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return topicState{}, nil // the bus is closing
		}
		return topicState{}, fmt.Errorf("remotebench: %w", err)
	}
	var out topicState
	for i, s := range st.Subscribers {
		if c := s.Size - s.InFlight; i == 0 || c < out.credit {
			out.credit = c
		}
		out.acked = out.acked || s.Delivered > uint64(s.InFlight)
	}
	out.subscribed = len(st.Subscribers) > 0
	return out, nil
}

// publish publishes the next packet, captured now; newGOP makes it a
// keyframe.
func (p *publisher) publish(now time.Time, newGOP bool) {
	key := newGOP || p.seq == 0 || p.seq-p.gop >= uint64(p.run.GOP)
	data := p.deltaData
	if key {
		p.gop = p.seq
		data = p.keyData
	}
	p.root.Send(p.broker, &transport.Publish{Packet: &media.Packet{Codec: media.H264, Data: data, Key: key,
		Seq: p.seq, GOP: p.gop, Epoch: p.epoch, CaptureTime: now, Width: pictureWidth, Height: pictureHeight}})
	p.seq++
}
