package web

import (
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/transport"
)

// /api/topics lists each subscriber of a topic by who it is, with what the
// topic delivered and dropped for it and its window: here a WebSocket
// client that reads, and a subscriber of another node's that acknowledges
// nothing, whose drops are its own.
func TestTopicsSayWhichSubscriberDrops(t *testing.T) {
	n := newLiveNode(t, Config{})
	const slowName = "10.0.0.9:7400/gopline-link-1"
	subscribeStalled(t, n, slowName)

	c := dialFoxglove(t, n, "")
	chans := c.greeting()
	c.send(`{"op":"subscribe","subscriptions":[{"id":7,"channelId":` + jsonNumber(chans[0].ID) + `}]}`)
	for got := 0; got < 30; {
		if op, _ := c.next(); op == "binary" {
			got++
		}
	}

	var slow, reader *SubscriberInfo
	waitFor(t, 20*time.Second, "the stalled subscriber's drops", func() bool {
		topics := topicInfos(t, n, "/api/topics/cam")
		slow, reader = nil, nil
		for i, s := range topics[0].SubscriberStats {
			switch {
			case s.Name == slowName:
				slow = &topics[0].SubscriberStats[i]
			case strings.HasPrefix(s.Name, "WebSocket client 127.0.0.1:") && strings.HasSuffix(s.Name, " subscription 7"):
				reader = &topics[0].SubscriberStats[i]
			}
		}
		if slow == nil || reader == nil {
			t.Fatalf("/api/topics/cam lists the subscribers %+v, want %s and the WebSocket client's subscription 7", topics[0].SubscriberStats, slowName)
		}
		return slow.Dropped > 0
	})
	// What it was delivered (the cached GOP's replay takes no place of
	// the window) is all in flight: it acknowledged nothing.
	if slow.Window != 1 || slow.InFlight < slow.Window || uint64(slow.InFlight) != slow.Delivered {
		t.Errorf("the stalled subscriber: %+v, want all it was delivered in flight, its window of 1 full", *slow)
	}
	if reader.Delivered < 30 || reader.Window != transport.DefaultWindow || reader.Dropped >= slow.Dropped {
		t.Errorf("the WebSocket client: %+v, want 30 delivered or more of a window of %d, and fewer dropped than the stalled one's %d",
			*reader, transport.DefaultWindow, slow.Dropped)
	}
}

// A subscriber that said who it is is listed by that name, one that said
// nothing by its actor's; its counters are its window's.
func TestSubscriberInfosNameEachAndKeepItsCounters(t *testing.T) {
	got := subscriberInfos([]transport.SubscriberStats{
		{Subscriber: actor.NewPID("nonhost", "pipeline-1/subscribe0"), QoS: "sensor_data",
			WindowStats: transport.WindowStats{Size: 16, InFlight: 3, Delivered: 900, Skipped: 4}},
		{Subscriber: actor.NewPID("nonhost", "gopline/gopline-sub-2"), Name: "10.0.0.9:7400/gopline-link-1", Incompatible: true,
			WindowStats: transport.WindowStats{Size: 8, InFlight: 8, Delivered: 40, Dropped: 260}},
	})
	want := []SubscriberInfo{
		{Name: "pipeline-1/subscribe0", QoS: "sensor_data", Delivered: 900, Skipped: 4, Window: 16, InFlight: 3},
		{Name: "10.0.0.9:7400/gopline-link-1", Delivered: 40, Dropped: 260, Window: 8, InFlight: 8, Incompatible: true},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}
