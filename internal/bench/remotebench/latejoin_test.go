package remotebench

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

// Late joiners of the camera are replayed its cached GOP and each decodes
// a first picture. The bus's "remote" topics are its own, so the camera
// and the viewers run in one process.
func TestLateJoinersOfTheCameraEachDecodeAFirstPicture(t *testing.T) {
	n := newNode(t)
	n.Bus().SetRemote(func(addr, topic string) (*actor.PID, error) { return n.Bus().Topic(topic) })
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- ServeCamera(ctx, n) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("ServeCamera: %v", err)
		}
	}()
	const joins = 3
	res, err := MeasureLateJoin(t.Context(), n, "127.0.0.1:1", Config{Joins: joins, Seed: 3}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if res.Joins != joins || res.Lost != 0 || res.Replayed != joins {
		t.Fatalf("%+v: want %d joins, each replayed the cache and none lost", res, joins)
	}
	if res.P50 <= 0 || res.P95 < res.P50 || res.Max < res.P95 || res.FirstPacketP50 <= 0 || res.FirstPacketP50 > res.P50 {
		t.Errorf("p50 %v, p95 %v, max %v, first packet p50 %v", res.P50, res.P95, res.Max, res.FirstPacketP50)
	}
	if ms := float64(JoinTimeout / time.Millisecond); res.Max > ms {
		t.Errorf("max %v ms, beyond the join timeout", res.Max)
	}
}

// The camera starts with its topic's first subscriber, not before.
func TestCameraWaitsForItsFirstSubscriber(t *testing.T) {
	n := newNode(t)
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- ServeCamera(ctx, n) }()
	time.Sleep(300 * time.Millisecond)
	st, err := n.Bus().Stats(CameraTopic)
	if err != nil {
		t.Fatal(err)
	}
	if st.Published != 0 || st.Publishers != 0 {
		t.Errorf("%d packets from %d publishers before any subscriber", st.Published, st.Publishers)
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}

func TestSummaryTakesThePacketRunsAndCountsWhatWasLost(t *testing.T) {
	runs := []Result{
		{Mode: Throughput, PacketBytes: 50_000, MBPerS: 180, P50: 3, P99: 14, Dropped: 0},
		{Mode: Latency, PacketBytes: 50_000, MBPerS: 1.5, P50: 0.9, P99: 11, Dropped: 4},
		{Mode: Throughput, PacketBytes: 1_500_000, MBPerS: 290, Dropped: 1},
		{Mode: Latency, PacketBytes: 1_500_000, P50: 4.4, P99: 35, Dropped: 2},
	}
	late := LateJoinResult{Joins: 30, P50: 15, P95: 27, Max: 30, Replayed: 29, Lost: 1, Reasons: []string{"no picture"}}
	s := NewSummary(runs, late)
	if s.MBPerS != 180 || s.P50 != 0.9 || s.P99 != 11 || s.LateJoinP50 != 15 || s.LateJoinP95 != 27 {
		t.Errorf("%+v", s)
	}
	if s.Dropped != 4 || s.Lost != 5 || s.LateJoinLost != 1 {
		t.Errorf("dropped %d, lost %d: want the 50 KB runs' 4 drops and the lost join, not the keyframe runs' drops", s.Dropped, s.Lost)
	}
	if k := s.Keyframes; k == nil || k.KeyframeMBPerS != 290 || k.KeyframeP50 != 4.4 || k.KeyframeDropped != 3 {
		t.Errorf("keyframes %+v", k)
	}
	b, err := json.Marshal(NewSummary(runs[:2], late))
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]any
	if err := json.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"mb_per_s", "p50_ms", "p99_ms", "latejoin_p50_ms", "latejoin_p95_ms", "lost", "runs"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("no %q in %s", k, b)
		}
	}
	if _, ok := keys["keyframe_mb_per_s"]; ok {
		t.Errorf("keyframe figures without keyframe runs: %s", b)
	}
}

// The summary prints itself: a row per run, the late joiners, and what
// was lost.
func TestSummaryPrintsItsTable(t *testing.T) {
	runs := []Result{
		{Mode: Throughput, PacketBytes: 50_000, GOP: 30, Packets: 500, MBPerS: 180, P50: 3, P99: 14, Max: 20},
		{Mode: Latency, PacketBytes: 50_000, GOP: 30, Rate: 30, Packets: 90, MBPerS: 1.5, P50: 0.9, P99: 11, Max: 12, Dropped: 4},
	}
	late := LateJoinResult{Joins: 30, P50: 15, P95: 27, Max: 30, Replayed: 29, Lost: 1, Reasons: []string{"no picture: timeout"}}
	var out strings.Builder
	if err := NewSummary(runs, late).WriteTable(&out, Config{Seed: 7}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"throughput         50000   30  credits      500  180.0",
		"latency         50000   30       30       90    1.5",
		"at random moments, seed 7;",
		"p50 15.0 ms, p95 27.0 ms, max 30.0 ms",
		"29 replayed the cache, 1 without a decoded picture.",
		"A join without a picture: no picture: timeout",
		"Lost: 5 (packets dropped in the two 50000-byte runs",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in:\n%s", want, out.String())
		}
	}
}
