package transport_test

import (
	"fmt"
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
)

// A late joiner of a durable topic, written with a Subscriber: the cached
// GOP comes first, marked as replayed; the farewell is answered with the end
// of the stream.
func ExampleSubscriber() {
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	defer system.Shutdown()
	bus := transport.NewBus(system, transport.WithDefaultQoS(qos.DurableVideo()))
	defer bus.Close()
	topic, err := bus.Topic("/camera/front")
	if err != nil {
		fmt.Println(err)
		return
	}
	for seq := range uint64(3) {
		system.Root.Send(topic, &transport.Publish{Packet: &media.Packet{
			Codec: media.H264, Data: []byte{0, 0, 0, 1, 0x65}, Key: seq == 0, Seq: seq, Epoch: 1, Width: 640, Height: 480,
		}})
	}

	type halt struct{}
	lines := make(chan string, 8)
	var sub *transport.Subscriber
	viewer := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch ctx.Message().(type) {
		case *actor.Started:
			var err error
			sub, err = transport.NewSubscriber(transport.SubscriberConfig{Topic: "/camera/front", Broker: topic,
				Self: ctx.Self(), Send: ctx.Send})
			if err != nil {
				lines <- err.Error()
				close(lines)
				return
			}
			sub.Subscribe()
		case halt:
			sub.Halt()
		default:
			got, ok := sub.Handle(ctx.Message())
			switch {
			case !ok:
			case got.Packet != nil:
				lines <- fmt.Sprintf("seq %d replayed %v", got.Packet.Seq, got.Packet.Replay.Replayed)
				sub.Ack()
				if got.Packet.Replay.Last {
					ctx.Send(ctx.Self(), halt{})
				}
			case got.Ended:
				lines <- "end of stream"
				close(lines)
			}
		}
	}))
	defer system.Root.Stop(viewer)
	for line := range lines {
		fmt.Println(line)
	}
	// Output:
	// seq 0 replayed true
	// seq 1 replayed true
	// seq 2 replayed true
	// end of stream
}
