package remote

import (
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/gopline/gopline/transport"
)

// A node's Close stops its links, their timers and probes, and waits for
// them: nothing the node started runs after it.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	// protoactor's dead-letter throttle runs for ever, whoever starts it.
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(),
		goleak.IgnoreTopFunction("github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1"))
	sys := quietSystem()
	defer sys.Shutdown()
	n := &Node{system: sys, log: zerolog.Nop(), guard: newGuard(Config{}),
		dialOpts: []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}}
	n.gateway = sys.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}))
	sub, _ := recorder(sys)
	for range 3 {
		link, err := n.Dial("127.0.0.1:1", "/cam") // nobody listens: the links probe and retry
		if err != nil {
			t.Fatal(err)
		}
		sys.Root.Send(link, &transport.Subscribe{Subscriber: sub})
	}
	time.Sleep(300 * time.Millisecond) // probes, failures and timers under way
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	sys.Root.Stop(sub)
	time.Sleep(100 * time.Millisecond) // the system's own goroutines settle
}
