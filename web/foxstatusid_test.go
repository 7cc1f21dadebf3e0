package web

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// untilOp reads a client's messages until a text message of op for which
// ok holds, for at most limit, and returns it.
func (c *foxClient) untilOp(limit time.Duration, op string, ok func([]byte) bool) []byte {
	c.t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if got, data := c.next(); got == op && ok(data) {
			return data
		}
	}
	c.t.Fatalf("no %s as wanted within %v", op, limit)
	return nil
}

// A subscription that fell behind is told so in a status with an id of
// the condition and the subscription, so that Foxglove replaces the older
// one, and by a removeStatus of that id once it has been live again for a
// while, or once it is unsubscribed.
func TestFoxgloveStatusOfASubscriptionBehindHasAnIDAndIsRemoved(t *testing.T) {
	n := newLiveNode(t, Config{})
	c := dialFoxglove(t, n, "")
	channel := jsonNumber(c.greeting()[0].ID)
	behind := func(id string) func([]byte) bool {
		return func(data []byte) bool {
			var st struct{ ID string }
			return json.Unmarshal(data, &st) == nil && st.ID == id
		}
	}
	removed := func(id string) func([]byte) bool {
		return func(data []byte) bool {
			var rs struct{ StatusIDs []string }
			return json.Unmarshal(data, &rs) == nil && slices.Contains(rs.StatusIDs, id)
		}
	}
	const stop = 5 * time.Second // over maxUnread and maxViewerLag

	c.send(`{"op":"subscribe","subscriptions":[{"id":1,"channelId":` + channel + `}]}`)
	c.untilOp(10*time.Second, "binary", func([]byte) bool { return true })
	time.Sleep(stop) // the client reads nothing, nor answers the pings
	raised := c.untilOp(10*time.Second, "status", behind("gopline.behind.1"))
	t.Logf("%s", raised)
	at := time.Now()
	c.untilOp(10*time.Second, "removeStatus", removed("gopline.behind.1"))
	if live := time.Since(at); live < liveAgainAfter/2 {
		t.Errorf("the status was removed %v after it came, want once the subscription was live for %v", live, liveAgainAfter)
	}

	c.send(`{"op":"unsubscribe","subscriptionIds":[1]}`)
	c.send(`{"op":"subscribe","subscriptions":[{"id":2,"channelId":` + channel + `}]}`)
	c.untilOp(10*time.Second, "binary", func([]byte) bool { return true })
	time.Sleep(stop)
	c.untilOp(10*time.Second, "status", behind("gopline.behind.2"))
	c.send(`{"op":"unsubscribe","subscriptionIds":[2]}`)
	c.untilOp(liveAgainAfter/2, "removeStatus", removed("gopline.behind.2"))
}
