package ffmpeg

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

var (
	pSlice = []byte{0x21, 0x9a}
	idrAU  = [][]byte{idrSlice}
)

// watchNews feeds w n access units au a frame apart from at and returns
// the news and where each came.
func watchNews(w *keyframeWatch, at *time.Time, n int, au [][]byte) map[int]keyframeNews {
	news := map[int]keyframeNews{}
	for i := range n {
		if got := w.saw(*at, au); got != newsNone {
			news[i] = got
		}
		*at = at.Add(40 * time.Millisecond)
	}
	return news
}

func TestKeyframeWatchSaysWhileNoKeyframeComesAndThenEveryMinute(t *testing.T) {
	var w keyframeWatch
	at := epoch0
	news := watchNews(&w, &at, 126, [][]byte{iSlice})
	if len(news) != 1 || news[125] != newsNoKeyframe {
		t.Fatalf("news %v, want no keyframe once, at 5 s (packet 125)", news)
	}
	if _, packets, _, intra := w.wait(at); packets != 126 || intra != 126 {
		t.Errorf("%d packets and %d intra pictures, want 126 and 126", packets, intra)
	}
	if news := watchNews(&w, &at, 1500, [][]byte{pSlice}); len(news) != 1 {
		t.Errorf("news %v over the next minute, want one", news)
	}
}

func TestKeyframeWatchSaysOnlyRecoveryPointsStandInForIDRs(t *testing.T) {
	var w keyframeWatch
	at := epoch0
	refresh := [][]byte{refreshSEI, iSlice}
	if news := watchNews(&w, &at, 1, idrAU); len(news) != 0 {
		t.Fatalf("news %v at an IDR", news)
	}
	if news := watchNews(&w, &at, 200, [][]byte{pSlice}); len(news) != 0 {
		t.Fatalf("news %v in a long GOP of an IDR", news)
	}
	watchNews(&w, &at, 1, idrAU)
	news := map[int]keyframeNews{}
	for gop := range 4 {
		for i, n := range watchNews(&w, &at, 1, refresh) {
			news[gop*50+i] = n
		}
		for i, n := range watchNews(&w, &at, 49, [][]byte{pSlice}) {
			news[gop*50+1+i] = n
		}
	}
	if len(news) != 1 || news[124] != newsNoIDR {
		t.Fatalf("news %v, want no IDR once, at 5 s (packet 124)", news)
	}
}

// TestPassthroughSaysWhileAStreamHasNoKeyframe reads a stream of I
// pictures without IDR or recovery point: no packet comes, and the log says
// why before the end.
func TestPassthroughSaysWhileAStreamHasNoKeyframe(t *testing.T) {
	path := encodeX264(t, 150, "keyint=25:open-gop=1", "filter_units=remove_types=5|6")
	var logs bytes.Buffer
	at := epoch0
	clock := func() time.Time { at = at.Add(100 * time.Millisecond); return at }
	r := mustReader(t, path, WithPassthrough(), WithClock(clock), WithReaderLogger(zerolog.New(&logs)))
	if _, err := r.ReadPacket(); !errors.Is(err, io.EOF) && err == nil {
		t.Fatal("a packet of a stream without keyframes")
	}
	if !strings.Contains(logs.String(), "nothing is published until one comes") {
		t.Errorf("the log does not say that nothing is published: %s", logs.String())
	}
}

// TestPassthroughSaysACameraUsesIntraRefresh reads an intra-refresh
// camera, whose only IDR is its first picture: the log says what it is and
// what gopline does about it.
func TestPassthroughSaysACameraUsesIntraRefresh(t *testing.T) {
	path := encodeX264(t, 200, "keyint=50:intra-refresh=1:bframes=0", "")
	var logs bytes.Buffer
	at := epoch0
	clock := func() time.Time { at = at.Add(100 * time.Millisecond); return at }
	r := mustReader(t, path, WithPassthrough(), WithClock(clock), WithReaderLogger(zerolog.New(&logs)))
	for {
		if _, err := r.ReadPacket(); err != nil {
			break
		}
	}
	if !strings.Contains(logs.String(), "this camera uses intra refresh or open GOP") {
		t.Errorf("the log does not say what the camera does: %s", logs.String())
	}
}
