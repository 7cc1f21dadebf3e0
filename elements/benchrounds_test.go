package elements

import (
	"math"
	"slices"
	"time"
)

// runTimes is what one run of a process took: wall clock, and CPU time
// (user and system, all its threads).
type runTimes struct{ wall, cpu time.Duration }

// faster keeps, of t and u, the smaller wall clock and the smaller CPU time
// (each may come from a different run); the zero runTimes is no run yet.
func (t runTimes) faster(u runTimes) runTimes {
	if t.wall == 0 || u.wall < t.wall {
		t.wall = u.wall
	}
	if t.cpu == 0 || u.cpu < t.cpu {
		t.cpu = u.cpu
	}
	return t
}

// mean is the mean of two runs' times.
func (t runTimes) mean(u runTimes) runTimes {
	return runTimes{wall: (t.wall + u.wall) / 2, cpu: (t.cpu + u.cpu) / 2}
}

// minus is the time of the work that the run t did and the run u did not:
// a whole clip less the clip of one frame, which leaves out the start-up.
func (t runTimes) minus(u runTimes) runTimes {
	return runTimes{wall: t.wall - u.wall, cpu: t.cpu - u.cpu}
}

// pairedRatio is how much faster a is than b by wall clock (b's time over
// a's, above 1 when a is faster) and how much CPU a uses against b (a's CPU
// over b's, below 1 when a uses less), for two measurements of the same
// work taken in the same round. A ratio whose times are not both positive
// (start-up excluded, the machine's noise can swallow a short job whole)
// is NaN.
func pairedRatio(a, b runTimes) (speed, cpu float64) {
	speed, cpu = math.NaN(), math.NaN()
	if a.wall > 0 && b.wall > 0 {
		speed = b.wall.Seconds() / a.wall.Seconds()
	}
	if a.cpu > 0 && b.cpu > 0 {
		cpu = a.cpu.Seconds() / b.cpu.Seconds()
	}
	return speed, cpu
}

// roundStats summarises a figure measured once in each round: the median of
// the rounds and their range. A ratio of two tools taken in the same round
// (the tools alternate within it) meets the same load on both sides, so its
// median moves far less from one session to the next than a ratio of the
// fastest runs of each tool, which may come from different moments.
type roundStats struct {
	median, low, high float64
	n                 int // rounds that gave a value (NaN ones are left out)
}

// summarise returns the roundStats of values, leaving NaN out. With no
// value left, every figure is NaN and n is 0.
func summarise(values []float64) roundStats {
	var v []float64
	for _, x := range values {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return roundStats{median: math.NaN(), low: math.NaN(), high: math.NaN()}
	}
	slices.Sort(v)
	mid := len(v) / 2
	median := v[mid]
	if len(v)%2 == 0 {
		median = (v[mid-1] + v[mid]) / 2
	}
	return roundStats{median: median, low: v[0], high: v[len(v)-1], n: len(v)}
}

// meetsAim reports whether a round's paired ratios (pairedRatio's) meet
// the encode job's aim: at least its anchor's frames/s at no more than its
// CPU. A NaN in either does not.
func meetsAim(speed, cpu float64) bool { return speed >= 1 && cpu <= 1 }

// roundsMeeting counts the rounds i whose speed[i] and cpu[i] meet the aim
// together.
func roundsMeeting(speed, cpu []float64) int {
	n := 0
	for i := range min(len(speed), len(cpu)) {
		if meetsAim(speed[i], cpu[i]) {
			n++
		}
	}
	return n
}
