package web

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// errGreeted ends untilClosed at the node's greeting: the client was
// admitted.
var errGreeted = errors.New("greeted")

// untilClosed reads a Foxglove connection until it ends, or until the
// node's greeting (errGreeted), for at most 10 s, and returns the status
// messages it got and the error that ended it.
func untilClosed(t *testing.T, ws *websocket.Conn) ([]status, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []status
	for {
		typ, data, err := ws.Read(ctx)
		if err != nil {
			return got, err
		}
		var st status
		if typ == websocket.MessageText && json.Unmarshal(data, &st) == nil {
			switch st.Op {
			case "status":
				got = append(got, st)
			case "serverInfo":
				return got, errGreeted
			}
		}
	}
}

// checkTold checks that a connection was told reason in an error status
// before its close with code, whose reason says it too: Foxglove Studio
// shows a server's status messages, and nothing of a close's reason.
func checkTold(t *testing.T, what string, ws *websocket.Conn, code websocket.StatusCode, reason string) {
	t.Helper()
	statuses, err := untilClosed(t, ws)
	if websocket.CloseStatus(err) != code || !strings.Contains(closeReason(err), reason) {
		t.Errorf("%s: closed with %v, want %d saying %q", what, err, code, reason)
	}
	if !toldIn(statuses, reason) {
		t.Errorf("%s: statuses %+v before the close, want an error (level 2) saying %q", what, statuses, reason)
	}
}

// toldIn reports whether statuses hold an error (level 2) from gopline
// saying reason.
func toldIn(statuses []status, reason string) bool {
	for _, st := range statuses {
		if st.Level == statusError && strings.HasPrefix(st.Message, "gopline: ") && strings.Contains(st.Message, reason) {
			return true
		}
	}
	return false
}

func dialRaw(t *testing.T, n *liveNode, query string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(n.server.URL, "http") + "/foxglove" + query
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{foxgloveSubprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(16 << 20)
	t.Cleanup(func() { ws.CloseNow() })
	return ws
}

// A client refused for the token is told why in a status message before
// the close.
func TestFoxgloveClientRefusedForTheTokenGetsAStatusSayingWhy(t *testing.T) {
	n := newLiveNode(t, Config{Token: "s3cret"})
	for _, query := range []string{"", "?token=wrong"} {
		checkTold(t, "token "+query, dialRaw(t, n, query), websocket.StatusPolicyViolation, "token")
	}
}

// A client refused because the node serves all it can, one evicted for a
// new client, and one of a node that stops are each told why in a status
// message before the close.
func TestFoxgloveClientRefusedEvictedOrStoppedGetsAStatusSayingWhy(t *testing.T) {
	n := newLiveNode(t, Config{MaxViewers: 2})
	held := []*websocket.Conn{dialRaw(t, n, ""), dialRaw(t, n, "")}
	for _, ws := range held {
		(&foxClient{t: t, ws: ws}).greeting()
	}
	checkTold(t, "a client beyond the node's places", dialRaw(t, n, ""), websocket.StatusTryAgainLater, "serves all the viewers it can")

	type ending struct {
		statuses []status
		err      error
	}
	endings := make(chan ending, len(held))
	for _, ws := range held {
		go func() {
			statuses, err := untilClosed(t, ws)
			endings <- ending{statuses, err}
		}()
	}
	n.handler.mu.Lock()
	for slot, end := range n.handler.foxglove { // evicted as admitFoxglove evicts
		end(errEvicted)
		delete(n.handler.foxglove, slot)
		n.handler.foxPool.release(slot)
		break
	}
	n.handler.mu.Unlock()
	first := <-endings
	go func() { _ = n.handler.Close() }()
	second := <-endings
	for _, c := range []struct {
		what   string
		e      ending
		code   websocket.StatusCode
		reason string
	}{{"an evicted client", first, websocket.StatusTryAgainLater, "subscribed to nothing"},
		{"a client of a node that stops", second, websocket.StatusGoingAway, "shutting down"}} {
		if websocket.CloseStatus(c.e.err) != c.code || !strings.Contains(closeReason(c.e.err), c.reason) {
			t.Errorf("%s: closed with %v, want %d saying %q", c.what, c.e.err, c.code, c.reason)
		}
		if !toldIn(c.e.statuses, c.reason) {
			t.Errorf("%s: statuses %+v before the close, want an error (level 2) saying %q", c.what, c.e.statuses, c.reason)
		}
	}
}

// A node that stops tells its Foxglove clients so in the close handshake
// (1001, going away, with the reason), as a server that shuts down does,
// not by cutting them off (1006); a client that never answers the close
// does not hold the stop up for more than closingHandshake.
func TestFoxgloveClientsAreToldTheNodeStops(t *testing.T) {
	n := newLiveNode(t, Config{})
	answering := dialFoxglove(t, n, "")
	answering.greeting()
	dialFoxglove(t, n, "") // never reads: never answers the close
	waitFor(t, 10*time.Second, "two Foxglove clients", func() bool {
		n.handler.mu.Lock()
		defer n.handler.mu.Unlock()
		return len(n.handler.foxglove) == 2
	})
	closed := make(chan time.Duration, 1)
	go func() {
		start := time.Now()
		_ = n.handler.Close()
		closed <- time.Since(start)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var err error
	for err == nil {
		_, _, err = answering.ws.Read(ctx)
	}
	if code, reason := websocket.CloseStatus(err), closeReason(err); code != websocket.StatusGoingAway || !strings.Contains(reason, "shutting down") {
		t.Errorf("the client read %v (close status %d, reason %q); want 1001 saying the node is shutting down", err, code, reason)
	}
	select {
	case took := <-closed:
		if took > 5*closingHandshake {
			t.Errorf("the handler took %v to close", took)
		}
	case <-time.After(10 * closingHandshake):
		t.Fatal("the handler did not close: a client that never answers holds it up")
	}
}

// A guest that subscribed to nothing is closed with a reason that fits a
// close frame, valid UTF-8 and said in short, not cut inside a word; the
// status before the close says it whole.
func TestFoxgloveGuestsCloseReasonFitsAndIsWholeInItsStatus(t *testing.T) {
	const grace = 200 * time.Millisecond
	n := newLiveNode(t, Config{MaxViewers: 1})
	n.handler.mu.Lock()
	n.handler.foxPool.limits.idleGrace = grace
	n.handler.mu.Unlock()
	(&foxClient{t: t, ws: dialRaw(t, n, "")}).greeting()
	time.Sleep(2 * grace) // the held client is idle long enough to make way for a guest
	guest := dialRaw(t, n, "")
	statuses, err := untilClosed(t, guest)
	if errors.Is(err, errGreeted) { // a guest is greeted, then ended after the grace
		statuses, err = untilClosed(t, guest)
	}
	reason := closeReason(err)
	if len(reason) > maxCloseReason || !utf8.ValidString(reason) || reason != closeReasonOf(errNoSubscription) {
		t.Errorf("closed with %v: reason %q (%d bytes), want %q", err, reason, len(reason), closeReasonOf(errNoSubscription))
	}
	if !toldIn(statuses, errNoSubscription.Error()+" within") {
		t.Errorf("statuses %+v before the close, want the whole reason", statuses)
	}
}
