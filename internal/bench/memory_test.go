package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
)

// A 1080p camera's packets, as libx264 makes them at gopline's defaults on
// a camera picture: about 6 Mbit/s at 30 frames/s, a keyframe every 60.
const (
	memTopic        = "/memory/camera"
	memKeyBytes     = 200_000
	memDeltaBytes   = 20_000
	memGOP          = 60
	memSubscribers  = 100
	memGOPsPerPhase = 2
)

// BenchmarkSubscriberMemory measures what each in-process subscriber of one
// 1080p topic costs in memory: a durable topic (its GOP cache full), one
// subscriber (subscribe ! fakesink, a pipeline of its own, the default
// window), two GOPs published, the heap in use and the RSS read; then 99
// more subscribers, two GOPs more, read again. Every subscriber holds the
// same shared packets, so what grows is the subscriber itself: its
// pipeline's actors, its window and its place at the topic.
//
//	go test -run '^$' -bench SubscriberMemory -benchtime 1x ./internal/bench/
func BenchmarkSubscriberMemory(b *testing.B) {
	var heap, rss float64
	for range b.N {
		h, r, err := subscriberMemory(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		heap, rss = h, r
	}
	b.ReportMetric(heap, "heap-B/subscriber")
	b.ReportMetric(rss, "rss-B/subscriber")
}

// subscriberMemory returns the growth of the heap in use and of the RSS per
// subscriber beyond the first.
func subscriberMemory(ctx context.Context) (heapPer, rssPer float64, err error) {
	n, err := gopline.New()
	if err != nil {
		return 0, 0, err
	}
	defer n.Close()
	broker, err := n.Bus().Topic(memTopic)
	if err != nil {
		return 0, 0, err
	}
	offer := qos.DurableVideo()
	root := n.System().Root
	root.Send(broker, &transport.PublisherJoined{QoS: &offer})
	cam := &syntheticCamera{send: func(p *media.Packet) { root.Send(broker, &transport.Publish{Packet: p}) }}
	readings := make([][2]uint64, 2)
	for i, subs := range []int{1, memSubscribers} {
		if err := startSubscribers(ctx, n, subs-countSubscribers(n)); err != nil {
			return 0, 0, err
		}
		if err := cam.publishGOPs(ctx, n, memGOPsPerPhase); err != nil {
			return 0, 0, err
		}
		if readings[i], err = memoryInUse(); err != nil {
			return 0, 0, err
		}
	}
	per := func(k int) float64 {
		return (float64(readings[1][k]) - float64(readings[0][k])) / float64(memSubscribers-1)
	}
	return per(0), per(1), nil
}

// startSubscribers starts k pipelines subscribe ! fakesink of the topic and
// waits until the topic counts them.
func startSubscribers(ctx context.Context, n *gopline.Node, k int) error {
	want := countSubscribers(n) + k
	for range k {
		p, err := n.NewPipeline()
		if err != nil {
			return err
		}
		if err := p.Chain([]string{"subscribe", "sink"}, []pipeline.Element{elements.Subscribe(memTopic, 0), elements.FakeSink()}); err != nil {
			return err
		}
		if err := p.Start(ctx); err != nil {
			return err
		}
	}
	for countSubscribers(n) < want {
		if err := Sleep(ctx, 10*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

func countSubscribers(n *gopline.Node) int {
	st, err := n.Bus().Stats(memTopic)
	if err != nil {
		return 0
	}
	return len(st.Subscribers)
}

// syntheticCamera publishes packets of a 1080p camera's sizes, each with
// data of its own, as an encoder hands them out.
type syntheticCamera struct {
	send func(*media.Packet)
	seq  uint64
}

// publishGOPs publishes gops GOPs at 30 packets/s and waits until every
// subscriber has been delivered them.
func (c *syntheticCamera) publishGOPs(ctx context.Context, n *gopline.Node, gops int) error {
	before, err := n.Bus().Stats(memTopic)
	if err != nil {
		return err
	}
	tick := time.NewTicker(time.Second / 30)
	defer tick.Stop()
	for i := range gops * memGOP {
		size := memDeltaBytes
		if i%memGOP == 0 {
			size = memKeyBytes
		}
		c.send(&media.Packet{Codec: media.H264, Data: make([]byte, size), Key: i%memGOP == 0, Seq: c.seq,
			GOP: c.seq - uint64(i%memGOP), Epoch: 1, CaptureTime: time.Now(), Width: 1920, Height: 1080})
		c.seq++
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	want := before.Delivered + uint64(gops*memGOP*len(before.Subscribers))
	for {
		st, err := n.Bus().Stats(memTopic)
		if err != nil {
			return err
		}
		if st.Delivered+st.Dropped >= want {
			return nil
		}
		if err := Sleep(ctx, 10*time.Millisecond); err != nil {
			return fmt.Errorf("bench: %d of %d deliveries: %w", st.Delivered, want, err)
		}
	}
}

// memoryInUse returns the heap in use and the resident set, after a
// collection that returns what it can to the system.
func memoryInUse() ([2]uint64, error) {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	statm, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return [2]uint64{}, err
	}
	fields := strings.Fields(string(statm))
	if len(fields) < 2 {
		return [2]uint64{}, fmt.Errorf("bench: /proc/self/statm: %q", statm)
	}
	pages, err := strconv.ParseUint(fields[1], 10, 64)
	if err != nil {
		return [2]uint64{}, err
	}
	return [2]uint64{ms.HeapInuse, pages * uint64(os.Getpagesize())}, nil
}
