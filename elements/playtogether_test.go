package elements

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/storage"
)

// twoCameras writes a recording of /a and /b, /b's keyframes half a GOP
// after /a's (testclip.TwoCameras), and returns its path and its start.
func twoCameras(t *testing.T, frames int) (string, time.Time) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	return testclip.TwoCameras(t, [2]string{"/a", "/b"}, t0, frames), t0
}

// playedTogether plays cfgs together, each into its own packets, until
// each has played want packets or has ended.
func playedTogether(t *testing.T, cfgs []PlayConfig, want int) []*packets {
	t.Helper()
	g, err := PlayTogether(cfgs)
	if err != nil {
		t.Fatal(err)
	}
	p := pipeline.New()
	var got []*packets
	for i, el := range g.Elements {
		sink := &packets{}
		if err := p.Chain([]string{"play" + string(rune('a'+i)), "sink" + string(rune('a'+i))}, []pipeline.Element{el, sink.element()}); err != nil {
			t.Fatal(err)
		}
		got = append(got, sink)
	}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	enough := func() bool {
		for _, s := range got {
			s.mu.Lock()
			n := len(s.got)
			s.mu.Unlock()
			if n < want {
				return false
			}
		}
		return true
	}
	for deadline := time.Now().Add(20 * time.Second); !enough() && time.Now().Before(deadline); {
		select {
		case <-p.Done():
			return got
		case <-time.After(10 * time.Millisecond):
		}
	}
	p.Stop()
	return got
}

// Two streams whose keyframes lie half a GOP apart, played together from
// between them, each from its keyframe at or before the start: the one
// whose keyframe is earlier goes out first, and every packet of both at
// its recorded time after that keyframe, scaled by the rate, on every
// loop. Packets are stamped with the time they are due (not KeepTime), so
// the stamps show the pacing's plan, whenever the packets went out.
func TestPlayTogetherKeepsTheStreamsRecordedTiming(t *testing.T) {
	path, t0 := twoCameras(t, 40)
	rate := 5.0
	// From frame 12 of /a (400 ms): /a begins at its keyframe 10 (333 ms),
	// /b at its keyframe 0 (167 ms), the origin; up to 1 s.
	var cfgs []PlayConfig
	for _, c := range []struct {
		stream     string
		start, end time.Duration // from the stream's first packet
	}{{"/a", 400 * time.Millisecond, time.Second}, {"/b", 400*time.Millisecond - 5*time.Second/30, time.Second - 5*time.Second/30}} {
		cfgs = append(cfgs, PlayConfig{Path: path, Stream: c.stream, Rate: rate, Live: true, Loop: true, Start: c.start, End: c.end})
	}
	got := playedTogether(t, cfgs, 40)
	origin := t0.Add(5 * time.Second / 30)
	recordedAt := func(stream int, pk *media.Packet) time.Time {
		// Seq counts from the pass's first packet: /a's keyframe 10, /b's 0.
		return t0.Add(time.Duration([]int{10, 5}[stream]+int(pk.Seq)) * time.Second / 30)
	}
	var wall time.Time // when the origin went out: /b's first packet
	got[1].mu.Lock()
	if len(got[1].got) > 0 {
		wall = got[1].got[0].CaptureTime
	}
	got[1].mu.Unlock()
	// A pass is from the origin to the end, 1 s.
	period := time.Duration(float64(time.Second-5*time.Second/30) / rate)
	for i, s := range got {
		s.mu.Lock()
		if len(s.got) < 40 {
			t.Fatalf("stream %d played %d packets, not two passes", i, len(s.got))
		}
		pass := 0
		for n, pk := range s.got {
			if n > 0 && pk.Epoch != s.got[n-1].Epoch {
				pass++
			}
			want := wall.Add(time.Duration(pass)*period + time.Duration(float64(recordedAt(i, pk).Sub(origin))/rate))
			if d := pk.CaptureTime.Sub(want); d < -time.Microsecond || d > time.Microsecond {
				t.Errorf("stream %s, pass %d, Seq %d: went out %v after the origin, recorded %v after it: want %v (rate %g)",
					cfgs[i].Stream, pass, pk.Seq, pk.CaptureTime.Sub(wall), recordedAt(i, pk).Sub(origin), want.Sub(wall), rate)
				break
			}
		}
		s.mu.Unlock()
	}
}

// A stream of a split recording begins at its keyframe at or before the
// start in the file that holds it, and its pass ends a loop gap after its
// last packet in the last file, or at the end.
func TestPlayExtentThroughSplitFiles(t *testing.T) {
	split := filepath.Join(t.TempDir(), "split.db")
	runToEnd(t, mustParse(t, "testsrc size=160x120 num-frames=60 rate=30 is-live=false ! h264enc gop=10 ! record path="+split+
		" stream=/cam max-size-time=500ms", nil))
	files := []string{SplitPath(split, 0)}
	for i := 1; ; i++ {
		if _, err := os.Stat(SplitPath(split, i)); err != nil {
			break
		}
		files = append(files, SplitPath(split, i))
	}
	if len(files) < 3 {
		t.Fatalf("a recording of 2 s split every 500ms is %d files", len(files))
	}
	edge := func(file string, at func(*storage.Recording, string) (time.Time, error)) time.Time {
		rec, err := storage.Open(file, storage.WithReadOnly())
		if err != nil {
			t.Fatal(err)
		}
		defer rec.Close()
		tm, err := at(rec, "/cam")
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	first, second := edge(files[0], (*storage.Recording).First), edge(files[1], (*storage.Recording).First)
	last := edge(files[len(files)-1], (*storage.Recording).Last)
	for _, c := range []struct {
		name       string
		start, end time.Duration
		begin, to  time.Time
	}{
		// The first file holds frames 0 to 19, the second from keyframe
		// 20 (667ms) on.
		{"from the first file", 400 * time.Millisecond, 0, first.Add(10 * time.Second / 30), last.Add(loopGap)},
		{"from a later file", 700 * time.Millisecond, 0, second, last.Add(loopGap)},
		{"up to an end", 700 * time.Millisecond, time.Second, second, first.Add(time.Second)},
	} {
		ext, err := playExtentOf(PlayConfig{Path: files[0], Then: files[1:], Stream: "/cam", Rate: 1, Start: c.start, End: c.end})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !ext.begin.Equal(c.begin) || !ext.end.Equal(c.to) {
			t.Errorf("%s: from %v to %v, want %v to %v", c.name, ext.begin.Sub(first), ext.end.Sub(first), c.begin.Sub(first), c.to.Sub(first))
		}
	}
}
