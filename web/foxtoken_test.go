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

func TestFoxgloveNeedsTokenAndSubprotocol(t *testing.T) {
	n := newLiveNode(t, Config{Token: "s3cret"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(n.server.URL, "http") + "/foxglove"
	// Without the token (or with a wrong one), a client of the protocol is
	// told why in the close of its upgrade, which a browser's page and
	// Foxglove can read where they cannot read a 401: policy violation,
	// not a refusal to try again later.
	for _, query := range []string{"", "?token=wrong"} {
		ws, _, err := websocket.Dial(ctx, url+query, &websocket.DialOptions{Subprotocols: []string{foxgloveSubprotocol}})
		if err != nil {
			t.Fatalf("without the token: %v, want the upgrade closed saying why", err)
		}
		_, err = untilClosed(t, ws)
		if websocket.CloseStatus(err) != websocket.StatusPolicyViolation || !strings.Contains(err.Error(), "token") {
			t.Errorf("without the token (%q): %v, want closed with 1008 and the reason", query, err)
		}
		ws.CloseNow()
	}
	for _, protocols := range [][]string{nil, {"foxglove.websocket.v2"}} {
		_, res, err := websocket.Dial(ctx, url+"?token=s3cret", &websocket.DialOptions{Subprotocols: protocols})
		if err == nil || res == nil || res.StatusCode != http.StatusBadRequest {
			t.Errorf("subprotocols %q: %v, want 400 before the upgrade", protocols, err)
		}
	}
	c := dialFoxglove(t, n, "?token=s3cret")
	if len(c.greeting()) != 1 {
		t.Error("with the token: no channel")
	}

	// At the root too, where foxglove_bridge serves (ws://robot:8765).
	root := "ws" + strings.TrimPrefix(n.server.URL, "http") + "/"
	if _, res, err := websocket.Dial(ctx, root, nil); err == nil || res == nil || res.StatusCode != http.StatusUnauthorized {
		t.Errorf("at the root without the token or the subprotocol: %v, want 401", err)
	}
	ws, _, err := websocket.Dial(ctx, root+"?token=s3cret", &websocket.DialOptions{Subprotocols: []string{foxgloveSubprotocol}})
	if err != nil {
		t.Fatalf("at the root: %v", err)
	}
	ws.SetReadLimit(16 << 20)
	defer ws.CloseNow()
	if c := (&foxClient{t: t, ws: ws}); len(c.greeting()) != 1 {
		t.Error("at the root: no channel")
	}
	if _, res, err := websocket.Dial(ctx, root+"?token=s3cret", &websocket.DialOptions{Subprotocols: []string{"foxglove.websocket.v2"}}); err == nil ||
		res == nil || res.StatusCode != http.StatusBadRequest {
		t.Errorf("at the root with another subprotocol: %v, want 400 saying which gopline speaks", err)
	}
	page, err := http.Get(n.server.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	if page.StatusCode != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Errorf("the root's page: %s, %s", page.Status, page.Header.Get("Content-Type"))
	}
}
