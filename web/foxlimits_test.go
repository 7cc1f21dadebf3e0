package web

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// A subscription without "id" or "channelId" is refused with a status
// that names the missing field, where it used to be taken as id 0 or
// channel 0; the connection stays.
func TestFoxgloveRefusesASubscriptionWithoutItsIDOrChannel(t *testing.T) {
	n := newLiveNode(t, Config{})
	c := dialFoxglove(t, n, "")
	channel := jsonNumber(c.greeting()[0].ID)
	for _, sub := range []struct{ json, missing string }{
		{`{"channelId":` + channel + `}`, `"id"`},
		{`{"subscriptionId":9,"channelId":` + channel + `}`, `"id"`},
		{`{"id":9}`, `"channelId"`},
		{`{}`, `"id"`},
	} {
		c.send(`{"op":"subscribe","subscriptions":[` + sub.json + `]}`)
		var data []byte
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); { // pictures of a subscription made by mistake are skipped
			if op, d := c.next(); op != "binary" {
				data = d
				break
			}
		}
		var st status
		if err := json.Unmarshal(data, &st); err != nil || st.Op != "status" || st.Level != statusError || !strings.Contains(st.Message, "has no "+sub.missing) {
			t.Errorf("subscription %s: %s, want an error status naming %s", sub.json, data, sub.missing)
			return // what follows would be the answers to this one
		}
	}
	c.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + channel + `}]}`)
	if op, data := c.next(); op != "binary" {
		t.Errorf("after the refusals a subscription gets %s, want message data", data)
	}
}

// A client message over 64 KiB ends the connection, after an error status
// that says what gopline accepts; the close says it too (1009, message
// too big), where the WebSocket's own limit closed with "read limited at
// 65537 bytes" alone.
func TestFoxgloveSaysAClientMessageIsAtMost64KiB(t *testing.T) {
	n := newLiveNode(t, Config{})
	for _, typ := range []websocket.MessageType{websocket.MessageText, websocket.MessageBinary} {
		c := dialFoxglove(t, n, "")
		c.greeting()
		big := `{"op":"subscribe","subscriptions":[` + strings.Repeat(`{"id":1,"channelId":1},`, 4000) + `{"id":2,"channelId":1}]}`
		_ = c.ws.Write(t.Context(), typ, []byte(big)) // the node may close before it is all sent
		checkTold(t, "a message of "+typ.String(), c.ws, websocket.StatusMessageTooBig, "at most 64 KiB")
	}
}
