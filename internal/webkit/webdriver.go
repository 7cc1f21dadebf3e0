package webkit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// maxReply bounds one reply from the driver: the biggest a test reads is a
// canvas's picture as a data URL.
const maxReply = 64 << 20

// Error is the driver's refusal of a command: its error code (such as
// "javascript error" or "no such window") and message.
type Error struct {
	Command string
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("webkit: %s: %d %s: %s", e.Command, e.Status, e.Code, e.Message)
}

// session is a WebDriver (classic, over HTTP) session: enough of the
// protocol (https://w3c.github.io/webdriver/) to navigate its window and
// run script in it.
type session struct {
	client *http.Client
	base   string // the driver's URL, http://127.0.0.1:PORT
	id     string
}

// newSession starts a session with capabilities.
func newSession(ctx context.Context, client *http.Client, base string, capabilities any) (*session, error) {
	s := &session{client: client, base: base}
	var r struct {
		SessionID string `json:"sessionId"`
	}
	body := map[string]any{"capabilities": map[string]any{"alwaysMatch": capabilities}}
	if err := s.do(ctx, http.MethodPost, "/session", body, &r); err != nil {
		return nil, err
	}
	if r.SessionID == "" {
		return nil, fmt.Errorf("webkit: the driver started a session with no id")
	}
	s.id = r.SessionID
	return s, nil
}

// navigate loads url in the session's window; the driver returns once the
// page has loaded.
func (s *session) navigate(ctx context.Context, url string) error {
	return s.do(ctx, http.MethodPost, "/session/"+s.id+"/url", map[string]any{"url": url}, nil)
}

// evaluate runs the JavaScript expression expr, waits for it when it is a
// promise, and decodes its value, as JSON.stringify makes it, into out; a
// value with no JSON (undefined) decodes as null.
func (s *session) evaluate(ctx context.Context, expr string, out any) error {
	body := map[string]any{
		// The driver waits for the promise the script returns.
		"script": "return (async () => JSON.stringify(await (" + expr + "\n)))();",
		"args":   []any{},
	}
	var text *string
	if err := s.do(ctx, http.MethodPost, "/session/"+s.id+"/execute/sync", body, &text); err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	raw := "null"
	if text != nil {
		raw = *text
	}
	if err := json.Unmarshal([]byte(raw), out); err != nil {
		return fmt.Errorf("webkit: decoding the value of %q: %w", expr, err)
	}
	return nil
}

// end ends the session, which closes its browser.
func (s *session) end(ctx context.Context) error {
	return s.do(ctx, http.MethodDelete, "/session/"+s.id, nil, nil)
}

// do sends a command and decodes the "value" of its reply into value (nil
// to ignore it).
func (s *session) do(ctx context.Context, method, path string, body, value any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("webkit: %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, rd)
	if err != nil {
		return fmt.Errorf("webkit: %s %s: %w", method, path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("webkit: %s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxReply+1))
	if err != nil {
		return fmt.Errorf("webkit: %s %s: %w", method, path, err)
	}
	if len(raw) > maxReply {
		return fmt.Errorf("webkit: %s %s: a reply over %d bytes", method, path, maxReply)
	}
	var r struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("webkit: %s %s: %d with a body that is not a WebDriver reply: %.200q", method, path, res.StatusCode, raw)
	}
	if res.StatusCode != http.StatusOK {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(r.Value, &e)
		return &Error{Command: method + " " + path, Status: res.StatusCode, Code: e.Error, Message: e.Message}
	}
	if value == nil {
		return nil
	}
	if err := json.Unmarshal(r.Value, value); err != nil {
		return fmt.Errorf("webkit: %s %s: reading its value: %w", method, path, err)
	}
	return nil
}
