package transport

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/media"
)

// countingSink acknowledges every delivery at once and signals done when it
// has received want of them.
type countingSink struct {
	topic *actor.PID
	want  int
	got   int
	done  *sync.WaitGroup
}

func (c *countingSink) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*Delivery); ok {
		ctx.Send(c.topic, &Ack{Subscriber: ctx.Self()})
		if c.got++; c.got == c.want {
			c.done.Done()
		}
	}
}

// BenchmarkFanOut publishes b.N packets on one topic and waits until each of
// its subscribers has received all of them. Subscribers acknowledge at once
// and their windows hold b.N, so nothing is dropped: this is the broker's
// delivery rate, not a slow subscriber's.
func BenchmarkFanOut(b *testing.B) {
	for _, subs := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("subscribers=%d", subs), func(b *testing.B) {
			sys := newSystem(b)
			bus := NewBus(sys)
			defer bus.Close()
			topic, err := bus.Topic("/bench")
			if err != nil {
				b.Fatal(err)
			}
			var done sync.WaitGroup
			done.Add(subs)
			for range subs {
				pid := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
					return &countingSink{topic: topic, want: b.N, done: &done}
				}))
				if _, err := sys.Root.RequestFuture(topic, &Subscribe{Subscriber: pid, Window: b.N}, testTimeout).Result(); err != nil {
					b.Fatal(err)
				}
			}
			// One GOP of 30 packets, published over and over: the window
			// only looks at Key.
			src := packetSource{epoch: 1}
			gop := make([]*media.Packet, 30)
			for i := range gop {
				gop[i] = src.next(i == 0)
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				sys.Root.Send(topic, &Publish{Packet: gop[i%len(gop)]})
			}
			done.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(subs*b.N)/elapsed.Seconds(), "deliveries/s")
		})
	}
}
