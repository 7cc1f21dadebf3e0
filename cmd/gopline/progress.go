package main

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progressInterval is the shortest time between two redraws of the progress
// bar: ten a second look smooth and cost nothing.
const progressInterval = 100 * time.Millisecond

// progressBar draws an export's progress on a terminal, with an estimate
// of the time left, redrawn in place at most every progressInterval. On
// anything else, or with --quiet, it draws nothing.
type progressBar struct {
	w           io.Writer
	label, unit string
	bar         *progressbar.ProgressBar // made at the first update, which knows the total
}

func newProgressBar(stderr io.Writer, quiet bool, label, unit string) *progressBar {
	if quiet || !isTerminal(stderr) {
		return &progressBar{}
	}
	return &progressBar{w: stderr, label: label, unit: unit}
}

// update shows done of total; it is the progress callback of the exports.
func (b *progressBar) update(done, total int) {
	if b.w == nil || total <= 0 {
		return
	}
	if b.bar == nil {
		b.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(b.w), progressbar.OptionSetDescription(b.label+" ("+b.unit+")"),
			progressbar.OptionShowCount(), progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(progressInterval), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
	}
	if b.bar.GetMax() != total {
		b.bar.ChangeMax(total)
	}
	b.bar.Set(done)
}

// clear erases the bar's line, leaving the cursor at its start.
func (b *progressBar) clear() {
	if b.bar != nil {
		b.bar.Clear()
		b.bar = nil
	}
}
