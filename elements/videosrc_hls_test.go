package elements

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testclip"
)

// hlsCamera serves a live HLS playlist of one-second segments of 25
// pictures made with ffmpeg, as a camera's server does: no end list, its
// last segment the one the test last published. It counts the requests of
// the playlist gopline makes itself (Go's client), apart from FFmpeg's.
type hlsCamera struct {
	*httptest.Server
	mu        sync.Mutex
	last      int
	ownReads  int
	ownReadCh chan struct{} // closed and replaced at each of gopline's reads
}

func newHLSCamera(t *testing.T, segments int) *hlsCamera {
	t.Helper()
	full := testclip.Make(t, "full.m3u8", 25*segments, 25, "-c:v", "libx264", "-g", "25", "-sc_threshold", "0",
		"-f", "hls", "-hls_time", "1", "-hls_list_size", "0")
	files := http.FileServer(http.Dir(filepath.Dir(full)))
	c := &hlsCamera{ownReadCh: make(chan struct{})}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/live.m3u8" {
			files.ServeHTTP(w, req)
			return
		}
		c.mu.Lock()
		last := c.last
		if strings.HasPrefix(req.UserAgent(), "Go-http-client") {
			c.ownReads++
			close(c.ownReadCh)
			c.ownReadCh = make(chan struct{})
		}
		c.mu.Unlock()
		var b strings.Builder
		b.WriteString("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n")
		for i := 0; i <= last; i++ {
			fmt.Fprintf(&b, "#EXTINF:1.000000,\nfull%d.ts\n", i)
		}
		_, _ = w.Write([]byte(b.String()))
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *hlsCamera) publish(last int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = last
}

// awaitOwnReads waits until gopline has read the playlist n times itself.
func (c *hlsCamera) awaitOwnReads(t *testing.T, n int) {
	t.Helper()
	for {
		c.mu.Lock()
		got, next := c.ownReads, c.ownReadCh
		c.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-next:
		case <-time.After(3 * time.Minute):
			t.Fatalf("gopline read the playlist %d times, want %d", got, n)
		}
	}
}

// A live HLS camera that stops fails its source once its playlist stayed
// unchanged for about the timeout plus a few target durations; the source
// reconnects (a restart in its stats), does not take the unchanged
// playlist's last segments for the camera back, and once the camera
// publishes a new segment hands on that segment alone.
func TestVideoSrcReconnectsToALivePlaylistThatStoppedWithoutReplayingIt(t *testing.T) {
	cam := newHLSCamera(t, 3)
	cam.publish(1)
	p := mustParse(t, "videosrc location="+cam.URL+"/live.m3u8 timeout=1s name=src ! fakesink", nil)
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	// Reads: at the opening, at the stall, at the reopening refused.
	cam.awaitOwnReads(t, 3)
	cam.publish(2)
	// The reopening that reads segment 2, its stall, the next reopening
	// refused.
	cam.awaitOwnReads(t, 6)
	// The source has emitted what its readers read (the last picture may
	// still be on its way to the sink).
	if st := stat(t, p, "src"); st.Out != 75 || st.Restarts != 1 {
		t.Fatalf("stats %+v; want 75 pictures out (segments 0, 1 and 2 once each), 1 restart", st)
	}
}
