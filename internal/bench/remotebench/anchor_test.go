package remotebench

import (
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// serveAnchor is the test binary as a child process that serves the
// anchor, with payloads of 1000 bytes, and prints its address.
func serveAnchor() {
	a, err := StartAnchor("127.0.0.1", 1000, zerolog.New(os.Stderr))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	fmt.Println("127.0.0.1:1", a.Addr())
	io.Copy(io.Discard, os.Stdin)
	a.Close()
	os.Exit(0)
}

func TestAnchorCarriesPayloadsBetweenTwoProcesses(t *testing.T) {
	p, addrs, err := StartPublisher(child("anchor"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	run := Run{PacketBytes: 1000, Window: 4, Warmup: 50 * time.Millisecond, Duration: 300 * time.Millisecond}
	res, err := MeasureAnchor(t.Context(), addrs.Anchor, run, zerolog.New(os.Stderr))
	if err != nil {
		t.Fatal(err)
	}
	if res.Packets == 0 || res.MBPerS <= 0 || res.PacketBytes != 1000 || res.Window != 4 {
		t.Fatalf("%+v", res)
	}
	if got := float64(res.Packets) * 1000 / 1e6 / res.Seconds; got != res.MBPerS {
		t.Errorf("%d packets of 1000 bytes in %.3f s: %.3f MB/s, reported %.3f", res.Packets, res.Seconds, got, res.MBPerS)
	}
}

// grantingOnce grants the anchor's sender credits once and counts what
// comes.
type grantingOnce struct {
	sender *actor.PID
	credit uint32
	got    chan int
}

func (g *grantingOnce) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		ctx.Request(g.sender, &wrapperspb.UInt32Value{Value: g.credit})
	case *wrapperspb.BytesValue:
		g.got <- len(msg.Value)
	}
}

func TestAnchorSenderSendsNoMoreThanItsCredits(t *testing.T) {
	sys := actor.NewActorSystem()
	sender := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &anchorSender{payload: make([]byte, 10)} }))
	g := &grantingOnce{sender: sender, credit: 3, got: make(chan int, 10)}
	sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return g }))
	for range 3 {
		select {
		case n := <-g.got:
			if n != 10 {
				t.Fatalf("a payload of %d bytes, want 10", n)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("fewer payloads than credits")
		}
	}
	select {
	case <-g.got:
		t.Fatal("a payload beyond the credits")
	case <-time.After(200 * time.Millisecond):
	}
}

func TestAddrsNeedTwoAddresses(t *testing.T) {
	a, err := parseAddrs("127.0.0.1:1 127.0.0.1:2\n")
	if err != nil || a != (Addrs{Node: "127.0.0.1:1", Anchor: "127.0.0.1:2"}) || a.String() != "127.0.0.1:1 127.0.0.1:2" {
		t.Errorf("%+v, %v", a, err)
	}
	if _, err := parseAddrs("127.0.0.1:1"); err == nil {
		t.Error("one address was accepted")
	}
}
