package ffmpeg

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
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

// A live HLS playlist (no end list yet) is a file of its own length, but
// the media it lists has none: the reader's input has no size.
func TestInputSizeOfALivePlaylistIsZero(t *testing.T) {
	clip := testclip.Make(t, "live.m3u8", 50, 25, "-c:v", "libx264", "-g", "25", "-f", "hls", "-hls_time", "1", "-hls_list_size", "0")
	playlist, err := os.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	live := strings.ReplaceAll(string(playlist), "#EXT-X-ENDLIST\n", "")
	if err := os.WriteFile(clip, []byte(live), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReader(clip)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if size := r.InputSize(); size != 0 {
		t.Fatalf("InputSize of a live playlist = %d, want 0", size)
	}
}
