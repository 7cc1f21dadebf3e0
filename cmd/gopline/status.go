package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/gopline/gopline/pipeline"
)

// statusInterval is how often the live status line is redrawn.
const statusInterval = 500 * time.Millisecond

// maxStatusWidth bounds the status line so that it stays one line on a
// terminal.
const maxStatusWidth = 150

// statusText is the live status of a running pipeline: for each node that
// takes items in from outside or hands them on as bytes (sources,
// encoders, subscribers, players, recorders), its items, their rate over
// the last interval and its bytes; then the drops and errors of all nodes.
// before is the previous snapshot (nil at first).
func statusText(now, before []pipeline.NodeStats, interval time.Duration, sources func(string) bool) string {
	prev := map[string]pipeline.NodeStats{}
	for _, s := range before {
		prev[s.Node] = s
	}
	var parts []string
	var dropped, errs uint64
	for _, s := range now {
		dropped += s.Dropped
		errs += s.Errors
		count := s.Out
		if s.Element == "record" {
			count = s.In
		}
		if !(sources(s.Element) || s.Bytes > 0 || s.Element == "record") {
			continue
		}
		fps := 0.0
		if interval > 0 {
			fps = float64(count-min(count, itemsOf(prev[s.Node]))) / interval.Seconds()
		}
		part := fmt.Sprintf("%s %d (%.1f/s)", s.Node, count, fps)
		if s.Bytes > 0 {
			part += " " + byteSize(s.Bytes)
		}
		parts = append(parts, part)
	}
	line := strings.Join(parts, " | ") + fmt.Sprintf(" | dropped %d, errors %d", dropped, errs)
	if len(line) > maxStatusWidth {
		line = line[:maxStatusWidth-3] + "..."
	}
	return line
}

// itemsOf is what statusText counts of a node.
func itemsOf(s pipeline.NodeStats) uint64 {
	if s.Element == "record" {
		return s.In
	}
	return s.Out
}

// statusLine redraws a pipeline's status in place on a terminal until
// stopped; it writes nothing to anything else.
type statusLine struct {
	w     io.Writer
	stats func() []pipeline.NodeStats
	every time.Duration
	width int // of the line drawn last, to clear it
	stop  context.CancelFunc
	done  sync.WaitGroup
}

// startStatus starts a live line on w, redrawn every interval from stats,
// or nothing when w is nil.
func startStatus(w io.Writer, stats func() []pipeline.NodeStats, every time.Duration) *statusLine {
	s := &statusLine{w: w, stats: stats, every: every}
	if w == nil {
		return s
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	s.done.Add(1)
	go s.loop(ctx)
	return s
}

func (s *statusLine) loop(ctx context.Context) {
	defer s.done.Done()
	t := time.NewTicker(s.every)
	defer t.Stop()
	var before []pipeline.NodeStats
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			snap := s.stats()
			s.draw(statusText(snap, before, now.Sub(last), isSource))
			before, last = snap, now
		}
	}
}

func (s *statusLine) draw(line string) {
	fmt.Fprintf(s.w, "\r%-*s", s.width, line)
	s.width = len(line)
}

// close stops the line and erases it, leaving the cursor at its start.
func (s *statusLine) close() {
	if s.stop == nil {
		return
	}
	s.stop()
	s.done.Wait()
	if s.width > 0 {
		fmt.Fprintf(s.w, "\r%*s\r", s.width, "")
	}
}

// liveOutput is where the live status goes: stderr when it is a terminal
// and quiet is off, else nowhere (nil).
func liveOutput(stderr io.Writer, quiet bool) io.Writer {
	if quiet || !isTerminal(stderr) {
		return nil
	}
	return stderr
}
