package remotebench

import (
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/transport/wire"
)

// anchorTestBytes is the anchor's payload in the tests: two parts.
const anchorTestBytes = anchorPartBytes + 1000

// serveAnchor is the test binary as a publishing process that serves only
// the anchor (two nodes in one process would race in protoactor's remote).
func serveAnchor() {
	n, err := gopline.New(gopline.WithListen("127.0.0.1:0"))
	if err == nil {
		err = ServeAnchor(n.System(), anchorTestBytes)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	fmt.Println(n.Addr())
	io.Copy(io.Discard, os.Stdin)
	n.Close()
	os.Exit(0)
}

func TestAnchorCarriesPayloadsBetweenTwoProcesses(t *testing.T) {
	p, addr, err := StartPublisher(child("anchor"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	n, err := gopline.New(gopline.WithListen(gopline.SubscriberAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	run := Run{PacketBytes: anchorTestBytes, Window: 4, Warmup: 50 * time.Millisecond, Duration: 300 * time.Millisecond}
	for range 2 { // a second session starts over
		res, err := MeasureAnchor(t.Context(), n.System(), addr, run)
		if err != nil {
			t.Fatal(err)
		}
		if res.Packets == 0 || res.MBPerS <= 0 || res.PacketBytes != anchorTestBytes || res.Window != 4 {
			t.Fatalf("%+v", res)
		}
		if got := float64(res.Packets) * anchorTestBytes / 1e6 / res.Seconds; got != res.MBPerS {
			t.Errorf("%d payloads in %.3f s: %.3f MB/s, reported %.3f", res.Packets, res.Seconds, got, res.MBPerS)
		}
	}
}

func TestPayloadPartsCarryEveryByteInPiecesOfAPart(t *testing.T) {
	for _, size := range []int{1, anchorPartBytes, anchorPartBytes + 1, 3*anchorPartBytes + 7} {
		b := filler(size, false)
		var joined []byte
		for _, p := range payloadParts(b) {
			if len(p.Data) == 0 || len(p.Data) > anchorPartBytes {
				t.Errorf("size %d: a part of %d bytes", size, len(p.Data))
			}
			joined = append(joined, p.Data...)
		}
		if string(joined) != string(b) {
			t.Errorf("size %d: the parts are not the payload", size)
		}
	}
}

// grantingOnce grants the anchor's sender credits once and counts what
// comes: a part's size, or -1 for the sender's last message.
type grantingOnce struct {
	sender, self *actor.PID
	credit       uint32
	got          chan int
}

func (g *grantingOnce) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		ctx.Request(g.sender, &wire.Ack{Count: g.credit})
	case *wire.DeliveryPart:
		g.got <- len(msg.Data)
	case *wire.Ack:
		g.got <- -1
	}
}

func TestAnchorSenderSendsNoMoreThanItsCredits(t *testing.T) {
	sys := actor.NewActorSystem()
	if err := ServeAnchor(sys, 10); err != nil {
		t.Fatal(err)
	}
	g := &grantingOnce{sender: actor.NewPID(sys.Address(), anchorName), credit: 3, got: make(chan int, 10)}
	g.self = sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return g }))
	next := func() int {
		select {
		case n := <-g.got:
			return n
		case <-time.After(5 * time.Second):
			t.Fatal("nothing came")
			return 0
		}
	}
	for range 3 {
		if n := next(); n != 10 {
			t.Fatalf("got %d, want a payload of 10 bytes", n)
		}
	}
	select {
	case <-g.got:
		t.Fatal("a payload beyond the credits")
	case <-time.After(200 * time.Millisecond):
	}
	// A grant of none ends the session with a last message.
	sys.Root.RequestWithCustomSender(g.sender, &wire.Ack{}, g.self)
	if n := next(); n != -1 {
		t.Fatalf("got %d after the end, want the sender's last message", n)
	}
}
