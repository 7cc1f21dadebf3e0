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
// takes items in from outside, hands them on as bytes or to a topic
// (sources, encoders, subscribers, players, publishers, recorders), its
// topics when topics names them, its items, their rate over the last
// interval and its bytes; then the drops and errors of all nodes. before
// is the previous snapshot (nil at first).
func statusText(now, before []pipeline.NodeStats, interval time.Duration, sources func(string) bool, topics map[string]string) string {
	prev := map[string]pipeline.NodeStats{}
	for _, s := range before {
		prev[s.Node] = s
	}
	var parts []string
	var dropped, errs uint64
	for _, s := range now {
		dropped += s.Dropped
		errs += s.Errors
		count := itemsOf(s)
		if !(sources(s.Element) || s.Bytes > 0 || takesIn(s.Element)) {
			continue
		}
		fps := 0.0
		if interval > 0 {
			fps = float64(count-min(count, itemsOf(prev[s.Node]))) / interval.Seconds()
		}
		label := s.Node
		if t := topics[s.Node]; t != "" {
			label += " " + t
		}
		part := fmt.Sprintf("%s %d (%.1f/s)", label, count, fps)
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
	if takesIn(s.Element) {
		return s.In
	}
	return s.Out
}

// takesIn reports whether statusText counts what element takes in: the
// sinks that hand items on out of the pipeline, to a topic or a file.
func takesIn(element string) bool {
	return element == "record" || element == "publish"
}

// lineTopics names, by node, the topics of a pipeline line's publish and
// subscribe (topic=) and record (topics=) nodes; a line that does not
// parse names none (parseLine reports it).
func lineTopics(line string) map[string]string {
	return lineProps(line, func(element, key string) bool {
		return key == "topic" || key == "topics" && element == "record"
	})
}

// statusLine redraws a pipeline's status in place on a terminal until
// stopped; it writes nothing to anything else.
type statusLine struct {
	w      io.Writer
	stats  func() []pipeline.NodeStats
	topics map[string]string // by node, see statusText
	every  time.Duration
	width  int // of the line drawn last, to clear it
	stop   context.CancelFunc
	done   sync.WaitGroup
}

// startStatus starts a live line on w, redrawn every interval from stats
// with the nodes' topics, or nothing when w is nil.
func startStatus(w io.Writer, stats func() []pipeline.NodeStats, topics map[string]string, every time.Duration) *statusLine {
	s := &statusLine{w: w, stats: stats, topics: topics, every: every}
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
			s.draw(statusText(snap, before, now.Sub(last), isSource, s.topics))
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
