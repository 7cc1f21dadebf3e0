// Package chromium starts a headless Chromium that plays WebRTC over
// loopback, for the viewer's tests and benchmark.
package chromium

import (
	"context"
	"errors"
	"fmt"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// ErrMissing means no Chromium (or Chrome) is on PATH; Debian's package is
// chromium (scripts/deps.sh --test installs it).
var ErrMissing = errors.New("chromium: no chromium on PATH (Debian: apt-get install chromium)")

// Path finds Chromium, or Chrome, on PATH; "" when there is none.
func Path() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Start launches a headless Chromium that lets pages play WebRTC over
// loopback and autoplay video. Tabs are chromedp.NewContext of the
// returned context; stop ends the browser.
func Start() (browser context.Context, stop func(), err error) {
	path := Path()
	if path == "" {
		return nil, nil, ErrMissing
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("headless", "new"),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.Flag("disable-features", "WebRtcHideLocalIpsWithMdns"),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		cancelCtx()
		cancelAlloc()
		return nil, nil, fmt.Errorf("chromium: starting %s: %w", path, err)
	}
	return ctx, func() { cancelCtx(); cancelAlloc() }, nil
}
