package web

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// linkProxy passes TCP connections to target through a link that holds
// every chunk delay in each direction and, when rate is not 0, passes at
// most rate bytes a second from target to the client; it returns its
// address.
func linkProxy(t *testing.T, target string, delay time.Duration, rate int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			go linkPipe(c, u, delay, 0)
			go linkPipe(u, c, delay, rate)
		}
	}()
	return ln.Addr().String()
}

// linkPipe copies from to to, each chunk delay late, at rate bytes a
// second at most when rate is not 0, until either side fails; then it
// closes both.
func linkPipe(from, to net.Conn, delay time.Duration, rate int) {
	defer from.Close()
	defer to.Close()
	type chunk struct {
		b  []byte
		at time.Time
	}
	chunks := make(chan chunk, 1<<14)
	go func() {
		defer close(chunks)
		for {
			b := make([]byte, 4<<10)
			n, err := from.Read(b)
			if n > 0 {
				chunks <- chunk{b[:n], time.Now().Add(delay)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range chunks {
		time.Sleep(time.Until(c.at))
		if _, err := to.Write(c.b); err != nil {
			return
		}
		if rate > 0 {
			time.Sleep(time.Duration(len(c.b)) * time.Second / time.Duration(rate))
		}
	}
}

// dialThrough dials n's Foxglove endpoint through the proxy at addr.
func dialThrough(t *testing.T, addr string) *foxClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws://"+addr+"/foxglove", &websocket.DialOptions{Subprotocols: []string{foxgloveSubprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(16 << 20)
	t.Cleanup(func() { ws.CloseNow() })
	return &foxClient{t: t, ws: ws}
}

// A client on a link with a long round trip (3 s) and bandwidth to spare
// gets the whole stream, as it comes, where the node used to stop writing
// after a second of every round trip and drop the rest of the GOPs.
func TestFoxgloveClientOnALongRoundTripGetsTheWholeStream(t *testing.T) {
	n := newLiveNode(t, Config{}) // 30 pictures a second
	const oneWay = 1500 * time.Millisecond
	c := dialThrough(t, linkProxy(t, strings.TrimPrefix(n.server.URL, "http://"), oneWay, 0))
	c.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + jsonNumber(c.greeting()[0].ID) + `}]}`)
	c.untilOp(20*time.Second, "binary", func([]byte) bool { return true })
	for start := time.Now(); time.Since(start) < 2*oneWay; { // past the replayed GOP's burst, reading as a client does
		c.next()
	}
	const span = 6 * time.Second
	got := 0
	for start := time.Now(); time.Since(start) < span; {
		if op, data := c.next(); op == "binary" {
			got++
		} else {
			t.Logf("%s", data)
		}
	}
	if want := int(span.Seconds()) * n.rate * 8 / 10; got < want {
		t.Errorf("%d pictures in %v on a link with a %v round trip, want %d at least (the stream's %d a second)", got, span, 2*oneWay, want, n.rate)
	}
}

// A client on a link slower than the stream (a third of its bytes) is sent
// keyframes alone, and told so, and its pictures arrive at most a few
// seconds old, where they used to arrive later and later (8 to 11 s
// behind, with a status promising the newest keyframe).
func TestFoxgloveClientOnALinkSlowerThanTheStreamStaysNearLive(t *testing.T) {
	n := newLiveNode(t, Config{})
	direct := dialFoxglove(t, n, "") // what the stream takes, read as fast as it comes
	direct.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + jsonNumber(direct.greeting()[0].ID) + `}]}`)
	direct.untilOp(10*time.Second, "binary", func([]byte) bool { return true })
	streamed := 0
	for start := time.Now(); time.Since(start) < 3*time.Second; {
		if op, data := direct.next(); op == "binary" {
			streamed += len(data)
		}
	}
	direct.ws.CloseNow()
	st := float64(streamed) / 3
	rate := int(st / 3)
	t.Logf("the stream: %.0f kB/s; the link: %d kB/s", st/1000, rate/1000)
	c := dialThrough(t, linkProxy(t, strings.TrimPrefix(n.server.URL, "http://"), 0, rate))
	chans := c.greeting()
	c.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + jsonNumber(chans[0].ID) + `}]}`)
	const span = 30 * time.Second
	var worst time.Duration
	told, got, bytes := false, 0, 0
	for start := time.Now(); time.Since(start) < span; {
		op, data := c.next()
		if op != "binary" {
			told = told || strings.Contains(string(data), `"gopline.slow.1"`)
			t.Logf("%v: %s", time.Since(start).Round(time.Second), data)
			continue
		}
		got, bytes = got+1, bytes+len(data)
		_, m := decodeMessage(t, chans[0], data)
		age := time.Since(time.Unix(m.Timestamp.Sec, m.Timestamp.Nsec))
		if time.Since(start) > 2*span/3 {
			worst = max(worst, age)
		}
	}
	t.Logf("%d pictures, %d kB/s; the oldest of the last %v arrived %v after its capture", got, bytes/1000/int(span.Seconds()),
		span/3, worst.Round(100*time.Millisecond))
	if worst > 4*time.Second {
		t.Errorf("pictures arrived up to %v after their capture on a link slower than the stream, want 4 s at most", worst.Round(100*time.Millisecond))
	}
	if !told {
		t.Error("the client was not told that it is sent keyframes alone")
	}
}
