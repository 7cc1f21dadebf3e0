package webkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// fakeDriver is a WebDriver that starts session "s1" and answers scripts
// with what they say they return.
func fakeDriver(t *testing.T) (*httptest.Server, *[]string) {
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		seen = append(seen, r.Method+" "+r.URL.Path)
		reply := func(status int, value any) {
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]any{"value": value})
		}
		switch {
		case r.URL.Path == "/session":
			caps, _ := body["capabilities"].(map[string]any)
			if caps["alwaysMatch"] == nil {
				reply(400, map[string]any{"error": "invalid argument", "message": "no capabilities"})
				return
			}
			reply(200, map[string]any{"sessionId": "s1", "capabilities": map[string]any{}})
		case r.URL.Path == "/session/s1/execute/sync":
			script, _ := body["script"].(string)
			switch {
			case strings.Contains(script, "oops"):
				reply(500, map[string]any{"error": "javascript error", "message": "ReferenceError: oops"})
			case strings.Contains(script, "nothing"):
				reply(200, nil)
			default:
				reply(200, `{"n":7}`)
			}
		case r.URL.Path == "/session/s1/url" || (r.URL.Path == "/session/s1" && r.Method == http.MethodDelete):
			reply(200, nil)
		case r.URL.Path == "/broken":
			fmt.Fprint(w, "<html>")
		default:
			reply(404, map[string]any{"error": "invalid session id", "message": r.URL.Path})
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func TestSessionCommands(t *testing.T) {
	srv, seen := fakeDriver(t)
	ctx := context.Background()
	s, err := newSession(ctx, srv.Client(), srv.URL, map[string]any{"browserName": "MiniBrowser"})
	if err != nil || s.id != "s1" {
		t.Fatalf("newSession = %v, %v; want session s1", s, err)
	}
	if err := s.navigate(ctx, "http://127.0.0.1/"); err != nil {
		t.Fatal(err)
	}
	var v struct{ N int }
	if err := s.evaluate(ctx, "stats()", &v); err != nil || v.N != 7 {
		t.Errorf("evaluate = %+v, %v; want n 7", v, err)
	}
	p := &v
	if err := s.evaluate(ctx, "nothing", &p); err != nil || p != nil {
		t.Errorf("undefined gave %v, %v; want null", p, err)
	}
	var e *Error
	if err := s.evaluate(ctx, "oops", nil); !errors.As(err, &e) || e.Code != "javascript error" || e.Status != 500 {
		t.Errorf("a script that throws gave %v, want the driver's javascript error", err)
	}
	if err := s.end(ctx); err != nil {
		t.Fatal(err)
	}
	want := "POST /session,POST /session/s1/url,POST /session/s1/execute/sync,POST /session/s1/execute/sync,POST /session/s1/execute/sync,DELETE /session/s1"
	if got := strings.Join(*seen, ","); got != want {
		t.Errorf("the driver saw %s\nwant %s", got, want)
	}
	if err := s.do(ctx, http.MethodGet, "/broken", nil, nil); err == nil || !strings.Contains(err.Error(), "not a WebDriver reply") {
		t.Errorf("a reply that is not JSON gave %v", err)
	}
}

// TestStartEvaluatesAndCloses needs WebKitGTK's driver and Xvfb
// (scripts/deps.sh --test).
func TestStartEvaluatesAndCloses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>gopline</title><p>hello</p>`)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, err := Start(ctx)
	if errors.Is(err, ErrMissing) && os.Getenv("GOPLINE_REQUIRE_BROWSER") == "" {
		t.Skip(err.Error() + " (make test installs it)")
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Navigate(ctx, srv.URL); err != nil {
		b.Close()
		t.Fatal(err)
	}
	var got struct {
		Title, Text string
		Sum         int
	}
	err = b.Evaluate(ctx, `new Promise((r) => setTimeout(() => r({title: document.title, text: document.querySelector("p").textContent, sum: 1 + 2}), 10))`, &got)
	if err != nil || got.Title != "gopline" || got.Text != "hello" || got.Sum != 3 {
		t.Errorf("Evaluate = %+v, %v; want the page's title and text, and 3", got, err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*process{b.driver, b.xvfb} {
		select {
		case <-p.exited:
		default:
			t.Errorf("%s still runs after Close", p.cmd.Path)
		}
	}
}
