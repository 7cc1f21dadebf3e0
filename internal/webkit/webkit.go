// Package webkit runs WebKitGTK, the engine of Safari as Linux has it, for
// the browser viewer's tests: its MiniBrowser under WebKitWebDriver on a
// virtual display (Xvfb), driven over WebDriver classic (HTTP). WebKitGTK
// has no headless mode of its own.
package webkit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrMissing means WebKitWebDriver, WebKitGTK's MiniBrowser or Xvfb is not
// installed; scripts/deps.sh --test installs them.
var ErrMissing = errors.New("webkit: no WebKitWebDriver, MiniBrowser or Xvfb (Debian: apt-get install webkit2gtk-driver xvfb)")

// miniBrowsers are where Debian and others install WebKitGTK's MiniBrowser.
var miniBrowsers = []string{
	"/usr/lib/*/webkit2gtk-4.1/MiniBrowser",
	"/usr/libexec/webkit2gtk-4.1/MiniBrowser",
	"/usr/lib/*/webkit2gtk-4.0/MiniBrowser",
	"/usr/libexec/webkit2gtk-4.0/MiniBrowser",
}

// paths finds the driver, the browser and the display server; ok is false
// when one is missing.
func paths() (driver, browser, xvfb string, ok bool) {
	driver, err1 := exec.LookPath("WebKitWebDriver")
	xvfb, err2 := exec.LookPath("Xvfb")
	for _, pattern := range miniBrowsers {
		if m, _ := filepath.Glob(pattern); len(m) > 0 {
			browser = m[0]
			break
		}
	}
	return driver, browser, xvfb, err1 == nil && err2 == nil && browser != ""
}

// startLimit bounds each process's start on a loaded 2-core machine.
const startLimit = 60 * time.Second

// Browser is a MiniBrowser with one window, in a WebDriver session.
type Browser struct {
	sess   *session
	xvfb   *process
	driver *process
}

// Start launches Xvfb, WebKitWebDriver and, through it, a MiniBrowser with
// WebRTC switched on (where the build has it), and starts a session.
func Start(ctx context.Context) (*Browser, error) {
	driverPath, browserPath, xvfbPath, ok := paths()
	if !ok {
		return nil, ErrMissing
	}
	b := &Browser{}
	fail := func(err error) (*Browser, error) {
		b.stop()
		return nil, err
	}
	display, xvfb, err := startXvfb(ctx, xvfbPath)
	if err != nil {
		return nil, err
	}
	b.xvfb = xvfb

	port, err := freePort()
	if err != nil {
		return fail(err)
	}
	cmd := exec.Command(driverPath, "--port="+strconv.Itoa(port))
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if b.driver, err = startProcess(cmd); err != nil {
		return fail(err)
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	client := &http.Client{}
	if err := waitReady(ctx, client, base, b.driver); err != nil {
		return fail(err)
	}
	b.sess, err = newSession(ctx, client, base, map[string]any{
		"webkitgtk:browserOptions": map[string]any{
			"binary": browserPath,
			"args":   []string{"--automation", "--enable-webrtc=true", "--enable-media-stream=true"},
		},
	})
	if err != nil {
		return fail(err)
	}
	return b, nil
}

// Navigate loads url and returns once the page has loaded.
func (b *Browser) Navigate(ctx context.Context, url string) error { return b.sess.navigate(ctx, url) }

// Evaluate runs the JavaScript expression expr in the page, waits for it
// when it is a promise, and decodes its value (as JSON) into out.
func (b *Browser) Evaluate(ctx context.Context, expr string, out any) error {
	return b.sess.evaluate(ctx, expr, out)
}

// Close ends the session, which closes the browser, then stops the driver
// and the display.
func (b *Browser) Close() error {
	if b.sess != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = b.sess.end(ctx)
		cancel()
	}
	b.stop()
	return nil
}

func (b *Browser) stop() {
	if b.driver != nil {
		b.driver.kill()
	}
	if b.xvfb != nil {
		b.xvfb.kill()
	}
}

// startXvfb starts a virtual display on a free number, which Xvfb picks
// and writes to a pipe (-displayfd).
func startXvfb(ctx context.Context, path string) (display string, p *process, err error) {
	r, w, err := os.Pipe()
	if err != nil {
		return "", nil, fmt.Errorf("webkit: %w", err)
	}
	defer r.Close()
	cmd := exec.Command(path, "-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	p, err = startProcess(cmd)
	w.Close()
	if err != nil {
		return "", nil, err
	}
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		got <- strings.TrimSpace(line)
	}()
	select {
	case n := <-got:
		if _, err := strconv.Atoi(n); err != nil {
			p.kill()
			return "", nil, fmt.Errorf("webkit: Xvfb gave no display number (%q)", n)
		}
		return ":" + n, p, nil
	case <-time.After(startLimit):
		err = fmt.Errorf("webkit: Xvfb gave no display within %v", startLimit)
	case <-ctx.Done():
		err = fmt.Errorf("webkit: %w", ctx.Err())
	}
	p.kill()
	return "", nil, err
}

// freePort returns a TCP port free on 127.0.0.1 a moment ago, for the
// driver, which cannot pick one itself.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("webkit: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady waits for the driver to answer /status.
func waitReady(ctx context.Context, client *http.Client, base string, driver *process) error {
	deadline := time.Now().Add(startLimit)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/status", nil)
		if err != nil {
			return fmt.Errorf("webkit: %w", err)
		}
		if res, err := client.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-driver.exited:
			return fmt.Errorf("webkit: WebKitWebDriver exited before answering")
		case <-ctx.Done():
			return fmt.Errorf("webkit: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("webkit: WebKitWebDriver did not answer within %v", startLimit)
		}
	}
}

// process is a started command and its end.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

func startProcess(cmd *exec.Cmd) (*process, error) {
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("webkit: starting %s: %w", cmd.Path, err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	return p, nil
}

// kill ends the process if it still runs and waits for it.
func (p *process) kill() {
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}
