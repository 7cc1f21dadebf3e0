package bidi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// command is a command as the fake browser reads it.
type command struct {
	ID     uint64         `json:"id"`
	Method string         `json:"method"`
	Params map[string]any `json:"params"`
}

// fakeBrowser answers each command with answer's reply (its id set here);
// a nil reply sends nothing, and close ends the connection.
type fakeBrowser struct {
	t      *testing.T
	answer func(c command) map[string]any

	mu   sync.Mutex
	seen []command
}

func (f *fakeBrowser) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		f.t.Error(err)
		return
	}
	defer ws.CloseNow()
	ctx := r.Context()
	for {
		_, msg, err := ws.Read(ctx)
		if err != nil {
			return
		}
		var c command
		if err := json.Unmarshal(msg, &c); err != nil {
			f.t.Errorf("the client sent %q: %v", msg, err)
			return
		}
		f.mu.Lock()
		f.seen = append(f.seen, c)
		f.mu.Unlock()
		if c.Method == "test.close" {
			return
		}
		reply := f.answer(c)
		if reply == nil {
			continue
		}
		reply["id"] = c.ID
		out, _ := json.Marshal(reply)
		// An event first: the client must skip it.
		_ = ws.Write(ctx, websocket.MessageText, []byte(`{"type":"event","method":"log.entryAdded","params":{}}`))
		if err := ws.Write(ctx, websocket.MessageText, out); err != nil {
			return
		}
	}
}

func dialFake(t *testing.T, answer func(c command) map[string]any) (*Conn, *fakeBrowser) {
	t.Helper()
	f := &fakeBrowser{t: t, answer: answer}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/session")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, f
}

func success(result any) map[string]any { return map[string]any{"type": "success", "result": result} }

func TestCommandsSendTheirParamsAndReadTheirResults(t *testing.T) {
	c, f := dialFake(t, func(c command) map[string]any {
		switch c.Method {
		case "browsingContext.create":
			return success(map[string]any{"context": "tab-1"})
		default:
			return success(map[string]any{})
		}
	})
	ctx := context.Background()
	if err := c.NewSession(ctx); err != nil {
		t.Fatal(err)
	}
	tab, err := c.NewTab(ctx)
	if err != nil || tab != "tab-1" {
		t.Fatalf("NewTab = %q, %v; want tab-1", tab, err)
	}
	if err := c.Navigate(ctx, tab, "http://127.0.0.1/view"); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.seen) != 3 {
		t.Fatalf("the browser saw %d commands, want 3", len(f.seen))
	}
	for i, c := range f.seen {
		if c.ID != uint64(i+1) {
			t.Errorf("command %d has id %d, want ids counting from 1", i, c.ID)
		}
	}
	nav := f.seen[2]
	if nav.Method != "browsingContext.navigate" || nav.Params["context"] != "tab-1" ||
		nav.Params["url"] != "http://127.0.0.1/view" || nav.Params["wait"] != "complete" {
		t.Errorf("Navigate sent %+v", nav)
	}
}

func TestEvaluateDecodesTheJSONTheScriptMade(t *testing.T) {
	c, f := dialFake(t, func(c command) map[string]any {
		switch expr := c.Params["expression"].(string); {
		case strings.Contains(expr, "throw"):
			return success(map[string]any{"type": "exception", "exceptionDetails": map[string]any{"text": "Error: no"}})
		case strings.Contains(expr, "nothing"):
			return success(map[string]any{"type": "success", "result": map[string]any{"type": "undefined"}})
		case strings.Contains(expr, "number"):
			return success(map[string]any{"type": "success", "result": map[string]any{"type": "number", "value": 1}})
		default:
			return success(map[string]any{"type": "success", "result": map[string]any{"type": "string", "value": `{"frames":3}`}})
		}
	})
	ctx := context.Background()
	var v struct{ Frames int }
	if err := c.Evaluate(ctx, "tab-1", "stats()", &v); err != nil || v.Frames != 3 {
		t.Errorf("Evaluate = %+v, %v; want frames 3", v, err)
	}
	f.mu.Lock()
	sent := f.seen[0].Params
	f.mu.Unlock()
	if sent["awaitPromise"] != true || !strings.Contains(sent["expression"].(string), "JSON.stringify(await (stats()") {
		t.Errorf("Evaluate sent %+v, want the expression's value awaited and made JSON", sent)
	}
	if target, _ := sent["target"].(map[string]any); target["context"] != "tab-1" {
		t.Errorf("Evaluate sent target %v, want tab-1", sent["target"])
	}

	var se *ScriptError
	if err := c.Evaluate(ctx, "tab-1", "throw 1", nil); !errors.As(err, &se) || se.Text != "Error: no" {
		t.Errorf("a script that throws gave %v, want a ScriptError saying what it threw", err)
	}
	p := &v
	if err := c.Evaluate(ctx, "tab-1", "nothing", &p); err != nil || p != nil {
		t.Errorf("undefined gave %v, %v; want null", p, err)
	}
	if err := c.Evaluate(ctx, "tab-1", "number", &v); err == nil {
		t.Error("a value that is not JSON text gave no error")
	}
}

func TestRefusalIsAnError(t *testing.T) {
	c, _ := dialFake(t, func(c command) map[string]any {
		return map[string]any{"type": "error", "error": "no such frame", "message": "tab-9 is gone"}
	})
	err := c.Navigate(context.Background(), "tab-9", "about:blank")
	var e *Error
	if !errors.As(err, &e) || e.Code != "no such frame" || e.Method != "browsingContext.navigate" {
		t.Fatalf("got %v, want the browser's refusal as an *Error", err)
	}
}

func TestCallsEndWhenTheBrowserGoes(t *testing.T) {
	c, f := dialFake(t, func(c command) map[string]any { return nil }) // never answers
	ctx := context.Background()
	done := make(chan error, 1)
	go func() { done <- c.Call(ctx, "session.status", nil, nil) }()
	for seen := 0; seen == 0; { // the browser has the waiting call
		time.Sleep(time.Millisecond)
		f.mu.Lock()
		seen = len(f.seen)
		f.mu.Unlock()
	}
	if err := c.Call(ctx, "test.close", nil, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("a call when the browser went gave %v, want ErrClosed", err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("the call waiting when the browser went gave %v, want ErrClosed", err)
	}
	if err := c.Call(ctx, "session.status", nil, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("a call after the browser went gave %v, want ErrClosed", err)
	}
}

func TestCallGivesUpWithItsContext(t *testing.T) {
	c, _ := dialFake(t, func(c command) map[string]any { return nil })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := c.Call(ctx, "session.status", nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want the context's deadline", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) != 0 {
		t.Errorf("%d calls still pending after giving up", len(c.pending))
	}
}
