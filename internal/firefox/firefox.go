// Package firefox starts a headless Firefox that plays WebRTC over
// loopback, for the browser viewer's tests, and drives it over WebDriver
// BiDi (internal/bidi), which Firefox speaks itself: no geckodriver.
package firefox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gopline/gopline/internal/bidi"
)

// ErrMissing means no Firefox is on PATH; Debian's package is firefox-esr
// (scripts/deps.sh --test installs it).
var ErrMissing = errors.New("firefox: no firefox-esr or firefox on PATH (Debian: apt-get install firefox-esr)")

// Path finds Firefox on PATH; "" when there is none.
func Path() string {
	for _, name := range []string{"firefox-esr", "firefox"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Prefs are the preferences of the profile Start makes, beyond those
// Firefox sets itself when run for a WebDriver client (no updates, no
// first-run pages, no network of its own).
//
// Firefox lets a muted <video> play without a click, and the viewer mutes
// its video: no autoplay preference is needed.
var Prefs = map[string]any{
	// Firefox's own WebRTC tests set it to check ICE over loopback, as
	// the node and the browser share 127.0.0.1 here.
	"media.peerconnection.ice.loopback": true,
}

// startLimit bounds Firefox's start, to its BiDi port listening; a loaded
// 2-core machine takes a few seconds.
const startLimit = 60 * time.Second

// Browser is a running headless Firefox and its BiDi session.
type Browser struct {
	*bidi.Conn

	cmd     *exec.Cmd
	profile string
	exited  chan struct{} // closed when the process has exited
	log     *tail
}

// Start launches a headless Firefox with a profile of its own (Prefs, in
// a temporary directory that Close removes) and starts a BiDi session on
// it. Open tabs with NewTab; Close ends it all.
func Start(ctx context.Context) (*Browser, error) {
	path := Path()
	if path == "" {
		return nil, ErrMissing
	}
	profile, err := os.MkdirTemp("", "gopline-firefox-")
	if err != nil {
		return nil, fmt.Errorf("firefox: %w", err)
	}
	if err := os.WriteFile(filepath.Join(profile, "user.js"), []byte(userJS(Prefs)), 0o644); err != nil {
		os.RemoveAll(profile)
		return nil, fmt.Errorf("firefox: %w", err)
	}
	// Port 0: Firefox picks a free one and says which on stderr.
	cmd := exec.Command(path, "--headless", "--no-remote", "--profile", profile, "--remote-debugging-port=0", "about:blank")
	cmd.Env = append(os.Environ(), "MOZ_CRASHREPORTER_DISABLE=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		os.RemoveAll(profile)
		return nil, fmt.Errorf("firefox: %w", err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		os.RemoveAll(profile)
		return nil, fmt.Errorf("firefox: starting %s: %w", path, err)
	}
	b := &Browser{cmd: cmd, profile: profile, exited: make(chan struct{}), log: &tail{}}
	urls := make(chan string, 1)
	go b.readStderr(stderr, urls)
	go func() { _ = cmd.Wait(); close(b.exited) }()

	fail := func(err error) (*Browser, error) {
		b.kill()
		return nil, err
	}
	var url string
	select {
	case url = <-urls:
	case <-b.exited:
		return fail(fmt.Errorf("firefox: %s exited before listening for BiDi: %s", path, b.log))
	case <-time.After(startLimit):
		return fail(fmt.Errorf("firefox: %s did not listen for BiDi within %v: %s", path, startLimit, b.log))
	case <-ctx.Done():
		return fail(fmt.Errorf("firefox: %w", ctx.Err()))
	}
	conn, err := bidi.Dial(ctx, url+"/session")
	if err != nil {
		return fail(fmt.Errorf("firefox: %w", err))
	}
	b.Conn = conn
	if err := conn.NewSession(ctx); err != nil {
		return fail(fmt.Errorf("firefox: %w", err))
	}
	return b, nil
}

// listening is how Firefox says where its BiDi WebSocket is.
const listening = "WebDriver BiDi listening on "

// readStderr sends the BiDi URL Firefox prints to urls and keeps the last
// lines it writes for the errors of Start.
func (b *Browser) readStderr(r io.Reader, urls chan<- string) {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, 4096), 1<<20)
	for s.Scan() {
		line := s.Text()
		if url, ok := strings.CutPrefix(line, listening); ok {
			select {
			case urls <- strings.TrimSpace(url):
			default:
			}
		}
		b.log.add(line)
	}
	_, _ = io.Copy(io.Discard, r)
}

// Close ends the session, asks Firefox to quit, kills it when it has not
// within a few seconds, and removes its profile.
func (b *Browser) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if b.Conn != nil {
		_ = b.CloseBrowser(ctx) // ends the session too
		_ = b.Conn.Close()
	}
	select {
	case <-b.exited:
	case <-ctx.Done():
	}
	b.kill()
	return nil
}

// kill ends the process if it still runs, waits for it and removes the
// profile.
func (b *Browser) kill() {
	select {
	case <-b.exited:
	default:
		_ = b.cmd.Process.Kill()
		<-b.exited
	}
	if b.Conn != nil {
		_ = b.Conn.Close()
	}
	_ = os.RemoveAll(b.profile)
}

// userJS writes prefs as a profile's user.js.
func userJS(prefs map[string]any) string {
	var sb strings.Builder
	for name, v := range prefs {
		switch v := v.(type) {
		case string:
			fmt.Fprintf(&sb, "user_pref(%q, %q);\n", name, v)
		default:
			fmt.Fprintf(&sb, "user_pref(%q, %v);\n", name, v)
		}
	}
	return sb.String()
}

// tail keeps the last lines a process wrote, for error messages.
type tail struct {
	mu    sync.Mutex
	lines []string
}

const tailLines = 20

func (t *tail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > tailLines {
		t.lines = t.lines[len(t.lines)-tailLines:]
	}
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) == 0 {
		return "it wrote nothing"
	}
	return "it wrote: " + strings.Join(t.lines, " | ")
}
