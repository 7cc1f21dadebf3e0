package elements

import (
	"math"
	"testing"
	"time"
)

func TestRunTimesFasterKeepsEachSmallestTime(t *testing.T) {
	var best runTimes
	for _, r := range []runTimes{
		{wall: 3 * time.Second, cpu: 2 * time.Second},
		{wall: 2 * time.Second, cpu: 4 * time.Second},
		{wall: 5 * time.Second, cpu: time.Second},
	} {
		best = best.faster(r)
	}
	if want := (runTimes{wall: 2 * time.Second, cpu: time.Second}); best != want {
		t.Fatalf("fastest = %+v, want %+v", best, want)
	}
}

func TestRunTimesMeanIsHalfwayBetweenTwoRuns(t *testing.T) {
	a := runTimes{wall: 2 * time.Second, cpu: 3 * time.Second}
	b := runTimes{wall: 4 * time.Second, cpu: 4 * time.Second}
	if got, want := a.mean(b), (runTimes{wall: 3 * time.Second, cpu: 3500 * time.Millisecond}); got != want {
		t.Fatalf("mean = %+v, want %+v", got, want)
	}
}

func TestPairedRatioIsAboveOneWhenFasterAndBelowOneWhenCheaper(t *testing.T) {
	gopline := runTimes{wall: time.Second, cpu: 3 * time.Second}
	gst := runTimes{wall: 2 * time.Second, cpu: 4 * time.Second}
	speed, cpu := pairedRatio(gopline, gst)
	if speed != 2 || cpu != 0.75 {
		t.Fatalf("speed, cpu = %v, %v; want 2, 0.75", speed, cpu)
	}
}

func TestPairedRatioOfANonPositiveTimeIsNaN(t *testing.T) {
	one := runTimes{wall: 100 * time.Millisecond, cpu: 90 * time.Millisecond}
	whole := runTimes{wall: 90 * time.Millisecond, cpu: 95 * time.Millisecond}
	speed, cpu := pairedRatio(whole.minus(one), runTimes{wall: time.Second, cpu: time.Second})
	if !math.IsNaN(speed) {
		t.Errorf("speed from a negative time = %v, want NaN", speed)
	}
	if cpu != 0.005 {
		t.Errorf("cpu = %v, want 0.005", cpu)
	}
}

func TestSummariseTakesTheMedianAndRangeAndLeavesNaNOut(t *testing.T) {
	for _, c := range []struct {
		name   string
		values []float64
		want   roundStats
	}{
		{"odd", []float64{1.2, 0.9, 1.0}, roundStats{median: 1.0, low: 0.9, high: 1.2, n: 3}},
		{"even", []float64{4, 1, 3, 2}, roundStats{median: 2.5, low: 1, high: 4, n: 4}},
		{"with NaN", []float64{math.NaN(), 2, 1, math.NaN(), 3}, roundStats{median: 2, low: 1, high: 3, n: 3}},
		{"one", []float64{0.7}, roundStats{median: 0.7, low: 0.7, high: 0.7, n: 1}},
	} {
		if got := summarise(c.values); got != c.want {
			t.Errorf("%s: summarise(%v) = %+v, want %+v", c.name, c.values, got, c.want)
		}
	}
	none := summarise([]float64{math.NaN()})
	if none.n != 0 || !math.IsNaN(none.median) || !math.IsNaN(none.low) || !math.IsNaN(none.high) {
		t.Errorf("summarise of no value = %+v, want NaN figures and n 0", none)
	}
}

func TestRoundsMeetingNeedsBothAimsInTheSameRound(t *testing.T) {
	speed := []float64{1.02, 0.98, 1.10, 1.00, math.NaN()}
	cpu := []float64{0.97, 0.95, 1.03, 1.00, 0.90}
	if got := roundsMeeting(speed, cpu); got != 2 {
		t.Fatalf("roundsMeeting = %d, want 2 (rounds 0 and 3)", got)
	}
}
