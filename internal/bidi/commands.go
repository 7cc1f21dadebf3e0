package bidi

import (
	"context"
	"encoding/json"
	"fmt"
)

// NewSession starts the connection's session (session.new), accepting
// self-signed certificates so that tests can serve HTTPS.
func (c *Conn) NewSession(ctx context.Context) error {
	params := map[string]any{"capabilities": map[string]any{
		"alwaysMatch": map[string]any{"acceptInsecureCerts": true},
	}}
	return c.Call(ctx, "session.new", params, nil)
}

// EndSession ends the session (session.end); the browser keeps running.
func (c *Conn) EndSession(ctx context.Context) error {
	return c.Call(ctx, "session.end", nil, nil)
}

// CloseBrowser closes every window and ends the browser (browser.close).
func (c *Conn) CloseBrowser(ctx context.Context) error {
	return c.Call(ctx, "browser.close", nil, nil)
}

// Tab is a browsing context's id.
type Tab string

// NewTab opens a tab (browsingContext.create).
func (c *Conn) NewTab(ctx context.Context) (Tab, error) {
	var r struct {
		Context Tab `json:"context"`
	}
	if err := c.Call(ctx, "browsingContext.create", map[string]any{"type": "tab"}, &r); err != nil {
		return "", err
	}
	return r.Context, nil
}

// CloseTab closes tab (browsingContext.close).
func (c *Conn) CloseTab(ctx context.Context, tab Tab) error {
	return c.Call(ctx, "browsingContext.close", map[string]any{"context": tab}, nil)
}

// Navigate loads url in tab and returns once the page has loaded (its
// load event: readiness state "complete").
func (c *Conn) Navigate(ctx context.Context, tab Tab, url string) error {
	params := map[string]any{"context": tab, "url": url, "wait": "complete"}
	return c.Call(ctx, "browsingContext.navigate", params, nil)
}

// ScriptError is a script that threw: the browser's text of what it threw.
type ScriptError struct {
	Text string
}

func (e *ScriptError) Error() string { return "bidi: the script threw: " + e.Text }

// Evaluate runs the JavaScript expression expr in tab's page, waits for
// it when it is a promise, and decodes its value, as JSON.stringify makes
// it, into out. An expression whose value has no JSON (undefined) decodes
// as null. A script that throws gives a *ScriptError.
func (c *Conn) Evaluate(ctx context.Context, tab Tab, expr string, out any) error {
	params := map[string]any{
		// The value travels as JSON text: BiDi's own serialization of
		// objects (lists of key and value pairs) is more than tests need.
		"expression":      "(async () => JSON.stringify(await (" + expr + "\n)))()",
		"target":          map[string]any{"context": tab},
		"awaitPromise":    true,
		"resultOwnership": "none",
	}
	var r evaluateResult
	if err := c.Call(ctx, "script.evaluate", params, &r); err != nil {
		return err
	}
	text, err := r.json()
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal([]byte(text), out); err != nil {
		return fmt.Errorf("bidi: decoding the value of %q: %w", expr, err)
	}
	return nil
}

// evaluateResult is script.evaluate's result: the value of a script that
// ran, or what it threw.
type evaluateResult struct {
	Type   string      `json:"type"` // "success" or "exception"
	Result remoteValue `json:"result"`

	ExceptionDetails struct {
		Text string `json:"text"`
	} `json:"exceptionDetails"`
}

// remoteValue is a BiDi RemoteValue of the kinds JSON.stringify returns:
// a string, or undefined.
type remoteValue struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// json returns the JSON text the evaluated script made.
func (r evaluateResult) json() (string, error) {
	switch r.Type {
	case "exception":
		return "", &ScriptError{Text: r.ExceptionDetails.Text}
	case "success":
	default:
		return "", fmt.Errorf("bidi: script.evaluate gave a result of type %q", r.Type)
	}
	switch r.Result.Type {
	case "undefined":
		return "null", nil
	case "string":
		var s string
		if err := json.Unmarshal(r.Result.Value, &s); err != nil {
			return "", fmt.Errorf("bidi: script.evaluate gave a string that is not one: %w", err)
		}
		return s, nil
	default:
		return "", fmt.Errorf("bidi: script.evaluate gave a %q, not the JSON text asked for", r.Result.Type)
	}
}
