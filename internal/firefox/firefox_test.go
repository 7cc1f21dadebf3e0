package firefox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

func TestUserJSSetsEveryPref(t *testing.T) {
	js := userJS(map[string]any{"a.flag": true, "a.count": 0, "a.name": `say "hi"`})
	for _, want := range []string{`user_pref("a.flag", true);`, `user_pref("a.count", 0);`, `user_pref("a.name", "say \"hi\"");`} {
		if !strings.Contains(js, want) {
			t.Errorf("user.js lacks %s:\n%s", want, js)
		}
	}
}

func TestTailKeepsTheLastLines(t *testing.T) {
	var l tail
	if got := l.String(); got != "it wrote nothing" {
		t.Errorf("empty tail says %q", got)
	}
	for i := range tailLines + 5 {
		l.add(fmt.Sprint("line ", i))
	}
	got := l.String()
	if strings.Contains(got, "line 4 ") || !strings.Contains(got, "line 5 |") || !strings.HasSuffix(got, fmt.Sprint("line ", tailLines+4)) {
		t.Errorf("tail says %q, want lines 5 to %d", got, tailLines+4)
	}
}

// TestStartEvaluatesAndCloses needs Firefox (scripts/deps.sh --test).
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
	closed := false
	defer func() {
		if !closed {
			_ = b.Close()
		}
	}()
	tab, err := b.NewTab(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Navigate(ctx, tab, srv.URL); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Title string
		Text  string
		Sum   int
	}
	err = b.Evaluate(ctx, tab, `new Promise((r) => setTimeout(() => r({title: document.title, text: document.querySelector("p").textContent, sum: 1 + 2}), 10))`, &got)
	if err != nil || got.Title != "gopline" || got.Text != "hello" || got.Sum != 3 {
		t.Errorf("Evaluate = %+v, %v; want the page's title and text, and 3", got, err)
	}

	closed = true
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.exited:
	default:
		t.Error("Firefox still runs after Close")
	}
	if _, err := os.Stat(b.profile); !os.IsNotExist(err) {
		t.Errorf("the profile %s is still there after Close (%v)", b.profile, err)
	}
}
