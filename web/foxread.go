package web

import (
	"context"
	"io"

	"github.com/coder/websocket"
)

// readMessage reads the client's next message whole, or returns
// errClientMessageTooBig, without reading the rest, for one longer than
// maxClientMessage: the connection then ends, after a status that says
// why, where the WebSocket's own read limit would end it with a close
// frame alone ("read limited at 65537 bytes"), which Foxglove does not
// show.
func (c *foxgloveConn) readMessage(ctx context.Context) (websocket.MessageType, []byte, error) {
	typ, r, err := c.ws.Reader(ctx)
	if err != nil {
		return 0, nil, err
	}
	b, err := io.ReadAll(io.LimitReader(r, maxClientMessage+1))
	if err != nil {
		return 0, nil, err
	}
	if len(b) > maxClientMessage {
		return typ, nil, errClientMessageTooBig
	}
	return typ, b, nil
}
