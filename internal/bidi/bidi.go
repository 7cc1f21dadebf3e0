// Package bidi is a small WebDriver BiDi client: enough of the protocol
// (https://w3c.github.io/webdriver-bidi/) to start a session, open and
// navigate a browsing context, evaluate script in it and end the session.
// The browser viewer's tests drive Firefox with it, which speaks BiDi
// itself: no driver process in between.
//
// A Conn sends commands over one WebSocket and matches each reply to its
// command by id; events, which this client never subscribes to, are
// dropped. Every call takes a context that bounds the wait for its reply.
package bidi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/coder/websocket"
)

// MaxMessage bounds one message from the browser: the biggest a test reads
// is a screenshot or a canvas's picture as a data URL.
const MaxMessage = 64 << 20

// ErrClosed is returned by calls on a Conn whose WebSocket has closed.
var ErrClosed = errors.New("bidi: connection closed")

// Error is the browser's refusal of a command: its error code (such as
// "no such frame" or "invalid argument") and message.
type Error struct {
	Method  string
	Code    string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("bidi: %s: %s: %s", e.Method, e.Code, e.Message)
}

// Conn is a BiDi connection to one browser. Its methods may be called from
// several goroutines.
type Conn struct {
	ws *websocket.Conn

	mu      sync.Mutex
	nextID  uint64
	pending map[uint64]chan reply
	err     error // why the reader stopped; nil while it runs

	done chan struct{} // closed when the reader stops
}

// reply is the part of a command's reply the client reads.
type reply struct {
	Type    string          `json:"type"`
	ID      *uint64         `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   string          `json:"error"`
	Message string          `json:"message"`
}

// Dial connects to the BiDi WebSocket at url (Firefox's is
// ws://127.0.0.1:PORT/session).
func Dial(ctx context.Context, url string) (*Conn, error) {
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("bidi: dialing %s: %w", url, err)
	}
	ws.SetReadLimit(MaxMessage)
	c := &Conn{ws: ws, pending: make(map[uint64]chan reply), done: make(chan struct{})}
	go c.read()
	return c, nil
}

// read hands each reply to the call waiting for it until the WebSocket
// closes, then fails every call still waiting.
func (c *Conn) read() {
	defer close(c.done)
	var err error
	for {
		var msg []byte
		_, msg, err = c.ws.Read(context.Background())
		if err != nil {
			break
		}
		var r reply
		if err = json.Unmarshal(msg, &r); err != nil {
			err = fmt.Errorf("bidi: malformed message from the browser: %w", err)
			break
		}
		if r.ID == nil { // an event, or an error about no command
			continue
		}
		c.mu.Lock()
		ch := c.pending[*r.ID]
		delete(c.pending, *r.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- r
		}
	}
	c.mu.Lock()
	c.err = fmt.Errorf("%w: %v", ErrClosed, err)
	c.pending = nil
	c.mu.Unlock()
	c.ws.CloseNow()
}

// Call sends the command method with params and decodes its result into
// result (nil to ignore it). A refusal is an *Error.
func (c *Conn) Call(ctx context.Context, method string, params, result any) error {
	if params == nil {
		params = struct{}{}
	}
	ch := make(chan reply, 1)
	c.mu.Lock()
	if c.pending == nil {
		err := c.err
		c.mu.Unlock()
		return err
	}
	c.nextID++
	id := c.nextID
	c.pending[id] = ch
	c.mu.Unlock()
	forget := func() {
		c.mu.Lock()
		if c.pending != nil {
			delete(c.pending, id)
		}
		c.mu.Unlock()
	}

	msg, err := json.Marshal(struct {
		ID     uint64 `json:"id"`
		Method string `json:"method"`
		Params any    `json:"params"`
	}{id, method, params})
	if err != nil {
		forget()
		return fmt.Errorf("bidi: %s: %w", method, err)
	}
	if err := c.ws.Write(ctx, websocket.MessageText, msg); err != nil {
		forget()
		return fmt.Errorf("bidi: %s: %w", method, err)
	}
	select {
	case r := <-ch:
		if r.Type == "error" {
			return &Error{Method: method, Code: r.Error, Message: r.Message}
		}
		if result == nil {
			return nil
		}
		if err := json.Unmarshal(r.Result, result); err != nil {
			return fmt.Errorf("bidi: %s: reading its result: %w", method, err)
		}
		return nil
	case <-c.done:
		c.mu.Lock()
		err := c.err
		c.mu.Unlock()
		return fmt.Errorf("bidi: %s: %w", method, err)
	case <-ctx.Done():
		forget()
		return fmt.Errorf("bidi: %s: %w", method, ctx.Err())
	}
}

// Close closes the WebSocket (it does not end the session or close the
// browser) and waits for the reader to stop.
func (c *Conn) Close() error {
	select {
	case <-c.done: // the browser closed it
		return nil
	default:
	}
	err := c.ws.Close(websocket.StatusNormalClosure, "")
	<-c.done
	return err
}
