package elements

import (
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
			env.Log.Info().Str("topic", topic).Str("node", addr).Msg("subscribing to the topic of the node that publishes it")
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
