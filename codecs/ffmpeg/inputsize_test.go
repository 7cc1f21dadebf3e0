package ffmpeg

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"

	"github.com/gopline/gopline/internal/testclip"
)

// TestInputSizeIsAFilesOrAnnouncedLengthAndZeroForAStream checks the size
// of a file, of a file served over HTTP with its length (but no ranges, so
// FFmpeg knows no duration of an MPEG-TS), and of the same bytes sent
// chunked, as a live HTTP stream is.
func TestInputSizeIsAFilesOrAnnouncedLengthAndZeroForAStream(t *testing.T) {
	path := testclip.Make(t, "clip.ts", 10, 25, "-c:v", "libx264", "-bf", "0")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/known.ts" {
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		} else {
			w.(http.Flusher).Flush() // headers out without a length: chunked
		}
		w.Write(data)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		url  string
		want int64
	}{
		{path, int64(len(data))},
		{srv.URL + "/known.ts", int64(len(data))},
		{srv.URL + "/live.ts", 0},
	} {
		r, err := OpenReader(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.InputSize(); got != tc.want {
			t.Errorf("%s: InputSize %d, want %d", tc.url, got, tc.want)
		}
		r.Close()
	}
}
