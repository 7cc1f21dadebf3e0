package elements

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/storage"
)

// playPipeline is a pipeline, not started, that plays cfg into the
// packets it returns.
func playPipeline(t *testing.T, cfg PlayConfig) (*pipeline.Pipeline, *packets) {
	t.Helper()
	got := &packets{}
	el, err := Play(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := pipeline.New()
	if err := p.Chain([]string{"play", "sink"}, []pipeline.Element{el, got.element()}); err != nil {
		t.Fatal(err)
	}
	return p, got
}

// playAll plays cfg to its end and returns what it played.
func playAll(t *testing.T, cfg PlayConfig) *packets {
	t.Helper()
	p, got := playPipeline(t, cfg)
	runToEnd(t, p)
	return got
}

// End stops playback before the first packet at or after it, Start
// beginning at the keyframe at or before it; through the files of a split
// recording too.
func TestPlayStopsBeforeEnd(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "cam.db")
	// 30 fps, a keyframe every 10 frames: frame n is captured n/30 s
	// after the first.
	runToEnd(t, mustParse(t, "testsrc size=160x120 num-frames=60 rate=30 is-live=false ! h264enc gop=10 ! record path="+one+" stream=/cam", nil))
	split := filepath.Join(dir, "split.db")
	runToEnd(t, mustParse(t, "testsrc size=160x120 num-frames=60 rate=30 is-live=false ! h264enc gop=10 ! record path="+split+
		" stream=/cam max-size-time=500ms", nil))
	var then []string
	for i := 1; ; i++ {
		if _, err := os.Stat(SplitPath(split, i)); err != nil {
			break
		}
		then = append(then, SplitPath(split, i))
	}
	if len(then) == 0 {
		t.Fatal("a recording of 2 s split every 500ms is one file")
	}
	for _, c := range []struct {
		name       string
		cfg        PlayConfig
		first, end int // the frames played: from first up to end
	}{
		{"from a keyframe", PlayConfig{Path: one, Start: time.Second, End: 1500 * time.Millisecond}, 30, 45},
		{"from between keyframes", PlayConfig{Path: one, Start: 1100 * time.Millisecond, End: 1501 * time.Millisecond}, 30, 46},
		{"the first packet only", PlayConfig{Path: one, End: time.Millisecond}, 0, 1},
		{"through split files", PlayConfig{Path: SplitPath(split, 0), Then: then, Start: 400 * time.Millisecond, End: 1700 * time.Millisecond}, 10, 51},
		// The first file holds frames 0 to 19, the second from keyframe 20
		// (at 667ms) on: a start after the first's end begins in the second.
		{"from a later split file", PlayConfig{Path: SplitPath(split, 0), Then: then, Start: 700 * time.Millisecond, End: 1700 * time.Millisecond}, 20, 51},
	} {
		c.cfg.Stream = "/cam"
		got := playAll(t, c.cfg)
		got.mu.Lock()
		if n := len(got.got); n != c.end-c.first || n == 0 || !got.got[0].Key {
			t.Errorf("%s: played %d packets, want frames %d to %d, the first a keyframe", c.name, n, c.first, c.end-1)
		}
		got.mu.Unlock()
	}
}

// A pass passes over a file whose part of the stream ends before its
// start or begins at or after its end.
func TestPassOver(t *testing.T) {
	at := func(s int) time.Time { return time.Unix(int64(s), 0) }
	var none time.Time
	for _, c := range []struct {
		first, last, start, end time.Time
		want                    bool
	}{
		{at(10), at(20), at(5), none, false},
		{at(10), at(20), at(15), none, false},
		{at(10), at(20), at(20), none, false},
		{at(10), at(20), at(21), none, true},
		{at(10), at(20), at(0), at(10), true},
		{at(10), at(20), at(0), at(11), false},
	} {
		if got := passOver(c.first, c.last, c.start, c.end); got != c.want {
			t.Errorf("%v to %v, pass %v to %v: %v, want %v", c.first.Unix(), c.last.Unix(), c.start.Unix(), c.end.Unix(), got, c.want)
		}
	}
}

// A loop plays from Start to End again.
func TestPlayLoopsFromStartToEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.db")
	runToEnd(t, mustParse(t, "testsrc size=160x120 num-frames=60 rate=30 is-live=false ! h264enc gop=10 ! record path="+path+" stream=/cam", nil))
	p, got := playPipeline(t, PlayConfig{Path: path, Stream: "/cam", Start: 500 * time.Millisecond, End: time.Second, Loop: true})
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		got.mu.Lock()
		defer got.mu.Unlock()
		return len(got.got)
	}
	for deadline := time.Now().Add(20 * time.Second); count() < 40 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	p.Stop()
	got.mu.Lock()
	defer got.mu.Unlock()
	if len(got.got) < 40 {
		t.Fatalf("played %d packets, not two passes of 20", len(got.got))
	}
	// Each pass is from the keyframe at or before 500ms, frame 10, up to
	// frame 29, the last before 1s: keyframes 10 and 20.
	for i, pk := range got.got[:40] {
		if pk.Key != (i%20 == 0 || i%20 == 10) {
			t.Fatalf("packet %d: key %v; each pass is frames 10 to 29", i, pk.Key)
		}
	}
	if got.got[0].Epoch == got.got[20].Epoch {
		t.Error("the second pass has the first's epoch")
	}
	// Each pass is a restart: Seq from 0, +1 a packet, GOP the Seq of its
	// keyframe (0 and 10).
	for i, pk := range got.got[:40] {
		if want := uint64(i % 20); pk.Seq != want || pk.GOP != want/10*10 {
			t.Fatalf("packet %d (pass %d): Seq %d, GOP %d; want Seq %d, GOP %d", i, i/20+1, pk.Seq, pk.GOP, want, want/10*10)
		}
	}
}

// An end that is not after the start is refused: it would play nothing.
func TestPlayRefusesAnEndNotAfterStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.db")
	runToEnd(t, mustParse(t, "testsrc size=160x120 num-frames=5 is-live=false ! h264enc ! record path="+path+" stream=/cam", nil))
	if _, err := Play(PlayConfig{Path: path, Stream: "/cam", Start: time.Second, End: time.Second}); err == nil {
		t.Error("an end equal to the start played")
	}
}

// recordedTimes are the capture times of stream's packets in the recording
// at path, in order.
func recordedTimes(t *testing.T, path, stream string) []time.Time {
	t.Helper()
	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	first, err := rec.First(stream)
	if err != nil {
		t.Fatal(err)
	}
	c, err := rec.Seek(stream, first)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var times []time.Time
	for {
		pk, err := c.Next()
		if errors.Is(err, io.EOF) {
			return times
		}
		if err != nil {
			t.Fatal(err)
		}
		times = append(times, pk.CaptureTime)
	}
}

// Played packets are stamped with the wall-clock time they are played at
// (as a live camera's), paced and scaled by the rate; keep-time keeps the
// recorded capture times, paced or not, whatever the rate.
func TestPlayStampsPlaybackOrRecordedTime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.db")
	runToEnd(t, mustParse(t, "testsrc size=160x120 num-frames=30 rate=30 is-live=false ! h264enc gop=10 ! record path="+path+" stream=/cam", nil))
	recorded := recordedTimes(t, path, "/cam")
	for _, c := range []struct {
		name string
		cfg  PlayConfig
	}{
		{"paced", PlayConfig{Rate: 10, Live: true}},
		{"paced, keep-time", PlayConfig{Rate: 10, Live: true, KeepTime: true}},
		{"not live, keep-time", PlayConfig{Rate: 1, KeepTime: true}},
	} {
		c.cfg.Path, c.cfg.Stream = path, "/cam"
		before := time.Now()
		got := playAll(t, c.cfg)
		got.mu.Lock()
		if len(got.got) != len(recorded) {
			t.Fatalf("%s: played %d packets of %d", c.name, len(got.got), len(recorded))
		}
		for i, pk := range got.got {
			switch {
			case c.cfg.KeepTime && !pk.CaptureTime.Equal(recorded[i]):
				t.Errorf("%s: packet %d stamped %v, recorded at %v", c.name, i, pk.CaptureTime, recorded[i])
			case !c.cfg.KeepTime && pk.CaptureTime.Before(before):
				t.Errorf("%s: packet %d stamped %v, before playback began at %v", c.name, i, pk.CaptureTime, before)
			case !c.cfg.KeepTime && i > 0 && pk.CaptureTime.Sub(got.got[0].CaptureTime) != recorded[i].Sub(recorded[0])/10:
				t.Errorf("%s: packet %d stamped %v after the first, recorded %v after it: not a tenth at rate 10", c.name, i,
					pk.CaptureTime.Sub(got.got[0].CaptureTime), recorded[i].Sub(recorded[0]))
			}
		}
		got.mu.Unlock()
	}
}
