package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
)

// A Foxglove client that unsubscribes while the node waits for it to read
// (it read nothing for a while, as one that sends subscribe and
// unsubscribe in a burst does not) is answered at once: the unsubscribe
// does not wait for the subscription's writer, which waits for the
// client's answer to a ping that only the connection's reader can read.
// No message of the subscription comes after the answer, and the client is
// not taken for one that stopped reading.
func TestFoxgloveUnsubscribeDoesNotWaitForTheClient(t *testing.T) {
	var logged testlog.Buffer
	n := newLiveNode(t, Config{Log: zerolog.New(&logged)})
	c := dialFoxglove(t, n, "")
	chans := c.greeting()
	c.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + jsonNumber(chans[0].ID) + `}]}`)
	for got := 0; got < 10; {
		if op, _ := c.next(); op == "binary" {
			got++
		}
	}
	time.Sleep(2 * time.Second) // reading nothing, nor answering pings: the writer waits
	c.send(`{"op":"unsubscribe","subscriptionIds":[1]}`)
	c.send(`{"op":"unsubscribe","subscriptionIds":[99]}`)
	asked := time.Now()
	for {
		op, data := c.next()
		if op == "status" && strings.Contains(string(data), "no subscription 99") {
			break
		}
		if op == "status" {
			t.Logf("%s", data)
		}
	}
	if waited := time.Since(asked); waited > 3*time.Second {
		t.Errorf("the unsubscribe was answered after %v, want at once", waited)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if typ, _, err := c.ws.Read(ctx); err == nil {
		t.Errorf("a message of type %v after the unsubscribe was answered", typ)
	}
	if strings.Contains(logged.String(), "cut off") {
		t.Errorf("the client was taken for one that stopped reading:\n%s", logged.String())
	}
}
