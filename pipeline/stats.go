package pipeline

import (
	"maps"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// NodeStats is a snapshot of one node's counters.
type NodeStats struct {
	Node    string `json:"node"`
	Element string `json:"element"`
	// In counts items received, Out items emitted.
	In  uint64 `json:"in"`
	Out uint64 `json:"out"`
	// Dropped counts items dropped on purpose: a live source's frames that
	// came while the pipeline was busy, a gate waiting for a keyframe, the
	// items that came to a node after its chain ended (Final).
	Dropped uint64 `json:"dropped"`
	// Errors counts items a stage failed on (a damaged packet, say), and
	// its failed Stop (a recording it could not close).
	Errors uint64 `json:"errors"`
	// Restarts counts the times the node's stream started again: after a
	// panic, with the stage made anew, or when a source opened its stream
	// again after it dropped (a camera reconnected, Env.Restarted).
	Restarts uint64 `json:"restarts"`
	// Panics counts the restarts that followed a panic: a failure of the
	// stage, where a source's reconnection is not.
	Panics uint64 `json:"panics,omitempty"`
	// Bytes counts the payload of packets emitted (encoders, subscribers).
	Bytes uint64 `json:"bytes"`
	// LatencyP50 and LatencyP99 are, over the items this node handled, the
	// age of each item (now minus its capture time) when the node was done
	// with it, in milliseconds; 0 when no item carried a capture time.
	LatencyP50 float64 `json:"latency_p50_ms"`
	LatencyP99 float64 `json:"latency_p99_ms"`
	// Skipped counts, by reason, what the stage left out of its input
	// (Env.Skipped): a source's undecodable packets, say. Nil when nothing
	// was.
	Skipped map[string]uint64 `json:"skipped,omitempty"`
	// LastError is the latest of the errors Errors counts, "" for none: what
	// a summary can say the node failed on.
	LastError string `json:"last_error,omitempty"`
	// Err is the same error, for errors.Is and errors.As; nil for none.
	Err error `json:"-"`
	// Elapsed is the time from the pipeline's start to this snapshot.
	Elapsed time.Duration `json:"-"`
}

// FPS is items out per second over the snapshot's elapsed time, or items in
// for sinks.
func (s NodeStats) FPS() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	n := s.Out
	if n == 0 {
		n = s.In
	}
	return float64(n) / s.Elapsed.Seconds()
}

// nodeStats are a node's live counters. The node's actor writes them; any
// goroutine may read them. They outlive restarts of the actor.
type nodeStats struct {
	in, out, dropped, errors, restarts, panics, bytes atomic.Uint64
	latency                                           histogram

	mu      sync.Mutex
	skipped map[string]uint64
	lastErr error
}

// failed counts an error of the stage and keeps it as the latest.
func (s *nodeStats) failed(err error) {
	s.errors.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastErr = err
}

func (s *nodeStats) skip(reason string, n uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.skipped == nil {
		s.skipped = map[string]uint64{}
	}
	s.skipped[reason] += n
}

// errText is err's message, "" for none.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (s *nodeStats) snapshot(name, element string, elapsed time.Duration) NodeStats {
	s.mu.Lock()
	skipped, lastErr := maps.Clone(s.skipped), s.lastErr
	s.mu.Unlock()
	return NodeStats{
		Node: name, Element: element,
		In: s.in.Load(), Out: s.out.Load(), Dropped: s.dropped.Load(), Errors: s.errors.Load(),
		Restarts: s.restarts.Load(), Panics: s.panics.Load(), Bytes: s.bytes.Load(),
		LatencyP50: s.latency.quantile(0.50), LatencyP99: s.latency.quantile(0.99),
		Skipped: skipped, LastError: errText(lastErr), Err: lastErr, Elapsed: elapsed,
	}
}

// histogram counts durations in buckets a quarter of a power of two wide,
// from 1 µs to about 70 minutes; quantiles are read as a bucket's upper edge
// (within 19% of the true value). Safe for one writer and many readers.
type histogram struct {
	buckets [histBuckets]atomic.Uint64
}

const histBuckets = 4 * 32

// LatencyMaxMs is the largest latency, in milliseconds, NodeStats tells
// apart (about an hour): an item older than it (a recorded capture time,
// played with keep-time) counts as this old.
var LatencyMaxMs = math.Exp2(float64(histBuckets-1)/4) / 1000

func (h *histogram) add(d time.Duration) {
	us := float64(d) / float64(time.Microsecond)
	i := 0
	if us > 1 {
		i = min(int(math.Ceil(4*math.Log2(us))), histBuckets-1)
	}
	h.buckets[i].Add(1)
}

// quantile returns the q-quantile in milliseconds, 0 when empty.
func (h *histogram) quantile(q float64) float64 {
	var counts [histBuckets]uint64
	var total uint64
	for i := range h.buckets {
		counts[i] = h.buckets[i].Load()
		total += counts[i]
	}
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(total)))
	var seen uint64
	for i, c := range counts {
		seen += c
		if seen >= rank {
			return math.Exp2(float64(i)/4) / 1000
		}
	}
	return math.Exp2(float64(histBuckets-1)/4) / 1000
}
