package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// A token with a "+" (a base64 one) pasted into Foxglove's URL as it is
// is taken, as is the token percent-encoded or in an Authorization
// header; a refusal tells a missing token from a wrong one, and a wrong
// one that holds a space (a "+" read as one) says to percent-encode.
func TestFoxgloveTakesATokenWithAPlusPastedAsItIs(t *testing.T) {
	const token = "Zm9v+YmFy/cXV4=="
	n := newLiveNode(t, Config{Token: token})
	base := "ws" + strings.TrimPrefix(n.server.URL, "http") + "/foxglove"
	dial := func(query string, header http.Header) *websocket.Conn {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, base+query, &websocket.DialOptions{Subprotocols: []string{foxgloveSubprotocol}, HTTPHeader: header})
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		ws.SetReadLimit(16 << 20)
		t.Cleanup(func() { ws.CloseNow() })
		return ws
	}
	for _, c := range []struct {
		what, query string
		header      http.Header
	}{
		{"pasted as it is", "?token=" + token, nil},
		{"percent-encoded", "?token=" + url.QueryEscape(token), nil},
		{"as a bearer token", "", http.Header{"Authorization": {"Bearer " + token}}},
	} {
		if _, err := untilClosed(t, dial(c.query, c.header)); err != errGreeted {
			t.Errorf("the token %s: %v, want the node's greeting", c.what, err)
		}
	}
	for _, c := range []struct{ what, query, reason string }{
		{"no token", "", "needs its token"},
		{"a wrong token", "?token=Zm9vYmFy", "the token given is not this node's"},
		{"a wrong token with a +", "?token=Zm9v+YmFy", "percent-encode the token"},
	} {
		checkTold(t, c.what, dial(c.query, nil), websocket.StatusPolicyViolation, c.reason)
	}
}
