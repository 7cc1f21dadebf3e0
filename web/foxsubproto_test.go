package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// A client that offers foxglove.sdk.v1, the name foxglove_bridge 3 and
// the Foxglove SDK give the protocol, is served under that name, on
// /foxglove and at the root; one that offers both names is answered with
// foxglove.websocket.v1; any other is refused before the upgrade.
func TestFoxgloveSpeaksTheSDKsNameOfTheProtocolToo(t *testing.T) {
	n := newLiveNode(t, Config{})
	base := "ws" + strings.TrimPrefix(n.server.URL, "http")
	for _, c := range []struct {
		path    string
		offered []string
		want    string
	}{
		{"/foxglove", []string{foxgloveSDKSubprotocol}, foxgloveSDKSubprotocol},
		{"/", []string{foxgloveSDKSubprotocol}, foxgloveSDKSubprotocol},
		{"/foxglove", []string{foxgloveSDKSubprotocol, foxgloveSubprotocol}, foxgloveSubprotocol},
		{"/foxglove", []string{foxgloveSubprotocol, foxgloveSDKSubprotocol}, foxgloveSubprotocol},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		ws, _, err := websocket.Dial(ctx, base+c.path, &websocket.DialOptions{Subprotocols: c.offered})
		cancel()
		if err != nil {
			t.Errorf("%s offering %q: %v", c.path, c.offered, err)
			continue
		}
		ws.SetReadLimit(16 << 20)
		if got := ws.Subprotocol(); got != c.want {
			t.Errorf("%s offering %q: answered %q, want %q", c.path, c.offered, got, c.want)
		}
		if _, err := untilClosed(t, ws); err != errGreeted {
			t.Errorf("%s offering %q: %v, want the node's greeting", c.path, c.offered, err)
		}
		ws.CloseNow()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, res, err := websocket.Dial(ctx, base+"/foxglove", &websocket.DialOptions{Subprotocols: []string{"foxglove.sdk.v2"}}); err == nil ||
		res == nil || res.StatusCode != http.StatusBadRequest {
		t.Errorf("another subprotocol: %v, want 400", err)
	}
}
