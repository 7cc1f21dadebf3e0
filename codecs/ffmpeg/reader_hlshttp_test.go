package ffmpeg

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

func TestPlaylistHeaderIsFFmpegsHTTPOptions(t *testing.T) {
	got := playlistHeader(map[string]string{
		"headers":    "Authorization: Bearer abc\r\nX-Camera: 2\r\n",
		"user_agent": "robot/1",
		"referer":    "http://robot.local/",
		"cookies":    "session=s1; path=/; domain=robot.local\nlang=en",
		"timeout":    "5000000",
	})
	want := http.Header{"Authorization": {"Bearer abc"}, "X-Camera": {"2"}, "User-Agent": {"robot/1"},
		"Referer": {"http://robot.local/"}, "Cookie": {"session=s1; lang=en"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("header %v, want %v", got, want)
	}
	// One header without its CRLF, as typed on a command line.
	if got := playlistHeader(map[string]string{"headers": "Authorization: Bearer abc"}); got.Get("Authorization") != "Bearer abc" {
		t.Fatalf("header %v", got)
	}
}

// A live playlist that wants a token is read by the Reader itself with
// the headers given to FFmpeg, so that it watches it for a stop: without
// them its request is refused, and it could not.
func TestReaderReadsALivePlaylistWithTheInputsHeaders(t *testing.T) {
	live := newLiveHLSServer(t, 3)
	live.publish(1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Header.Get("Authorization") != "Bearer abc" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		live.Config.Handler.ServeHTTP(w, req)
	}))
	defer srv.Close()
	r := mustReader(t, srv.URL+"/live.m3u8", WithInputOptions(map[string]string{"headers": "Authorization: Bearer abc\r\n"}))
	if seq, ok := r.PlaylistEnd(); !ok || seq != 1 {
		t.Fatalf("playlist end %d, %v: want segment 1, read by the Reader", seq, ok)
	}
}
