package web

import (
	"testing"
	"time"
)

// A viewer's picture loss reports are answered at most once per
// pliInterval, and from the topic (its cached GOP) at most once per
// replayInterval; the answers between go to the encoder, and a viewer
// that stops reporting is answered from the topic again.
func TestPLIRuleAnswersOncePerIntervalAndReplaysOncePerReplayInterval(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	cases := []struct {
		name string
		at   []time.Duration // when each report arrives
		want []pliAnswer
	}{
		{"one report", []time.Duration{0}, []pliAnswer{pliFromTopic}},
		{"a browser's repeats while it waits", []time.Duration{0, ms(200), ms(400), ms(999)},
			[]pliAnswer{pliFromTopic, pliHeld, pliHeld, pliHeld}},
		{"a viewer that keeps losing", []time.Duration{0, ms(1000), ms(1500), ms(2000), ms(4000), ms(5000)},
			[]pliAnswer{pliFromTopic, pliFromEncoder, pliHeld, pliFromEncoder, pliFromEncoder, pliFromTopic}},
		{"reports far apart", []time.Duration{0, ms(5000), ms(12000)},
			[]pliAnswer{pliFromTopic, pliFromTopic, pliFromTopic}},
		{"a clock that steps back", []time.Duration{ms(10000), ms(2000), ms(2500), ms(3000), ms(7000)},
			[]pliAnswer{pliFromTopic, pliHeld, pliHeld, pliFromEncoder, pliFromTopic}},
	}
	start := time.Unix(1700000000, 0)
	for _, c := range cases {
		var r pliRule
		counts := map[pliAnswer]uint64{}
		for i, d := range c.at {
			if got := r.answer(start.Add(d)); got != c.want[i] {
				t.Errorf("%s: report %d at %v answered %v, want %v", c.name, i, d, got, c.want[i])
			}
			counts[c.want[i]]++
		}
		for _, a := range []pliAnswer{pliHeld, pliFromTopic, pliFromEncoder} {
			if r.count(a) != counts[a] {
				t.Errorf("%s: %d reports counted %v, want %d", c.name, r.count(a), a, counts[a])
			}
		}
	}
}

// However fast a viewer reports, the node answers a bounded number of
// its reports: one a second, one GOP replay per replayInterval.
func TestPLIRuleBoundsTheAnswersToAStormOfReports(t *testing.T) {
	start := time.Unix(1700000000, 0)
	var r pliRule
	span := 20 * time.Second
	for d := time.Duration(0); d < span; d += 10 * time.Millisecond {
		r.answer(start.Add(d))
	}
	if got, most := r.count(pliFromTopic)+r.count(pliFromEncoder), uint64(span/pliInterval); got > most {
		t.Errorf("%d answers in %v, want at most %d", got, span, most)
	}
	if got, most := r.count(pliFromTopic), uint64(span/replayInterval); got > most {
		t.Errorf("%d answers from the topic in %v, want at most %d", got, span, most)
	}
	if r.count(pliHeld) < 1900 {
		t.Errorf("%d reports held of 2000", r.count(pliHeld))
	}
}
