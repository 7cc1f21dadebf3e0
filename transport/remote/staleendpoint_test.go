package remote

import (
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/transport"
)

// forgetEndpointWriters takes protoactor's endpoint writers out of sys's
// registry, as a writer that stopped without telling leaves its endpoint:
// the endpoint stays, and every message to its address goes nowhere. The
// writers are the children of the endpoint supervisor with protoactor's
// writer mailbox. It returns how many it took.
func forgetEndpointWriters(sys *actor.ActorSystem) int {
	n := 0
	for _, bucket := range sys.ProcessRegistry.LocalPIDs.LocalPIDs {
		for _, id := range bucket.Keys() {
			if !strings.HasPrefix(id, "EndpointSupervisor/") {
				continue
			}
			p, ok := sys.ProcessRegistry.GetLocal(id)
			ap, isActor := p.(*actor.ActorProcess)
			if !ok || !isActor {
				continue
			}
			mailbox := reflect.ValueOf(ap).Elem().FieldByName("mailbox")
			if mailbox.IsValid() && !mailbox.IsNil() && strings.Contains(mailbox.Elem().Type().String(), "endpointWriterMailbox") {
				sys.ProcessRegistry.Remove(actor.NewPID(sys.Address(), id))
				n++
			}
		}
	}
	return n
}

// A subscriber's node whose connection to the publisher's node is left
// without a writer (protoactor's endpoint stays, and swallows what is sent
// over it) subscribes again over a new connection: the publisher's node
// answers probes, not the subscription, so the link ends that endpoint and
// the subscriber gets packets again.
//
// The publisher's node keeps quiet connections for long here: closing the
// swallowing endpoint's connection as idle would end it too, later.
func TestSubscriptionOverASwallowingEndpointComesBack(t *testing.T) {
	t.Setenv(timingEnv, "10m,10m")
	pub := startChild(t, "quietpub", childArgs{Lifetime: 3 * time.Minute})
	sub := startChild(t, "quietsub", childArgs{Addr: pub.addr, Topic: "/cam", Lifetime: 3 * time.Minute})
	sub.packets(20)
	if err := sub.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(15 * time.Second); ; {
		r := sub.next(time.Until(deadline))
		if r == nil {
			t.Fatal("the subscriber did not say it forgot its endpoint writer")
		}
		if strings.HasPrefix(r.Event, "forgot") {
			if r.Event != "forgot 1 endpoint writers" {
				t.Fatalf("the subscriber %s, want 1", r.Event)
			}
			break
		}
	}
	forgot := time.Now()
	lost, regained := false, false
	for got := 0; got < 20 || !regained; {
		r := sub.next(90 * time.Second)
		if r == nil {
			t.Fatalf("%d packets after the endpoint swallowed (lost %v, regained %v), want 20 and the publisher regained", got, lost, regained)
		}
		lost = lost || r.Event == transport.EventLivelinessLost.String()
		regained = regained || lost && r.Event == transport.EventLivelinessRegained.String()
		if r.Packet && !r.Replayed && regained {
			got++
		}
	}
	if !sub.stderr.Await("connecting anew", logWait) {
		t.Errorf("the subscriber's node did not say it connects anew:\n%s", sub.stderr.String())
	}
	t.Logf("20 packets %v after the endpoint began to swallow", time.Since(forgot).Round(time.Millisecond))
}
