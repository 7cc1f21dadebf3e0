package latejoin

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// small is a run that is quick under the race detector: a small picture
// that still carries the frame number, a GOP of half a second, few joins.
func small(joins int) Config {
	return Config{Width: 160, Height: 96, Rate: 30, GOP: 15, Joins: joins, Seed: 7}
}

func run(t *testing.T, mode Mode, cfg Config) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	r, err := Run(ctx, mode, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Mode != mode || r.Joins != cfg.Joins || len(r.Samples) != cfg.Joins {
		t.Fatalf("result %+v: want %d joins of %s", r, cfg.Joins, mode)
	}
	for i, j := range r.Samples {
		if j.Undecodable != "" {
			t.Errorf("%s join %d: %s", mode, i, j.Undecodable)
		}
	}
	if r.Undecodable != 0 {
		t.Errorf("%s: %d undecodable", mode, r.Undecodable)
	}
	return r
}

// A viewer joining a durable topic is replayed the cached GOP and shows,
// as its first picture, the newest packet the topic had when it
// subscribed, decoded, with its own frame number; and the cache costs the
// stream no keyframe.
func TestCacheJoinersFirstShowTheNewestPublishedPicture(t *testing.T) {
	r := run(t, Cache, small(6))
	for i, j := range r.Samples {
		p := j.Picture
		if !p.First.Replay.Replayed || !p.First.Key {
			t.Errorf("join %d: first delivery Seq %d key %v replay %+v: want a replayed keyframe", i, p.First.Seq, p.First.Key, p.First.Replay)
		}
		if p.Frame.Seq != p.ReplayLast {
			t.Errorf("join %d: first picture is Seq %d, but the replay ended at Seq %d", i, p.Frame.Seq, p.ReplayLast)
		}
		if int64(p.ReplayLast) < p.NewestAtJoin {
			t.Errorf("join %d: the replay ended at Seq %d, older than Seq %d published before the viewer subscribed", i, p.ReplayLast, p.NewestAtJoin)
		}
	}
	if r.ExtraIDRs != 0 || r.ExtraIDRBytes != 0 {
		t.Errorf("the cache cost %d keyframes and %d bytes beyond the regular stream", r.ExtraIDRs, r.ExtraIDRBytes)
	}
	if r.Frames <= small(0).GOP || r.StreamBytes != r.BaselineBytes {
		t.Errorf("stream %d frames, %d bytes against a baseline of %d", r.Frames, r.StreamBytes, r.BaselineBytes)
	}
}

// A viewer joining a volatile topic gets nothing before the next keyframe:
// its first delivery is a live keyframe, and that keyframe is its first
// picture.
func TestVolatileJoinersFirstShowTheNextKeyframe(t *testing.T) {
	r := run(t, Volatile, small(4))
	for i, j := range r.Samples {
		p := j.Picture
		if !p.First.Key || p.First.Replay.Replayed {
			t.Errorf("join %d: first delivery Seq %d key %v replay %+v: want a live keyframe", i, p.First.Seq, p.First.Key, p.First.Replay)
		}
		if p.Frame.Seq != p.First.Seq {
			t.Errorf("join %d: first picture is Seq %d, the first delivery Seq %d", i, p.Frame.Seq, p.First.Seq)
		}
	}
	if r.ExtraIDRs != 0 || r.ExtraIDRBytes != 0 {
		t.Errorf("waiting for keyframes cost %d keyframes and %d bytes", r.ExtraIDRs, r.ExtraIDRBytes)
	}
}

// A viewer that asks for a keyframe as it joins gets a forced IDR, and the
// stream pays for it in bytes.
func TestKeyframeRequestsForceIDRsThatCostBytes(t *testing.T) {
	cfg := small(4)
	cfg.GOP = 60 // two seconds: the joins come well before the next regular keyframe
	r := run(t, KeyframeRequest, cfg)
	for i, j := range r.Samples {
		if p := j.Picture; !p.First.Key || p.First.Replay.Replayed || p.Frame.Seq != p.First.Seq {
			t.Errorf("join %d: first delivery Seq %d key %v, first picture Seq %d: want a live keyframe first", i, p.First.Seq, p.First.Key, p.Frame.Seq)
		}
	}
	if r.ExtraIDRs < 1 || r.ExtraIDRBytes <= 0 {
		t.Errorf("%d extra keyframes, %d extra bytes: want the forced IDRs counted", r.ExtraIDRs, r.ExtraIDRBytes)
	}
}

func TestPercentileIsTheNearestRank(t *testing.T) {
	d := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 5}, {95, 10}, {90, 9}, {1, 1}, {100, 10}} {
		if got := percentile(d, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if percentile(nil, 50) != 0 {
		t.Error("percentile of nothing")
	}
}

func TestBadConfigsAreRefused(t *testing.T) {
	for _, cfg := range []Config{
		{Width: 64, Height: 48},
		{Width: 641, Height: 480},
		{GOP: -1},
		{Joins: -3},
		{MinGap: time.Second, MaxGap: time.Millisecond},
	} {
		if _, err := Run(t.Context(), Cache, cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
	if _, err := Run(t.Context(), Mode("nosuch"), small(1)); err == nil {
		t.Error("unknown mode: no error")
	}
}

func TestRunLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, m := range []Mode{Cache, KeyframeRequest} {
		run(t, m, small(2))
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// A viewer of another node's topic cannot send a keyframe request with
// its Subscribe: the link would drop it before the node answers.
func TestRemoteViewerRefusesAKeyframeRequest(t *testing.T) {
	_, err := StartViewer(t.Context(), nil, nil, ViewerConfig{Topic: Topic, Remote: "127.0.0.1:7400", RequestKeyframe: true})
	if err == nil {
		t.Fatal("no error")
	}
}
