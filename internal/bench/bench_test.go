package bench

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestPercentileIsTheNearestRank(t *testing.T) {
	d := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 5}, {95, 10}, {90, 9}, {1, 1}, {100, 10}} {
		if got := Percentile(d, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("percentile of nothing")
	}
}

func TestMillisRoundsToAHundredth(t *testing.T) {
	if got := Millis(1234567 * time.Nanosecond); got != 1.23 {
		t.Errorf("Millis = %v, want 1.23", got)
	}
}

// A viewer of another node's topic cannot send a keyframe request with
// its Subscribe: the link would drop it before the node answers.
func TestRemoteViewerRefusesAKeyframeRequest(t *testing.T) {
	_, err := StartViewer(t.Context(), nil, ViewerConfig{Topic: "/camera", Remote: "127.0.0.1:7400", RequestKeyframe: true})
	if err == nil {
		t.Fatal("no error")
	}
}

// Every join is made once, and the schedule takes at least its gaps; a
// schedule that cannot be kept makes no join.
func TestJoinAtRandomKeepsItsSchedule(t *testing.T) {
	s := Schedule{Joins: 5, Seed: 3, MinGap: 2 * time.Millisecond, MaxGap: 6 * time.Millisecond}
	var mu sync.Mutex
	var made []int
	start := time.Now()
	if err := JoinAtRandom(t.Context(), s, func(i int) {
		mu.Lock()
		defer mu.Unlock()
		made = append(made, i)
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(made)
	if !slices.Equal(made, []int{0, 1, 2, 3, 4}) {
		t.Errorf("joins made: %v", made)
	}
	if got := time.Since(start); got < time.Duration(s.Joins-1)*s.MinGap {
		t.Errorf("five joins in %v: sooner than the gaps allow", got)
	}
	for _, bad := range []Schedule{{Joins: 0}, {Joins: 1, MinGap: time.Second, MaxGap: time.Millisecond}} {
		if err := JoinAtRandom(t.Context(), bad, func(int) { t.Error("a join of a bad schedule") }); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := JoinAtRandom(ctx, Schedule{Joins: 3}, func(int) {}); err == nil {
		t.Error("a cancelled schedule: no error")
	}
}
