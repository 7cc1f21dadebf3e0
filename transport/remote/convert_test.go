package remote

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/protobuf/proto"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
	"github.com/gopline/gopline/transport/wire"
)

func TestPacketRoundTrip(t *testing.T) {
	src := &source{epoch: 3, gop: 5}
	for range 7 {
		p := src.next()
		p.Replay = media.Replay{Replayed: true, Last: p.Seq == 6, Stale: p.Seq%2 == 1} // every mark must cross
		got, err := packetFromWire(packetToWire(p))
		if err != nil {
			t.Fatal(err)
		}
		if got.Seq != p.Seq || got.GOP != p.GOP || got.Epoch != p.Epoch || got.Key != p.Key || got.Replay != p.Replay ||
			!got.CaptureTime.Equal(p.CaptureTime) || string(got.Data) != string(p.Data) || got.Width != p.Width {
			t.Fatalf("seq %d: %+v came back as %+v", p.Seq, p, got)
		}
	}
}

func TestBadPacketsAreRefused(t *testing.T) {
	good := func() *wire.Packet { return packetToWire((&source{epoch: 1, gop: 5}).next()) }
	for name, change := range map[string]func(*wire.Packet){
		"no data":         func(w *wire.Packet) { w.Data = nil },
		"unknown codec":   func(w *wire.Packet) { w.Codec = 99 },
		"huge codec":      func(w *wire.Packet) { w.Codec = 1 << 20 },
		"zero size":       func(w *wire.Packet) { w.Width = 0 },
		"huge size":       func(w *wire.Packet) { w.Height = 1 << 30 },
		"gop ahead":       func(w *wire.Packet) { w.Key = false; w.Gop = 9 },
		"mark no replay":  func(w *wire.Packet) { w.Stale = true },
		"key gop not seq": func(w *wire.Packet) { w.Seq = 4 },
	} {
		w := good()
		change(w)
		if _, err := packetFromWire(w); !errors.Is(err, ErrBadMessage) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := packetFromWire(nil); !errors.Is(err, ErrBadMessage) {
		t.Errorf("nil packet: %v", err)
	}
}

func TestEventRoundTrip(t *testing.T) {
	e := &transport.Event{Topic: "/cam", Kind: transport.EventDeadlineMissed, Count: 3}
	got, err := eventFromWire("/cam", eventToWire(e))
	if err != nil || got.Kind != e.Kind || got.Count != 3 {
		t.Fatalf("%+v, %v", got, err)
	}
	for _, k := range []uint32{0, 99} {
		if _, err := eventFromWire("/cam", &wire.Event{Kind: k}); !errors.Is(err, ErrBadMessage) {
			t.Errorf("kind %d: %v", k, err)
		}
	}
}

// FuzzPacketFromWire: whatever bytes a peer sends as a Packet, converting
// it never panics, and what converts validates and converts back the same.
func FuzzPacketFromWire(f *testing.F) {
	for range 3 {
		b, _ := proto.Marshal(packetToWire((&source{epoch: 1, gop: 5}).next()))
		f.Add(b)
	}
	f.Add([]byte{0x08, 0x63})
	f.Fuzz(func(t *testing.T, b []byte) {
		var w wire.Packet
		if proto.Unmarshal(b, &w) != nil {
			return
		}
		p, err := packetFromWire(&w)
		if err != nil {
			return
		}
		if p.Validate() != nil {
			t.Fatal("a converted packet does not validate")
		}
		w.ProtoReflect().SetUnknown(nil) // fields this version does not know are ignored
		if again := packetToWire(p); !proto.Equal(again, &w) {
			t.Fatalf("%v converted back as %v", &w, again)
		}
	})
}

// FuzzEventFromWire: whatever bytes a peer sends as an Event, converting it
// (and writing it in a log line, as a subscriber does) never panics, and what
// converts has a known kind and converts back the same.
func FuzzEventFromWire(f *testing.F) {
	for _, e := range []*transport.Event{
		{Kind: transport.EventDeadlineMissed, Count: 3, Time: time.Unix(1700000000, 5)},
		{Kind: transport.EventIncompatibleQoS, Err: errors.New("offered volatile, requested transient_local")},
		{Kind: transport.EventLivelinessLost, Publisher: actor.NewPID("10.0.0.2:7400", "gopline/pub")},
	} {
		b, _ := proto.Marshal(eventToWire(e))
		f.Add(b)
	}
	f.Add([]byte{0x08, 0x63})
	f.Fuzz(func(t *testing.T, b []byte) {
		var w wire.Event
		if proto.Unmarshal(b, &w) != nil {
			return
		}
		e, err := eventFromWire("/cam", &w)
		if err != nil {
			return
		}
		_ = e.String()
		if e.Kind < transport.EventIncompatibleQoS || e.Kind > transport.EventDropped {
			t.Fatalf("kind %d converted", e.Kind)
		}
		again := eventToWire(e)
		if again.Kind != w.Kind || again.Time != w.Time || again.Count != w.Count || again.Error != w.Error {
			t.Fatalf("%v converted back as %v", &w, again)
		}
	})
}

// FuzzCheckBatch: checkBatch never panics, and a batch it passes has every
// index in range and only allowed types and targets.
func FuzzCheckBatch(f *testing.F) {
	ok := &remote.MessageBatch{TypeNames: []string{"gopline.wire.v1.Ack"}, Targets: []*actor.PID{actor.NewPID("a:1", gatewayName)},
		Envelopes: []*remote.MessageEnvelope{{}}}
	b, _ := proto.Marshal(ok)
	f.Add(b)
	bad := &remote.MessageBatch{TypeNames: []string{"actor.Stop"}, Targets: []*actor.PID{actor.NewPID("a:1", "topic/x")},
		Envelopes: []*remote.MessageEnvelope{{TypeId: 3, Sender: 2}}}
	b, _ = proto.Marshal(bad)
	f.Add(b)
	// The mutations a guard must not let pass: a wire name it does not
	// know, an index one past its list, an id that merely starts with the
	// gateway's name.
	for _, m := range []*remote.MessageBatch{
		{TypeNames: []string{"gopline.wire.v1.Stop"}, Targets: ok.Targets, Envelopes: []*remote.MessageEnvelope{{}}},
		{TypeNames: ok.TypeNames, Targets: ok.Targets, Envelopes: []*remote.MessageEnvelope{{TypeId: 1}}},
		{TypeNames: ok.TypeNames, Targets: []*actor.PID{actor.NewPID("a:1", "goplinex")}, Envelopes: []*remote.MessageEnvelope{{}}},
	} {
		b, _ = proto.Marshal(m)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m remote.MessageBatch
		if proto.Unmarshal(b, &m) != nil {
			return
		}
		if checkBatch(&m) != nil {
			return
		}
		checkOrigin(&m, "a:1") // never panics on a batch checkBatch passed
		for _, e := range m.Envelopes {
			if !allowedTypes[m.TypeNames[e.TypeId]] || !allowedTarget(m.Targets[e.Target].Id) || e.SerializerId != 0 ||
				(e.Sender > 0 && m.Senders[e.Sender-1] == nil) {
				t.Fatalf("checkBatch passed %v", &m)
			}
		}
	})
}

func TestCheckBatch(t *testing.T) {
	pid := func(id string) []*actor.PID { return []*actor.PID{actor.NewPID("a:1", id)} }
	env := []*remote.MessageEnvelope{{}}
	for _, c := range []struct {
		name string
		b    *remote.MessageBatch
		ok   bool
	}{
		{"wire to the gateway", &remote.MessageBatch{TypeNames: []string{"gopline.wire.v1.Subscribe"}, Targets: pid("gopline"), Envelopes: env}, true},
		{"watch a proxy", &remote.MessageBatch{TypeNames: []string{"actor.Watch"}, Targets: pid("gopline/gopline-sub-3"), Envelopes: env}, true},
		{"reply to a future", &remote.MessageBatch{TypeNames: []string{"gopline.wire.v1.Topics"}, Targets: pid("future$ab"), Envelopes: env}, true},
		{"stop", &remote.MessageBatch{TypeNames: []string{"actor.Stop"}, Targets: pid("gopline"), Envelopes: env}, false},
		{"to a topic", &remote.MessageBatch{TypeNames: []string{"gopline.wire.v1.Ack"}, Targets: pid("topic/cam"), Envelopes: env}, false},
		{"to a pipeline node", &remote.MessageBatch{TypeNames: []string{"gopline.wire.v1.Ack"}, Targets: pid("$1"), Envelopes: env}, false},
		{"no targets", &remote.MessageBatch{TypeNames: []string{"gopline.wire.v1.Ack"}, Envelopes: env}, false},
		{"a wire name it does not know", &remote.MessageBatch{TypeNames: []string{"gopline.wire.v1.Stop"}, Targets: pid("gopline"), Envelopes: env}, false},
		{"a type index one past the list", &remote.MessageBatch{TypeNames: []string{"gopline.wire.v1.Ack"}, Targets: pid("gopline"),
			Envelopes: []*remote.MessageEnvelope{{TypeId: 1}}}, false},
		{"a target index one past the list", &remote.MessageBatch{TypeNames: []string{"gopline.wire.v1.Ack"}, Targets: pid("gopline"),
			Envelopes: []*remote.MessageEnvelope{{Target: 1}}}, false},
		{"a sender index one past the list", &remote.MessageBatch{TypeNames: []string{"gopline.wire.v1.Ack"}, Targets: pid("gopline"),
			Senders: pid("x"), Envelopes: []*remote.MessageEnvelope{{Sender: 2}}}, false},
		{"an id that starts with the gateway's", &remote.MessageBatch{TypeNames: []string{"gopline.wire.v1.Ack"}, Targets: pid("goplinex"), Envelopes: env}, false},
		{"a gateway's child not a subscription", &remote.MessageBatch{TypeNames: []string{"gopline.wire.v1.Ack"}, Targets: pid("gopline/x"), Envelopes: env}, false},
		{"a link", &remote.MessageBatch{TypeNames: []string{"gopline.wire.v1.Delivery"}, Targets: pid("gopline-link-2"), Envelopes: env}, true},
	} {
		if err := checkBatch(c.b); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// A topic's listing carries its format, cache, publishers and the
// subscribers' requests; a peer's listing with fewer requests than
// subscribers is read with one for each.
func TestTopicInfoRoundTrip(t *testing.T) {
	pub, sub := actor.NewPID("10.0.0.5:7400", "pipeline1/cam"), actor.NewPID("10.0.0.5:7400", "pipeline1/viewer")
	proxy := actor.NewPID("10.0.0.5:7400", "gopline/gopline-sub-1")
	st := transport.TopicStats{Publishers: 1, PublisherPIDs: []*actor.PID{pub}, QoS: "durable_video",
		Codec: media.H264, Width: 640, Height: 480, Cache: &qos.CacheStats{GOPs: 1, Frames: 12},
		Subscribers: []transport.SubscriberStats{{Subscriber: sub, QoS: "sensor_data"}, {Subscriber: proxy, Name: "10.0.0.9:7400/gopline-link-1", WindowStats: transport.WindowStats{Dropped: 89}}}}
	got := topicInfoFromWire("robot", topicInfoToWire("/cam", st))
	want := TopicInfo{Name: "/cam", Node: "robot", QoS: "durable_video", Publishers: 1, Subscribers: 2, Codec: "h264", Width: 640, Height: 480,
		CachedGOPs: 1, CachedPackets: 12, PublisherNames: []string{"10.0.0.5:7400/pipeline1/cam"},
		SubscriberNames: []string{"10.0.0.5:7400/pipeline1/viewer", "10.0.0.9:7400/gopline-link-1"}, SubscriberQoS: []string{"sensor_data", ""},
		SubscriberDropped: []uint64{0, 89}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	short := topicInfoFromWire("robot", &wire.TopicInfo{Name: "/x", SubscriberNames: []string{"a", "b"}, SubscriberQos: []string{"q", "r", "s"}})
	if !reflect.DeepEqual(short.SubscriberQoS, []string{"q", "r"}) || !reflect.DeepEqual(short.SubscriberDropped, []uint64{0, 0}) {
		t.Fatalf("requests %q, drops %v; want one of each for each of 2 subscribers", short.SubscriberQoS, short.SubscriberDropped)
	}
}

// FuzzTopicInfoFromWire: whatever a peer sends as a topic of its listing,
// what gopline keeps of it is bounded (strings as long as a topic's name,
// as many names as a node has remote subscriptions), with one request per
// subscriber.
func FuzzTopicInfoFromWire(f *testing.F) {
	b, _ := proto.Marshal(&wire.TopicInfo{Name: "/cam", Qos: "durable_video", Codec: "h264", Width: 640, Height: 480,
		SubscriberNames: []string{"10.0.0.2:7400/gopline-link-1"}, SubscriberQos: []string{"", "extra"},
		PublisherNames: []string{"10.0.0.1:7400/pipeline-1/publish0"}})
	f.Add(b)
	f.Add([]byte{0x0a, 0x02, 0x2f, 0x61})
	f.Fuzz(func(t *testing.T, b []byte) {
		var w wire.TopicInfo
		if proto.Unmarshal(b, &w) != nil {
			return
		}
		info := topicInfoFromWire(w.Name, &w)
		for _, s := range append([]string{info.Name, info.Node, info.QoS, info.Codec}, append(info.SubscriberNames, append(info.PublisherNames, info.SubscriberQoS...)...)...) {
			if len(s) > maxListedString {
				t.Fatalf("kept a string of %d bytes", len(s))
			}
		}
		if len(info.SubscriberNames) > maxListedNames || len(info.PublisherNames) > maxListedNames ||
			len(info.SubscriberQoS) != len(info.SubscriberNames) || len(info.SubscriberDropped) != len(info.SubscriberNames) {
			t.Fatalf("kept %d subscribers with %d requests and %d publishers",
				len(info.SubscriberNames), len(info.SubscriberQoS), len(info.PublisherNames))
		}
	})
}

func TestTopicInfoFromWireCutsWhatIsTooLong(t *testing.T) {
	long := strings.Repeat("a", 2*maxListedString)
	names := make([]string, 2*maxListedNames)
	info := topicInfoFromWire(long, &wire.TopicInfo{Name: long, SubscriberNames: names, PublisherNames: []string{long}})
	if len(info.Name) != maxListedString || len(info.Node) != maxListedString || len(info.SubscriberNames) != maxListedNames ||
		len(info.SubscriberQoS) != maxListedNames || len(info.PublisherNames[0]) != maxListedString {
		t.Fatalf("kept a name of %d bytes, %d subscribers, a publisher of %d bytes",
			len(info.Name), len(info.SubscriberNames), len(info.PublisherNames[0]))
	}
}
