package latejoin

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gopline/gopline/internal/bench"
)

// small is a run that is quick under the race detector: a small picture
// that still carries the frame number, a GOP of half a second, few joins.
func small(joins int) Config {
	return Config{JoinPlan: bench.JoinPlan{Width: 160, Height: 96, Rate: 30, GOP: 15, Joins: joins, Seed: 7}}
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
	// The viewer's decoder timed itself: it got its first packet after
	// the Subscribe, worked no longer than it took, and handed on the
	// picture before the sink had it.
	for i, j := range r.Samples {
		p := j.Picture
		if p.DecoderFirst.Before(p.Subscribed) || p.DecoderDone.Before(p.DecoderFirst) || p.At.Before(p.DecoderDone) ||
			p.DecoderBusy <= 0 || p.DecoderBusy > p.DecoderDone.Sub(p.DecoderFirst) {
			t.Errorf("join %d: subscribed %v, decoder from %v to %v busy %v, picture %v", i, p.Subscribed, p.DecoderFirst, p.DecoderDone, p.DecoderBusy, p.At)
		}
	}
	if sp := r.Split; sp.Working[0] <= 0 || sp.Working[1] < sp.Working[0] || sp.Waiting[0] < 0 {
		t.Errorf("split %+v", sp)
	}
	// Every join's replay was decoded alone with each decoding, the
	// viewers' own first.
	if len(r.Floors) != len(floorDecodings(1)) || r.Floors[0].Decoding != floorDecodings(1)[0] {
		t.Fatalf("floors %+v", r.Floors)
	}
	for _, f := range r.Floors {
		if f.Replays != len(r.Samples) || f.P50 <= 0 || f.P95 < f.P50 {
			t.Errorf("floor %s: %d replays, p50 %v, p95 %v: want each of %d joins decoded", f.Name, f.Replays, f.P50, f.P95, len(r.Samples))
		}
	}
	if r.FloorRatioP95 != r.P95/r.Floors[0].P95 {
		t.Errorf("cache/floor at p95 %v, want %v/%v", r.FloorRatioP95, r.P95, r.Floors[0].P95)
	}
}

// RunAll runs the modes it is given, in that order, with the viewers'
// decoders threaded as asked, beside a busy loop when asked, and reports
// its progress in joins of all its modes.
func TestRunAllRunsTheModesAsked(t *testing.T) {
	cfg := small(2)
	cfg.Modes, cfg.Threads, cfg.Hog = []Mode{Volatile, Cache}, 2, true
	var progress []string
	cfg.Progress = func(done, total int) { progress = append(progress, fmt.Sprintf("%d/%d", done, total)) }
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	results, err := RunAll(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || results[0].Mode != Volatile || results[1].Mode != Cache {
		t.Fatalf("results %+v: want volatile then cache", results)
	}
	if got := results[1].Floors[0].Decoding.Threads; got != 2 {
		t.Errorf("the viewers' floor has %d threads, want 2", got)
	}
	if results[0].Floors != nil {
		t.Error("a volatile run measured a floor: it replays nothing")
	}
	if got := strings.Join(progress, " "); got != "1/4 2/4 3/4 4/4" {
		t.Errorf("progress %q, want 1/4 to 4/4", got)
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

func TestBadConfigsAreRefused(t *testing.T) {
	for _, cfg := range []Config{
		{JoinPlan: bench.JoinPlan{Width: 64, Height: 48}},
		{JoinPlan: bench.JoinPlan{Width: 641, Height: 480}},
		{JoinPlan: bench.JoinPlan{GOP: -1}},
		{JoinPlan: bench.JoinPlan{Joins: -3}},
		{MinGap: time.Second, MaxGap: time.Millisecond},
		{Threads: 65},
		{Modes: []Mode{Cache, "nosuch"}},
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
	// protoactor's dead-letter throttle is a timer goroutine that ends by
	// itself, a second after a dead letter.
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(),
		goleak.IgnoreTopFunction("github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1"))
	for _, m := range []Mode{Cache, KeyframeRequest} {
		run(t, m, small(2))
	}
}

// The results print themselves: a row per mode, what the keyframe requests
// cost, and the undecodable joins.
func TestResultsPrintTheirTable(t *testing.T) {
	results := []Result{
		{Mode: Cache, Joins: 2, P50: 8.7, P95: 15.7, Max: 23.1, Frames: 321, StreamBytes: 453_472, BaselineBytes: 453_472, Phases: 2,
			Floors: []Floor{{Name: "slice threads 1 (the viewers')", Replays: 2, P50: 4, P95: 5, OpenP50: 0.1}},
			Split:  Split{ToDecoder: [2]float64{0.2, 0.3}, Working: [2]float64{7, 12}, Waiting: [2]float64{0.1, 0.4}, ToSink: [2]float64{0.05, 0.06}}},
		{Mode: KeyframeRequest, Joins: 2, P50: 24.1, ExtraIDRs: 2, ExtraIDRBytes: 1000, Frames: 100, StreamBytes: 3000, BaselineBytes: 2000,
			Undecodable: 1, Samples: []Join{{Undecodable: "no picture: timeout"}}},
	}
	var out strings.Builder
	if err := WriteTable(&out, Config{JoinPlan: bench.JoinPlan{GOP: 30}}, results); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"cache      2     8.7    15.7    23.1",
		"453472     321        2/30",
		"Keyframe requests cost 50.0% more bytes than the same 100 frames with regular keyframes only (500 bytes per join).",
		"keyframe_request: an undecodable join: no picture: timeout",
		"slice threads 1 (the viewers')        2     4.0     5.0         0.10             2.17             3.14",
		"cache: Subscribe to the decoder 0.2 / 0.3; decoding 7.0 / 12.0; decoder waiting for packets 0.1 / 0.4; to the sink 0.05 / 0.06",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in:\n%s", want, out.String())
		}
	}
}
