package transport_test

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/transport"
)

// A viewer subscribes to a topic, acknowledges each delivery, and learns when
// the stream ends.
func Example() {
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	defer system.Shutdown()
	bus := transport.NewBus(system)
	defer bus.Close()

	topic, err := bus.Topic("/camera/front")
	if err != nil {
		fmt.Println(err)
		return
	}
	lines := make(chan string, 8)
	viewer := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *transport.Delivery:
			lines <- fmt.Sprintf("%s seq %d key %v", m.Topic, m.Packet.Seq, m.Packet.Key)
			ctx.Send(topic, &transport.Ack{Subscriber: ctx.Self()})
		case *transport.EndOfStream:
			lines <- "end of " + m.Topic
			close(lines)
		}
	}))
	if err := system.Root.RequestFuture(topic, &transport.Subscribe{Subscriber: viewer}, time.Second).Wait(); err != nil {
		fmt.Println(err)
		return
	}

	for seq := range uint64(3) {
		system.Root.Send(topic, &transport.Publish{Packet: &media.Packet{
			Codec: media.H264, Data: []byte{0, 0, 0, 1, 0x65}, Key: seq == 0, Seq: seq, Width: 640, Height: 480,
		}})
	}
	system.Root.Send(topic, &transport.PublisherLeft{})
	for line := range lines {
		fmt.Println(line)
	}
	// Output:
	// /camera/front seq 0 key true
	// /camera/front seq 1 key false
	// /camera/front seq 2 key false
	// end of /camera/front
}

// A window of two: the subscriber acknowledges nothing, so the third packet
// finds the window full. The rest of that GOP is dropped, and delivery
// resumes at the next keyframe once there is credit again.
func ExampleWindow() {
	w := transport.NewWindow(2)
	gop := uint64(0)
	for seq := range uint64(7) {
		key := seq%4 == 0
		if key {
			gop = seq
		}
		if seq == 4 {
			w.Ack() // the subscriber catches up
			w.Ack()
		}
		p := &media.Packet{Key: key, Seq: seq, GOP: gop}
		if w.Offer(p) {
			fmt.Printf("deliver %d (key %v, %d dropped before it)\n", seq, key, w.TakeDropped())
		} else {
			fmt.Printf("drop %d\n", seq)
		}
	}
	// Output:
	// deliver 0 (key true, 0 dropped before it)
	// deliver 1 (key false, 0 dropped before it)
	// drop 2
	// drop 3
	// deliver 4 (key true, 2 dropped before it)
	// deliver 5 (key false, 0 dropped before it)
	// drop 6
}
