package ffmpeg

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testclip"
)

// liveHLSServer serves an HLS playlist of one-second segments of 25
// pictures (seg0.ts ...) made with ffmpeg, as a live camera's server
// does: no end list, its last segment the one the test last published.
type liveHLSServer struct {
	*httptest.Server
	mu        sync.Mutex
	last      int // the last segment published
	reloads   int // requests of the playlist
	segmented int // segments made
}

func newLiveHLSServer(t *testing.T, segments int) *liveHLSServer {
	t.Helper()
	full := testclip.Make(t, "full.m3u8", 25*segments, 25, "-c:v", "libx264", "-g", "25", "-sc_threshold", "0",
		"-f", "hls", "-hls_time", "1", "-hls_list_size", "0")
	dir := filepath.Dir(full)
	s := &liveHLSServer{segmented: segments}
	files := http.FileServer(http.Dir(dir))
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/live.m3u8" {
			files.ServeHTTP(w, req)
			return
		}
		s.mu.Lock()
		s.reloads++
		last := s.last
		s.mu.Unlock()
		var b strings.Builder
		b.WriteString("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n")
		for i := 0; i <= last; i++ {
			fmt.Fprintf(&b, "#EXTINF:1.000000,\nfull%d.ts\n", i)
		}
		w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
		_, _ = w.Write([]byte(b.String()))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *liveHLSServer) publish(last int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = last
}

// readUntilError reads r's pictures until it fails, and returns how many
// it read and the error. A reader that never fails is a test failure after
// a long while (FFmpeg's own defaults reload an unchanged playlist for
// over eight minutes).
func readUntilError(t *testing.T, r *Reader) (int, error) {
	t.Helper()
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n := 0
		for {
			f, err := r.ReadFrame()
			if err != nil {
				done <- result{n, err}
				return
			}
			f.Release()
			n++
		}
	}()
	select {
	case res := <-done:
		return res.n, res.err
	case <-time.After(3 * time.Minute):
		t.Fatal("the reader of a live playlist that stopped growing never failed")
		return 0, nil
	}
}

// A live playlist that stops growing (the camera behind it stopped) fails
// the reader with ErrPlaylistStalled once the playlist has been reloaded
// unchanged for about the I/O timeout plus a few target durations, after
// every picture of its segments; a reader opened again to resume after
// its last segment refuses the still unchanged playlist, and once a new
// segment comes reads that segment alone, not the old ones again.
func TestReaderOfALivePlaylistThatStopsGrowingFails(t *testing.T) {
	s := newLiveHLSServer(t, 4)
	s.publish(2)
	url := s.URL + "/live.m3u8"
	r, err := OpenReader(url, WithIOTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	n, err := readUntilError(t, r)
	end, ok := r.PlaylistEnd()
	r.Close()
	if !errors.Is(err, ErrPlaylistStalled) || n != 75 || !ok || end != 2 {
		t.Fatalf("read %d pictures, then %v; playlist end %d %v; want 75, ErrPlaylistStalled, 2", n, err, end, ok)
	}
	t.Logf("%v after %d playlist requests", err, s.reloads)

	if r, err := OpenReader(url, WithIOTimeout(time.Second), WithPlaylistResume(end)); !errors.Is(err, ErrPlaylistStalled) {
		if err == nil {
			r.Close()
		}
		t.Fatalf("reopening the unchanged playlist: %v, want ErrPlaylistStalled", err)
	}

	s.publish(3)
	r, err = OpenReader(url, WithIOTimeout(time.Second), WithPlaylistResume(end))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n, err = readUntilError(t, r)
	if end, _ := r.PlaylistEnd(); !errors.Is(err, ErrPlaylistStalled) || n != 25 || end != 3 {
		t.Fatalf("resumed: read %d pictures, then %v, playlist end %d; want 25 (segment 3 alone), ErrPlaylistStalled, 3", n, err, end)
	}
}

// A recording's playlist (with its end list) keeps FFmpeg's options and
// ends with io.EOF, and an HLS input is told by its format or its URL.
func TestHLSOptionsAreForLivePlaylistsOnly(t *testing.T) {
	full := testclip.Make(t, "vod.m3u8", 50, 25, "-c:v", "libx264", "-g", "25", "-f", "hls", "-hls_time", "1", "-hls_list_size", "0")
	r, err := OpenReader(full)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, ok := r.PlaylistEnd(); ok {
		t.Fatal("a VOD playlist is read as a live one")
	}
	if frames := readAllFrames(t, r); len(frames) != 50 {
		t.Fatalf("%d pictures of the recording, want 50", len(frames))
	}
	for _, c := range []struct {
		url, format string
		want        bool
	}{
		{"http://cam:8888/cam/index.m3u8?token=x", "", true},
		{"/rec/LIVE.M3U8", "", true},
		{"http://cam/stream", "hls", true},
		{"http://cam/index.m3u8", "mpegts", false},
		{"rtsp://cam/stream", "", false},
	} {
		if got := isHLS(c.url, c.format); got != c.want {
			t.Errorf("isHLS(%q, %q) = %v, want %v", c.url, c.format, got, c.want)
		}
	}
}

// The number of unchanged reloads makes about the timeout plus
// hlsStallTargets target durations: the first reload a segment after the
// last one read, the next ones half a target duration apart.
func TestHoldCountersMakeTheTimeoutPlusAFewTargets(t *testing.T) {
	for _, c := range []struct {
		timeout, target time.Duration
		want            int
	}{
		{3 * time.Second, 2 * time.Second, 8},    // 2 s + 7 × 1 s = 9 s = 3 s + 3 × 2 s
		{time.Second, time.Second, 7},            // 1 s + 6 × 0.5 s = 4 s
		{3 * time.Second, 0, 6},                  // hlsAssumedTarget
		{0, 2 * time.Second, 0},                  // wait for ever: FFmpeg's default
		{30 * time.Second, 10 * time.Second, 11}, // 10 s + 10 × 5 s = 60 s
	} {
		if got := holdCounters(c.timeout, c.target); got != c.want {
			t.Errorf("holdCounters(%v, %v) = %d, want %d", c.timeout, c.target, got, c.want)
		}
	}
}

func TestParseHLSPlaylist(t *testing.T) {
	live, err := parseHLSPlaylist("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:41\n#EXTINF:2,\na.ts\n#EXTINF:2,\nb.ts\n")
	if err != nil || !live.Live() || live.Target != 2*time.Second || live.LastSeq() != 42 {
		t.Fatalf("%+v, %v", live, err)
	}
	master, err := parseHLSPlaylist("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nvideo.m3u8\n")
	if err != nil || master.Live() || len(master.Variants) != 1 || master.Variants[0] != "video.m3u8" {
		t.Fatalf("%+v, %v", master, err)
	}
	vod, err := parseHLSPlaylist("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n")
	if err != nil || vod.Live() {
		t.Fatalf("%+v, %v", vod, err)
	}
	for _, bad := range []string{"", "<html>", "#EXTM3U\n#EXT-X-TARGETDURATION:x\n", "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:-1\n"} {
		if _, err := parseHLSPlaylist(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// Of a master playlist's variants, the Reader fetches the segments of the
// one it reads: of the others', only those the probe read (two of eight
// here).
func TestReaderOfAMasterPlaylistFetchesOneVariant(t *testing.T) {
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("no ffmpeg")
	}
	dir := t.TempDir()
	for _, v := range []struct{ name, size string }{{"lo", "160x120"}, {"hi", "320x240"}} {
		args := []string{"-v", "error", "-f", "lavfi", "-i", "testsrc2=size=" + v.size + ":rate=25:duration=8",
			"-c:v", "libx264", "-g", "25", "-sc_threshold", "0", "-f", "hls", "-hls_time", "1", "-hls_list_size", "0",
			"-hls_segment_filename", filepath.Join(dir, v.name+"%d.ts"), filepath.Join(dir, v.name+".m3u8")}
		if out, err := exec.Command(ff, args...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg %v: %v: %s", args, err, out)
		}
	}
	master := "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=200000,RESOLUTION=160x120\nlo.m3u8\n" +
		"#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=320x240\nhi.m3u8\n"
	if err := os.WriteFile(filepath.Join(dir, "master.m3u8"), []byte(master), 0o644); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	fetched := map[string]int{}
	files := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if strings.HasSuffix(req.URL.Path, ".ts") {
			mu.Lock()
			fetched[strings.TrimRight(strings.TrimSuffix(path.Base(req.URL.Path), ".ts"), "0123456789")]++
			mu.Unlock()
		}
		files.ServeHTTP(w, req)
	}))
	defer srv.Close()
	r := mustReader(t, srv.URL+"/master.m3u8")
	frames := readAllFrames(t, r)
	for _, f := range frames {
		f.Release()
	}
	mu.Lock()
	defer mu.Unlock()
	if r.Info().Width != 160 || len(frames) != 200 || fetched["lo"] != 8 || fetched["hi"] > 2 {
		t.Fatalf("%d pictures %d wide; segments fetched %v; want 200 of the first variant, 160 wide, its 8 segments and at most the probe's of the other", len(frames), r.Info().Width, fetched)
	}
}
