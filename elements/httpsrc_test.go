package elements

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/pipeline"
)

// servedClip serves the bytes of a 30-frame MPEG-TS clip at /clip.ts with
// their length but without ranges (as python3 -m http.server), so that
// FFmpeg knows the input's size but not its duration; send writes the
// bytes. It returns the server and the count of requests.
func servedClip(t *testing.T, send func(w http.ResponseWriter, req *http.Request, data []byte)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	data, err := os.ReadFile(testclip.Make(t, "clip.ts", 30, cameraRate, "-c:v", "libx264", "-bf", "0"))
	if err != nil {
		t.Fatal(err)
	}
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "video/mp2t")
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		send(w, req, data)
	}))
	t.Cleanup(srv.Close)
	return srv, &requests
}

// An MPEG-TS file served with its length but without ranges has no
// duration FFmpeg can tell: it is still a recording, read once to its end,
// not a camera whose end is a drop to reconnect from (which read it again
// from its first frame, for ever).
func TestHTTPRecordingWithoutRangesEndsAtItsEnd(t *testing.T) {
	srv, requests := servedClip(t, func(w http.ResponseWriter, _ *http.Request, data []byte) { w.Write(data) })
	p, err := pipeline.Parse("videosrc location="+srv.URL+"/clip.ts name=src ! fakesink", registry(t))
	if err != nil {
		t.Fatal(err)
	}
	runToEnd(t, p)
	if s := stat(t, p, "src"); s.Out != 30 || s.Errors != 0 || requests.Load() != 1 {
		t.Fatalf("source stats %+v after %d requests; want the clip's 30 frames once, in one request", s, requests.Load())
	}
}

// A recording whose server stalls half way fails, as ffmpeg does, instead
// of being fetched again from its first byte, which would repeat its
// frames.
func TestHTTPRecordingThatStallsPartWayFails(t *testing.T) {
	srv, requests := servedClip(t, func(w http.ResponseWriter, req *http.Request, data []byte) {
		w.Write(data[:len(data)/2])
		w.(http.Flusher).Flush()
		<-req.Context().Done()
	})
	p, err := pipeline.Parse("videosrc location="+srv.URL+"/clip.ts timeout=1s name=src ! fakesink", registry(t))
	if err != nil {
		t.Fatal(err)
	}
	runToEndFailing(t, p, "src")
	s := stat(t, p, "src")
	if s.Errors != 1 || !strings.Contains(s.LastError, "failed part-way") || !strings.Contains(s.LastError, "timed out") {
		t.Fatalf("a recording that stalled: source stats %+v; want its failure, saying it is not reopened", s)
	}
	if s.Out >= 30 || requests.Load() != 1 {
		t.Fatalf("source stats %+v after %d requests; want part of the clip, in one request", s, requests.Load())
	}
}

// A live HTTP stream (sent chunked, with no length: an MJPEG camera,
// HTTP-FLV, ffmpeg -listen 1) that ends is a camera gone away: it is opened
// again, as a new stream.
func TestLiveHTTPStreamThatEndsIsReopened(t *testing.T) {
	data, err := os.ReadFile(testclip.Make(t, "clip.ts", 30, cameraRate, "-c:v", "libx264", "-bf", "0"))
	if err != nil {
		t.Fatal(err)
	}
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if requests.Add(1) > 2 {
			http.NotFound(w, req) // the camera is gone for good
			return
		}
		w.(http.Flusher).Flush() // headers out without a length: chunked
		w.Write(data)
	}))
	defer srv.Close()
	p, err := pipeline.Parse("videosrc location="+srv.URL+"/live.ts retries=1 name=src ! fakesink", registry(t))
	if err != nil {
		t.Fatal(err)
	}
	if f := runToEndFailing(t, p, "src"); !errors.Is(f, ErrStreamLost) {
		t.Errorf("Wait = %v, want ErrStreamLost", f)
	}
	if s := stat(t, p, "src"); s.Out != 60 || s.Errors != 1 || s.Restarts != 1 || !strings.Contains(s.LastError, "stream lost") || requests.Load() != 3 {
		t.Fatalf("source stats %+v after %d requests; want the stream twice (a restart), then lost", s, requests.Load())
	}
}
