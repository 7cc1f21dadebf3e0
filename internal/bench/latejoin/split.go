package latejoin

import (
	"slices"
	"time"

	"github.com/gopline/gopline/internal/bench"
)

// Split is where a mode's time to the first picture went, in milliseconds
// at p50 and p95 (nearest rank) over the joins that got a picture, as the
// viewer's decoder stage timed itself (bench.FirstPicture).
type Split struct {
	// ToDecoder is from the Subscribe to the first packet at the decoder
	// stage: the topic, and the hops through subscribe and gate.
	ToDecoder [2]float64
	// Working is the decoder stage's time on packets, up to and with the
	// one that gave the picture; Waiting the time it had no packet to
	// work on in between (the packets still on their way through the
	// viewer's nodes).
	Working, Waiting [2]float64
	// ToSink is from the decoder handing on the picture to the picture
	// reaching the viewer's sink.
	ToSink [2]float64
}

func split(joins []Join) Split {
	var to, work, wait, sink []time.Duration
	for _, j := range joins {
		p := j.Picture
		if j.Err != nil || p.DecoderDone.IsZero() {
			continue
		}
		to = append(to, p.DecoderFirst.Sub(p.Subscribed))
		work = append(work, p.DecoderBusy)
		wait = append(wait, p.DecoderDone.Sub(p.DecoderFirst)-p.DecoderBusy)
		sink = append(sink, p.At.Sub(p.DecoderDone))
	}
	pct := func(d []time.Duration) [2]float64 {
		slices.Sort(d)
		return [2]float64{bench.Millis(bench.Percentile(d, 50)), bench.Millis(bench.Percentile(d, 95))}
	}
	return Split{ToDecoder: pct(to), Working: pct(work), Waiting: pct(wait), ToSink: pct(sink)}
}
