package web

import (
	"testing"
	"time"
)

func TestSendBucketPacesWritesToTheRate(t *testing.T) {
	t0 := time.Unix(1000, 0)
	const rate = 800_000 // 100 000 bytes/s: a 1000-byte packet a 10 ms
	type step struct {
		at   time.Duration // after t0
		n    int
		rate int
		want time.Duration
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"a first packet goes at once", []step{{0, 1000, rate, 0}}},
		{"the burst goes at once, then each packet waits for its bytes", []step{
			{0, 1000, rate, 0}, {0, 1000, rate, 0}, {0, 1000, rate, 0}, // 2400 bytes of burst (two packets of rtpMTU)
			{0, 1000, rate, 6 * time.Millisecond}, // 600 in debt: 6 ms at 100 000 bytes/s
		}},
		{"a pause refills the bucket up to its burst, no more", []step{
			{0, 2400, rate, 0}, {time.Second, 2400, rate, 0}, {time.Second, 1000, rate, 0}, {time.Second, 1000, rate, 10 * time.Millisecond},
		}},
		{"no rate paces nothing", []step{{0, 100_000, 0, 0}, {0, 100_000, 0, 0}}},
		{"a lower rate waits longer", []step{{0, 2400, rate, 0}, {0, 1000, rate / 10, 0}, {0, 1000, rate / 10, 100 * time.Millisecond}}},
		{"a clock that steps back refills nothing", []step{{time.Second, 3400, rate, 0}, {0, 1000, rate, 10 * time.Millisecond}}}, // 1000 in debt
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b sendBucket
			for i, s := range c.steps {
				got := b.take(t0.Add(s.at), s.n, s.rate)
				if d := got - s.want; d > time.Microsecond || d < -time.Microsecond {
					t.Fatalf("step %d: wait %v, want %v", i, got, s.want)
				}
			}
		})
	}
}

func TestSendBucketKeepsALongRunToTheRate(t *testing.T) {
	var b sendBucket
	now := time.Unix(1000, 0)
	const rate, n, packets = 1_000_000, 1200, 1000
	start := now
	for i := 0; i < packets; i++ {
		now = now.Add(b.take(now, n, rate)) // the writer sleeps, then sends
	}
	got := float64(n*packets*8) / now.Sub(start).Seconds()
	if got > rate*1.01 || got < rate*0.99 {
		t.Errorf("sent %.0f bit/s over %v, want %d within 1%%", got, now.Sub(start), rate)
	}
}

// A viewer is paced once it sends feedback: at burstPace times its
// estimate while the estimate carries the stream, at its estimate when it
// falls short.
func TestPaceRateIsTheEstimateOnceTheViewerSendsFeedbackAndBurstsWhenItCarriesTheStream(t *testing.T) {
	cases := []struct {
		estimate          int
		feedback, carries bool
		want              int
	}{
		{2_000_000, true, false, 2_000_000},
		{2_000_000, true, true, 5_000_000},
		{2_000_000, false, false, 0},
		{2_000_000, false, true, 0},
		{5_000, true, false, minPaceRate},
		{5_000, true, true, minPaceRate},
		{initialEstimate, true, false, initialEstimate},
	}
	for _, c := range cases {
		if got := paceRate(c.estimate, c.feedback, c.carries); got != c.want {
			t.Errorf("paceRate(%d, %v, %v) = %d, want %d", c.estimate, c.feedback, c.carries, got, c.want)
		}
	}
}

func TestEstimateShortOfTheStreamWithHeadroomToResume(t *testing.T) {
	cases := []struct {
		estimate int
		stream   float64
		thin     bool
		want     bool
	}{
		{900_000, 1_000_000, false, true},
		{1_000_000, 1_000_000, false, false},
		{1_100_000, 1_000_000, true, true}, // thinned: not yet 25% above
		{1_250_000, 1_000_000, true, false},
		{10_000, 0, false, false}, // a stream of unknown rate
		{10_000, 0, true, false},
	}
	for _, c := range cases {
		if got := estimateShort(c.estimate, c.stream, c.thin); got != c.want {
			t.Errorf("estimateShort(%d, %.0f, thin %v) = %v, want %v", c.estimate, c.stream, c.thin, got, c.want)
		}
	}
}

func TestAnEstimateBelowTheStreamThinsTheViewerUntilItHasHeadroom(t *testing.T) {
	const stream = 1_000_000
	t0 := time.Unix(1000, 0)
	cases := []struct {
		name      string
		estimates []int // one a second from t0
		want      []paceChange
	}{
		{"an estimate above the stream changes nothing", []int{2e6, 2e6, 2e6, 2e6}, []paceChange{paceSame, paceSame, paceSame, paceSame}},
		{"two seconds short are a dip", []int{5e5, 5e5, 2e6, 5e5, 5e5}, []paceChange{paceSame, paceSame, paceSame, paceSame, paceSame}},
		{"three seconds short thin the viewer", []int{5e5, 5e5, 5e5}, []paceChange{paceSame, paceSame, paceThin}},
		{"just above the stream is not enough to resume", []int{5e5, 5e5, 5e5, 1.1e6, 1.1e6, 1.1e6, 1.1e6, 1.1e6, 1.1e6, 1.1e6},
			[]paceChange{paceSame, paceSame, paceThin, paceSame, paceSame, paceSame, paceSame, paceSame, paceSame, paceSame}},
		{"a quarter above for three seconds resumes after the hold", []int{5e5, 5e5, 5e5, 2e6, 2e6, 2e6, 2e6, 2e6, 2e6, 2e6},
			[]paceChange{paceSame, paceSame, paceThin, paceSame, paceSame, paceSame, paceSame, paceFull, paceSame, paceSame}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p lossPacer
			for i, e := range c.estimates {
				if got := p.estimated(t0.Add(time.Duration(i)*time.Second), e, stream); got != c.want[i] {
					t.Fatalf("second %d, estimate %d: %v, want %v", i, e, got, c.want[i])
				}
			}
		})
	}
}
