package main

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/gopline/gopline/storage/export"
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
	phase       export.Phase             // an MP4 export scans its keyframes before it writes
	bar         *progressbar.ProgressBar // made at the first update, which knows the total
}

func newProgressBar(stderr io.Writer, quiet bool, label, unit string) *progressBar {
	if quiet || !isTerminal(stderr) {
		return &progressBar{}
	}
	return &progressBar{w: stderr, label: label, unit: unit}
}

// update shows done of total; it is the progress of the PNG export.
func (b *progressBar) update(done, total int) {
	if b.w == nil || total <= 0 {
		return
	}
	if b.bar == nil {
		desc := b.label
		if b.phase != export.Writing {
			desc += ": " + b.phase.String()
		}
		b.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(b.w), progressbar.OptionSetDescription(desc+" ("+b.unit+")"),
			progressbar.OptionShowCount(), progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(progressInterval), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
	}
	if b.bar.GetMax() != total {
		b.bar.ChangeMax(total)
	}
	b.bar.Set(done)
}

// step shows done of total of an export's phase; it is the progress of
// the MP4 and MCAP exports. Each phase has a bar of its own, which names
// a phase other than writing (an MP4's scan of its keyframes).
func (b *progressBar) step(phase export.Phase, done, total int) {
	if phase != b.phase {
		b.clear()
		b.phase = phase
	}
	b.update(done, total)
}

// clear erases the bar's line, leaving the cursor at its start.
func (b *progressBar) clear() {
	if b.bar != nil {
		b.bar.Clear()
		b.bar = nil
	}
}
