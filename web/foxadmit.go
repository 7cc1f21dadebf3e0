package web

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// maxTelling is how many refused Foxglove clients are told why at once;
// beyond it they get the HTTP status alone.
const maxTelling = 16

// refuseFoxglove refuses a Foxglove client for err. A browser does not let
// a page read the HTTP status of a refused WebSocket, so the refusal is an
// upgrade closed at once with code (1013, try again later, for a node
// that serves all it can; 1008, policy violation, for the token) and err
// as its reason, after a status message that says err too (tellAndClose);
// a few at a time, since a close handshake waits for the client's answer.
// Beyond those the client gets the HTTP status alone.
func (h *Handler) refuseFoxglove(w http.ResponseWriter, r *http.Request, code websocket.StatusCode, err error) {
	select {
	case h.telling <- struct{}{}:
		defer func() { <-h.telling }()
	default:
		if errors.Is(err, errNoToken) || errors.Is(err, errWrongTokenGiven) {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		refuse(w, err)
		return
	}
	tap := &connTap{ResponseWriter: w}
	ws, aerr := websocket.Accept(tap, r, &websocket.AcceptOptions{Subprotocols: foxgloveSubprotocols, InsecureSkipVerify: true})
	if aerr != nil {
		return // Accept wrote the HTTP error
	}
	tellAndClose(ws, tap.conn, code, err, refusalHandshake)
}

// refusalHandshake bounds how long a refused client is waited for: to
// take the status that says why, and to answer the close.
const refusalHandshake = 5 * time.Second

// tellAndClose ends a Foxglove connection for err: an error status (level
// 2) that says "gopline: " and err, then a close with code and err said
// in short, as a close frame carries it (closeReasonOf). Foxglove Studio shows the
// status in its Problems panel, and shows nothing of a close but
// "Connection failed"; the node's page reads the close. A client that
// neither takes the status nor answers the close within d is cut off.
func tellAndClose(ws *websocket.Conn, conn net.Conn, code websocket.StatusCode, err error, d time.Duration) {
	reason := "gopline: " + err.Error()
	start := time.Now()
	if b, jerr := json.Marshal(status{Op: "status", Level: statusError, Message: reason}); jerr == nil {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		werr := ws.Write(ctx, websocket.MessageText, b)
		cancel()
		if werr != nil {
			ws.CloseNow()
			return
		}
	}
	closeWithin(ws, conn, code, closeReasonOf(err), max(d-time.Since(start), closingHandshake/10))
}

// closingHandshake bounds how long a closing node, or one that evicts a
// client, waits for a Foxglove client to answer its close: a client that
// does not is cut off.
const closingHandshake = time.Second

// closeWithin closes ws, whose connection is conn, with code and reason,
// cutting conn off when the peer has not answered the close handshake
// within d (the WebSocket's own close waits for it 5 s).
func closeWithin(ws *websocket.Conn, conn net.Conn, code websocket.StatusCode, reason string, d time.Duration) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = ws.Close(code, reason)
	}()
	select {
	case <-done:
	case <-time.After(d):
		if conn != nil {
			_ = conn.Close()
		}
		<-done
	}
}

// connTap is the ResponseWriter of a WebSocket upgrade that keeps the
// connection the upgrade takes over, to cut it off (closeWithin).
type connTap struct {
	http.ResponseWriter
	conn net.Conn
}

func (t *connTap) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := t.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("web: the connection cannot be taken over for a WebSocket")
	}
	conn, rw, err := hj.Hijack()
	t.conn = conn
	return conn, rw, err
}

// asksFor reports whether r's WebSocket handshake asks for one of
// subprotocols.
func asksFor(r *http.Request, subprotocols ...string) bool {
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if slices.Contains(subprotocols, strings.TrimSpace(p)) {
				return true
			}
		}
	}
	return false
}

// admitFoxglove gives addr a place among the Foxglove connections, a
// guest's when they are at their most and one of them is idle (see
// viewerPool.admit): a guest is seated when it subscribes (seatFoxglove),
// and ended with errNoSubscription when it has not within the pool's
// idleGrace. The context ends when the handler closes, evicts or ends the
// connection, and release gives its place back.
func (h *Handler) admitFoxglove(addr netip.Addr) (context.Context, *viewerSlot, func(), error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, nil, nil, errClosing
	}
	slot, err := h.foxPool.admit(addr, time.Now(), false)
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	h.foxglove[slot] = cancel
	h.foxWG.Add(1)
	unseated := func() bool { return false }
	if slot.guest {
		wait := h.foxPool.limits.idleGrace
		t := time.AfterFunc(wait, func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			if slot.guest {
				cancel(fmt.Errorf("%w within %v", errNoSubscription, wait))
			}
		})
		unseated = t.Stop
	}
	return ctx, slot, func() {
		unseated()
		cancel(nil)
		h.mu.Lock()
		if _, ok := h.foxglove[slot]; ok {
			delete(h.foxglove, slot)
			h.foxPool.release(slot)
		}
		h.mu.Unlock()
		h.foxWG.Done()
	}, nil
}

// errNoSubscription ends a Foxglove connection that a full node admitted
// as a guest, and that subscribed to nothing within the grace.
var errNoSubscription = errors.New("the node serves all the Foxglove clients it can: a new client keeps its place only once it subscribes, " +
	"taking that of one that subscribed to nothing, and this one subscribed to nothing")

// errNotSeated ends a Foxglove connection admitted as a guest that
// subscribed when no other client had been idle long enough to give it its
// place.
var errNotSeated = errors.New("the node serves all the Foxglove clients it can, and none has subscribed to nothing for long enough to give this one its place")

// seatFoxglove gives slot, a guest's place, a place of its own as its
// client subscribes, evicting the connection idle the longest (errEvicted)
// if need be; it returns why not, when none is idle long enough, and ends
// the connection then (errNotSeated): a client refused is told so, and
// tries again later.
func (h *Handler) seatFoxglove(slot *viewerSlot) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !slot.guest {
		return nil
	}
	evicted, err := h.foxPool.seat(slot, time.Now())
	if err != nil {
		err = fmt.Errorf("%w (%w)", errNotSeated, err)
		if end, ok := h.foxglove[slot]; ok {
			end(err)
		}
		return err
	}
	if evicted != nil {
		if end, ok := h.foxglove[evicted]; ok {
			end(errEvicted)
			delete(h.foxglove, evicted)
		}
		go h.warnClient(&h.foxEvicted, evicted.addr, "Foxglove client evicted for a new one", errEvicted)
	}
	return nil
}

// holding notes whether a connection holds a subscription: one that holds
// none for a while is the first to give its place to a new client.
func (h *Handler) holding(slot *viewerSlot, any bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case any:
		slot.idleSince = time.Time{}
	case slot.idleSince.IsZero():
		slot.idleSince = time.Now()
	}
}
