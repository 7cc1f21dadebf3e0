package pipeline

import (
	"testing"
	"time"
)

// The latency histogram reads a quantile within its bucket's width (19%)
// above the true value, and counts anything older than about an hour as
// LatencyMaxMs.
func TestLatencyHistogram(t *testing.T) {
	var h histogram
	if h.quantile(0.5) != 0 {
		t.Errorf("empty: %v", h.quantile(0.5))
	}
	for range 9 {
		h.add(10 * time.Millisecond)
	}
	h.add(2 * time.Hour)
	if p50 := h.quantile(0.5); p50 < 10 || p50 > 10*1.19 {
		t.Errorf("p50 %v ms, want 10 to 11.9", p50)
	}
	if p99 := h.quantile(0.99); p99 != LatencyMaxMs || LatencyMaxMs < 3.5e6 || LatencyMaxMs > 3.7e6 {
		t.Errorf("p99 %v ms of an item 2 h old, want LatencyMaxMs (%v, about an hour)", p99, LatencyMaxMs)
	}
}
