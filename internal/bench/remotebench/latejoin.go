package remotebench

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/internal/bench"
	"github.com/gopline/gopline/media/testsrc"
)

const (
	// JoinTimeout is how long a late joiner waits for its first picture
	// before it counts as lost: two GOPs and a second, as latejoin's
	// viewers wait. A joiner that the cache failed would still have met
	// two regular keyframes by then.
	JoinTimeout = 2*time.Duration(CameraGOP)*time.Second/CameraRate + time.Second
	// cacheFill passes between the camera's first picture and the first
	// join: a GOP and a frame, so that the topic's cache holds a GOP of
	// the camera's steady state.
	cacheFill = time.Duration(CameraGOP+1) * time.Second / CameraRate
	// maxReasons is how many lost joins a LateJoinResult explains.
	maxReasons = 3
)

// LateJoinResult is what the late-join run measured. The JSON names are
// those of the run's part of `gopline bench remote --json`, without the
// "latejoin_" prefix.
type LateJoinResult struct {
	// Joins is how many viewers joined.
	Joins int `json:"joins"`
	// P50, P95 and Max are the times from a viewer's Subscribe to its
	// first decoded picture, in milliseconds (nearest rank), of the joins
	// that had one.
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	Max float64 `json:"max_ms"`
	// FirstPacketP50 is the median time from the Subscribe to the first
	// delivery: the link's and the topic's part of P50, the rest being the
	// decoder's.
	FirstPacketP50 float64 `json:"first_packet_p50_ms"`
	// Replayed counts the joins whose first delivery was the topic's
	// cached GOP, replayed.
	Replayed int `json:"replayed"`
	// Lost counts the joins without a decoded first picture: none came
	// within JoinTimeout, the decoder reported an error before it, or the
	// frame number burned into the test pattern cannot be read from it.
	// Reasons says why, for the first few.
	Lost    int      `json:"lost"`
	Reasons []string `json:"reasons,omitempty"`
	// Seconds is how long the run took, the camera's start included.
	Seconds float64 `json:"seconds"`
}

// MeasureLateJoin lets cfg.Joins viewers join the camera of the node at
// addr (ServeCamera), one after another at random moments drawn from
// cfg.Seed (bench.JoinAtRandom: 50 to 150 ms apart), each
//
//	subscribe topic=/bench/camera remote=ADDR ! gate ! h264dec ! (first picture)
//
// taking the topic's offer, so that it is replayed the cached GOP. Each
// viewer leaves as soon as its first picture arrives, or after
// JoinTimeout. Before the joins a first viewer starts the camera, waits for
// its first picture and cacheFill more, and leaves: the joins meet the
// camera in its steady state, over a connection between the nodes that is
// already up.
//
// n must listen (gopline.WithListen); the viewers are pipelines on n that
// log to log. MeasureLateJoin fails when the first viewer gets no picture
// within FirstPacketTimeout, or ctx ends.
func MeasureLateJoin(ctx context.Context, n *gopline.Node, addr string, cfg Config, log zerolog.Logger) (LateJoinResult, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return LateJoinResult{}, err
	}
	start := time.Now()
	view := bench.ViewerConfig{Topic: CameraTopic, Remote: addr, Log: log}
	if err := warmUp(ctx, n, view); err != nil {
		return LateJoinResult{}, err
	}
	joins := make([]lateJoin, cfg.Joins)
	err := bench.JoinAtRandom(ctx, bench.Schedule{Joins: cfg.Joins, Seed: cfg.Seed}, func(i int) {
		joins[i] = joinOnce(ctx, n, view, log)
	})
	if err != nil {
		return LateJoinResult{}, err
	}
	res := newLateJoinResult(joins)
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// warmUp starts the camera with a viewer of its own, which waits for its
// first picture and for cacheFill, and leaves.
func warmUp(ctx context.Context, n *gopline.Node, view bench.ViewerConfig) error {
	v, err := bench.StartViewer(ctx, n, view)
	if err != nil {
		return fmt.Errorf("remotebench: %w", err)
	}
	wctx, cancel := context.WithTimeout(ctx, FirstPacketTimeout)
	_, err = v.Wait(wctx)
	cancel()
	if err == nil {
		err = bench.Sleep(ctx, cacheFill)
	} else {
		err = fmt.Errorf("remotebench: %s: no picture within %v: %w", CameraTopic, FirstPacketTimeout, err)
	}
	if serr := v.Stop(); err == nil && serr != nil {
		err = fmt.Errorf("remotebench: stopping the first viewer: %w", serr)
	}
	return err
}

// lateJoin is one viewer's join.
type lateJoin struct {
	// wait is from the Subscribe to the first picture, firstPacket to the
	// first delivery; replayed: that delivery was the cache's.
	wait, firstPacket time.Duration
	replayed          bool
	// lost says why the join has no decoded first picture, "" if it has.
	lost string
}

// joinOnce runs one viewer up to its first picture.
func joinOnce(ctx context.Context, n *gopline.Node, view bench.ViewerConfig, log zerolog.Logger) lateJoin {
	v, err := bench.StartViewer(ctx, n, view)
	if err != nil {
		return lateJoin{lost: "no viewer: " + err.Error()}
	}
	wctx, cancel := context.WithTimeout(ctx, JoinTimeout)
	pic, err := v.Wait(wctx)
	cancel()
	if serr := v.Stop(); serr != nil {
		log.Warn().Err(serr).Msg("stopping a viewer")
	}
	if err != nil {
		return lateJoin{lost: "no picture: " + err.Error()}
	}
	j := lateJoin{wait: pic.Wait(), firstPacket: pic.Delivered.Sub(pic.Subscribed), replayed: pic.First.Replay.Replayed}
	if pic.DecoderErrors > 0 {
		j.lost = fmt.Sprintf("the decoder reported %d errors", pic.DecoderErrors)
	} else if _, ok := testsrc.ReadFrameNumber(pic.Frame); !ok {
		j.lost = fmt.Sprintf("the frame number cannot be read from the first picture (Seq %d)", pic.Frame.Seq)
	}
	return j
}

func newLateJoinResult(joins []lateJoin) LateJoinResult {
	res := LateJoinResult{Joins: len(joins)}
	var waits, firsts []time.Duration
	for _, j := range joins {
		if j.replayed {
			res.Replayed++
		}
		if j.lost != "" {
			res.Lost++
			if len(res.Reasons) < maxReasons {
				res.Reasons = append(res.Reasons, j.lost)
			}
			continue
		}
		waits, firsts = append(waits, j.wait), append(firsts, j.firstPacket)
	}
	slices.Sort(waits)
	slices.Sort(firsts)
	res.P50, res.P95 = bench.Millis(bench.Percentile(waits, 50)), bench.Millis(bench.Percentile(waits, 95))
	if len(waits) > 0 {
		res.Max = bench.Millis(waits[len(waits)-1])
	}
	res.FirstPacketP50 = bench.Millis(bench.Percentile(firsts, 50))
	return res
}
