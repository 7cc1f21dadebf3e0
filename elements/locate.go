package elements

import (
	"context"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/pipeline"
)

// noPublisherWait is how long a subscriber (or topic recorder) waits for
// its first packet before it looks for its topic's publisher and, when
// there is none, says so: long enough for a publisher that starts beside
// it, short enough that a typo is seen at once.
const noPublisherWait = 3 * time.Second

// topicBroker returns what a subscriber of topic subscribes through, and
// the address of the node it is at ("" for this process): the topic of
// the node at remote when given; else that of the one other node that
// publishes it when this process does not (transport.Bus.Locate); else
// this process's.
func topicBroker(env *pipeline.Env, topic, remote string) (*actor.PID, string, error) {
	if remote == "" {
		addr, err := env.Bus.Locate(topic)
		if err != nil {
			return nil, "", err
		}
		if addr != "" {
			env.Log.Info().Str("topic", topic).Str("remote", addr).Msg("subscribing to the topic of the node that publishes it")
		}
		remote = addr
	}
	if remote != "" {
		pid, err := env.Bus.RemoteTopic(remote, topic)
		return pid, remote, err
	}
	pid, err := env.Bus.Topic(topic)
	return pid, "", err
}

// checkPublished warns, at most once, when topic (of the node at remote,
// or of this process and the nodes found when remote is "") has no
// publisher, or the subscription's events or the listing say why nothing
// came (silence holds the events): a subscriber that got nothing after
// noPublisherWait calls it.
func checkPublished(env *pipeline.Env, silence Silence) {
	silence.Published, silence.Unlisted = env.Bus.Published(silence.Remote)
	if why := silence.Warning(); why != "" {
		env.Log.Warn().Str("topic", silence.Topic).Msg(why)
	}
}

// relookInterval is how often a subscriber that found no publisher of its
// topic when it subscribed (none in this process, no other node) looks
// again: a node that starts later on the host is found at the next look
// (discovery.Directory spaces its queries of the network itself).
const relookInterval = time.Second

// located is what a look for a topic's publisher found: the address of the
// other node that publishes it ("" for none), or why it cannot tell (two
// nodes publish it).
type located struct {
	addr string
	err  error
}

// publisherSearch looks, off the actor, for another node that publishes a
// topic whose subscriber has subscribed to this process's topic, where no
// publisher was: as a ROS 2 subscriber that starts before its publisher,
// the subscription goes to the publisher found, however late it starts.
// It is the subscriber's, used on its actor.
type publisherSearch struct {
	env     *pipeline.Env
	topic   string
	poller  *poller[located]
	stopped bool
	told    bool // an answer naming two nodes was warned of
}

// searchPublisher looks for topic's publisher every relookInterval while
// waiting says the subscriber waits for one, and calls move, on the actor,
// with the address of the node found.
func searchPublisher(env *pipeline.Env, topic string, waiting func() bool, move func(addr string) error) *publisherSearch {
	s := &publisherSearch{env: env, topic: topic}
	s.poller = startPoller(func(context.Context) located {
		addr, err := env.Bus.Locate(topic)
		return located{addr, err}
	}, relookInterval)
	var tick func() error
	tick = func() error {
		if s.stopped {
			return nil
		}
		if !waiting() {
			s.stop()
			return nil
		}
		select {
		case l := <-s.poller.found:
			if l.err != nil && !s.told {
				s.told = true
				env.Log.Warn().Err(l.err).Str("topic", topic).Msg("looking for the topic's publisher")
			}
			if l.addr != "" {
				s.stop()
				return move(l.addr)
			}
		default:
		}
		env.After(relookInterval, tick)
		return nil
	}
	env.After(relookInterval, tick)
	return s
}

// stop ends the search; a look under way ends by itself (the Resolver
// bounds it), and wait waits for it.
func (s *publisherSearch) stop() {
	if s != nil && !s.stopped {
		s.stopped = true
		s.poller.cancel()
	}
}

// wait stops the search and waits for a look under way at most a share
// of the stop timeout: the stage's Stop calls it.
func (s *publisherSearch) wait() {
	if s == nil {
		return
	}
	s.stop()
	if !s.poller.stop(haltGrace(s.env)) {
		s.env.Log.Warn().Str("topic", s.topic).Msg("the look for the topic's publisher did not end within its share of the stop timeout")
	}
}
