package main

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/pipeline"
)

// firstPacketPoll is how often a recording's --duration looks for its first
// packet.
const firstPacketPoll = 20 * time.Millisecond

// fromFirstPacket returns ctx ended, besides, duration after recorded first
// reports true, as ffmpeg's -t counts the length of its output: a recording
// of a remote topic is not short by the time its node took to be found and
// its subscription to reach a keyframe. When nothing was recorded duration
// after the start, it ends then, which a run that recorded nothing fails.
// recorded is asked only once begin was called (the pipeline whose
// counters it reads has started).
func fromFirstPacket(ctx context.Context, duration time.Duration, recorded func() bool) (_ context.Context, cancel context.CancelFunc, begin func()) {
	ctx, cancel = context.WithCancel(ctx)
	begun := make(chan struct{})
	go func() {
		defer cancel()
		limit := time.NewTimer(duration)
		defer limit.Stop()
		select {
		case <-ctx.Done():
			return
		case <-limit.C:
			return
		case <-begun:
		}
		poll := time.NewTicker(firstPacketPoll)
		defer poll.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-limit.C:
				return
			case <-poll.C:
				if recorded() {
					poll.Stop()
					limit.Reset(duration)
				}
			}
		}
	}()
	var once sync.Once
	return ctx, cancel, func() { once.Do(func() { close(begun) }) }
}

// recorderStarted reports whether the node named recorder of p has taken
// a packet.
func recorderStarted(p *pipeline.Pipeline, recorder string) func() bool {
	return func() bool {
		for _, s := range p.Stats() {
			if s.Node == recorder {
				return s.In > 0
			}
		}
		return false
	}
}

// runRecordingUntilDone is runUntilDone for gopline record, whose duration
// counts from the first packet its recorder took (fromFirstPacket).
func runRecordingUntilDone(n *gopline.Node, p *pipeline.Pipeline, duration time.Duration, live io.Writer, topics map[string]string) ([]pipeline.NodeStats, runEnd) {
	if duration <= 0 {
		return runUntilDone(n, p, 0, live, topics)
	}
	ctx, stop := stopContext(0)
	defer stop()
	ctx, cancel, begin := fromFirstPacket(ctx, duration, recorderStarted(p, "recorder"))
	defer cancel()
	ctx, leave := leavingOnStop(ctx, n)
	defer leave()
	return runUntilStarted(ctx, p, live, topics, begin)
}
