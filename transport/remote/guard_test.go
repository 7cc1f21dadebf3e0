package remote

import (
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/protobuf/proto"
)

// A batch speaks for the node its stream claimed to come from, and for no
// other.
func TestCheckOrigin(t *testing.T) {
	const from, other = "10.0.0.9:40000", "10.0.0.5:7400"
	data := func(m proto.Message) []byte {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	proxy := []*actor.PID{actor.NewPID(other, "gopline/gopline-sub-1")}
	one := func(typ string, m proto.Message, targets []*actor.PID, senders ...*actor.PID) *remote.MessageBatch {
		e := &remote.MessageEnvelope{MessageData: data(m)}
		if len(senders) > 0 {
			e.Sender = 1
		}
		return &remote.MessageBatch{TypeNames: []string{typ}, Targets: targets, Senders: senders, Envelopes: []*remote.MessageEnvelope{e}}
	}
	for _, c := range []struct {
		name string
		from string
		b    *remote.MessageBatch
		ok   bool
	}{
		{"an ack from the node's link", from, one("gopline.wire.v1.Ack", &actor.Stop{}, proxy, actor.NewPID(from, "gopline-link-1")), true},
		{"an ack naming another node's link", from, one("gopline.wire.v1.Ack", &actor.Stop{}, proxy, actor.NewPID("10.0.0.7:1", "gopline-link-1")), false},
		{"no sender", from, one("gopline.wire.v1.Ack", &actor.Stop{}, proxy), true},
		{"before the stream named its node", "", one("gopline.wire.v1.Ack", &actor.Stop{}, proxy), false},
		{"the node's link stopped", from, one("actor.Terminated", &actor.Terminated{Who: actor.NewPID(from, "gopline-link-1")}, proxy), true},
		{"another node's link stopped", from, one("actor.Terminated", &actor.Terminated{Who: actor.NewPID("10.0.0.7:1", "gopline-link-1")}, proxy), false},
		{"this node's subscriber stopped", from, one("actor.Terminated", &actor.Terminated{Who: actor.NewPID(other, "$5")},
			[]*actor.PID{actor.NewPID(other, "gopline-link-1")}), false},
		{"a Terminated to the gateway", from, one("actor.Terminated", &actor.Terminated{Who: actor.NewPID(from, "gopline-link-1")},
			[]*actor.PID{actor.NewPID(other, gatewayName)}), false},
		{"a Terminated that does not decode", from, &remote.MessageBatch{TypeNames: []string{"actor.Terminated"}, Targets: proxy,
			Envelopes: []*remote.MessageEnvelope{{MessageData: []byte{0xff, 0xff}}}}, false},
		{"the node's actor watches", from, one("actor.Watch", &actor.Watch{Watcher: actor.NewPID(from, "gopline-link-1")}, proxy), true},
		{"another node's actor watches", from, one("actor.Watch", &actor.Watch{Watcher: actor.NewPID("10.0.0.7:1", "x")}, proxy), false},
		{"another node's actor unwatches", from, one("actor.Unwatch", &actor.Unwatch{Watcher: actor.NewPID("10.0.0.7:1", "x")}, proxy), false},
	} {
		if err := checkBatch(c.b); err != nil && c.ok {
			t.Errorf("%s: checkBatch: %v", c.name, err)
			continue
		}
		if err := checkOrigin(c.b, c.from); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
