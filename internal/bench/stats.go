package bench

import (
	"io"
	"math"
	"text/tabwriter"
	"time"
)

// Percentile returns the nearest-rank p-th percentile of sorted, 0 when it
// is empty.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// Millis is d in milliseconds, to a hundredth.
func Millis(d time.Duration) float64 { return math.Round(float64(d)/1e4) / 100 }

// Table returns the writer the studies print their tables with: columns
// aligned right, two spaces apart. Flush it at the end.
func Table(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
}
