package elements

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// RecordSearch makes a recorder add the topics that appear while it runs,
// as ros2 bag record -a and -e keep discovering: a search runs every
// Interval, off the recorder's actor, and each topic it finds that the
// recording lacks is subscribed to and recorded, up to MaxStreams streams
// in all. The topic's window hands a subscriber that joins mid-GOP its
// packets from the next keyframe on (or from the cached GOP's, on a durable
// topic), so each stream added starts with a keyframe.
type RecordSearch struct {
	// Find returns the topics to record as of now (those recorded already
	// may come again), with who publishes each. It runs on a goroutine of
	// the recorder's, one call at a time, with a context that ends when the
	// recorder stops; it must return soon after.
	Find func(ctx context.Context) []FoundTopic
	// Interval is the pause between two searches (DefaultPollingInterval
	// when 0).
	Interval time.Duration
	// MaxStreams bounds the streams the recording takes, those of
	// RecordConfig.Topics included (DefaultMaxStreams when 0).
	MaxStreams int
}

// FoundTopic is a topic a search found.
type FoundTopic struct {
	Topic string
	// Remote is the host:port of the node to subscribe to, "" for a topic
	// of this process.
	Remote string
	// Publisher names who publishes it, for the log ("this node", "NAME at
	// ADDR").
	Publisher string
}

// DefaultPollingInterval is the pause between a recorder's searches for
// new topics, ros2 bag record's --polling-interval default. A search of
// other nodes reuses their listing for a while (discovery.Directory), so
// a short interval costs this process's topics only.
const DefaultPollingInterval = 100 * time.Millisecond

// DefaultMaxStreams bounds the streams a searching recorder takes: each is
// a subscription whose window holds up to RecordWindow packets, and a node
// that announces topics without end must not make the recorder spend
// memory without end.
const DefaultMaxStreams = 64

// topicAdmission decides which found topics a recording adds: those it
// does not record yet, while it has fewer than max streams. It is plain
// state; the recorder feeds it what each search found.
type topicAdmission struct {
	max     int
	taken   map[string]bool
	refused map[string]bool // turned away for the bound, told once each
}

// newTopicAdmission returns the admission of a recording that takes at most
// max streams and records topics already.
func newTopicAdmission(max int, topics []string) *topicAdmission {
	a := &topicAdmission{max: max, taken: map[string]bool{}, refused: map[string]bool{}}
	for _, t := range topics {
		a.taken[t] = true
	}
	return a
}

// admit returns, in the order found, the topics to add, and those the
// bound turns away that it had not turned away before.
func (a *topicAdmission) admit(found []FoundTopic) (add []FoundTopic, refused []string) {
	for _, f := range found {
		switch {
		case a.taken[f.Topic] || a.refused[f.Topic]:
		case len(a.taken) >= a.max:
			a.refused[f.Topic] = true
			refused = append(refused, f.Topic)
		default:
			a.taken[f.Topic] = true
			add = append(add, f)
		}
	}
	return add, refused
}

// poller runs a search on a goroutine of its own, one at a time, and
// holds the latest result for an actor to take (found).
type poller[T any] struct {
	found  chan T // at most one result waits
	cancel context.CancelFunc
	done   chan struct{}
}

// startPoller runs find now and every interval after the actor took its
// result, until stop.
func startPoller[T any](find func(context.Context) T, interval time.Duration) *poller[T] {
	ctx, cancel := context.WithCancel(context.Background())
	p := &poller[T]{found: make(chan T, 1), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		pause := time.NewTimer(0)
		defer pause.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-pause.C:
			}
			select {
			case p.found <- find(ctx):
			case <-ctx.Done():
				return
			}
			pause.Reset(interval)
		}
	}()
	return p
}

// stop ends the search and waits at most wait for it to return.
func (p *poller[T]) stop(wait time.Duration) bool {
	p.cancel()
	select {
	case <-p.done:
		return true
	case <-time.After(wait):
		return false
	}
}

// startSearch starts the recorder's search for new topics, when it has one.
func (r *recorder) startSearch() {
	s := r.cfg.Search
	if s == nil || s.Find == nil {
		return
	}
	interval := s.Interval
	if interval <= 0 {
		interval = DefaultPollingInterval
	}
	maxStreams := s.MaxStreams
	if maxStreams <= 0 {
		maxStreams = DefaultMaxStreams
	}
	r.admission = newTopicAdmission(maxStreams, r.cfg.Topics)
	r.poller = startPoller(s.Find, interval)
	var tick func() error
	tick = func() error {
		select {
		case found := <-r.poller.found:
			r.addFound(found)
		default:
		}
		if !r.stopping {
			r.env.After(interval, tick)
		}
		return nil
	}
	r.env.After(interval, tick)
}

// addFound records the topics a search found that the recording lacks.
func (r *recorder) addFound(found []FoundTopic) {
	if r.stopping {
		return
	}
	add, refused := r.admission.admit(found)
	for _, f := range add {
		if err := r.follow(f.Topic, f.Remote); err != nil {
			r.env.Log.Warn().Err(err).Str("topic", f.Topic).Msg("not recording a topic found: could not subscribe to it")
			continue
		}
		r.env.Log.Info().Str("topic", f.Topic).Str("publisher", f.Publisher).
			Msgf("recording %s, published by %s", f.Topic, f.Publisher)
	}
	if len(refused) > 0 {
		r.env.Log.Warn().Int("max_streams", r.admission.max).Strs("topics", refused[:min(len(refused), maxTopicsNamed)]).
			Int("left_out", len(refused)).
			Msgf("the recording has its maximum of %d streams: leaving out %s", r.admission.max, namedTopics(refused))
	}
}

// maxTopicsNamed is how many topics a warning names; it counts the rest.
const maxTopicsNamed = 5

// namedTopics names the first maxTopicsNamed of topics and counts the rest.
func namedTopics(topics []string) string {
	if len(topics) <= maxTopicsNamed {
		return strings.Join(topics, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(topics[:maxTopicsNamed], ", "), len(topics)-maxTopicsNamed)
}

// stopSearch ends the search, waiting for it at most a share of the stop
// timeout.
func (r *recorder) stopSearch() {
	if r.poller != nil && !r.poller.stop(haltGrace(r.env)) {
		r.env.Log.Warn().Msg("the search for new topics did not end within its share of the stop timeout")
	}
	r.poller = nil
}
