package topictool

import (
	"context"
	"errors"
	"time"

	"github.com/gopline/gopline/discovery"
	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/transport/remote"
)

// ErrDone, returned by a Watch function, ends the watch without an error.
var ErrDone = errors.New("topictool: done")

// Watch subscribes p to sub's topic (of the node at sub.Remote, or found
// as subscribe finds it) and calls each with every packet and when it was
// received, until ctx is done, each returns an error (ErrDone ends it
// well), or the topic's stream ends. p is an empty pipeline, stopped when
// Watch returns; each runs on the pipeline's actor, one packet at a time,
// and may keep nothing of a packet but its header (Data is shared).
func Watch(ctx context.Context, p *pipeline.Pipeline, sub elements.SubscribeConfig, each func(*media.Packet, time.Time) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var stopped error
	sink := pipeline.SinkElement("watch", pipeline.Packets(media.CodecUnknown), func() (pipeline.Sink[*media.Packet], error) {
		return &watcher{each: func(pkt *media.Packet, at time.Time) error {
			if stopped != nil {
				return nil
			}
			if stopped = each(pkt, at); stopped != nil {
				cancel()
			}
			return nil
		}}, nil
	})
	if err := errors.Join(p.Add("subscribe", elements.SubscribeWith(sub)), p.Add("watch", sink), p.Link("subscribe", "watch")); err != nil {
		return err
	}
	if err := p.Start(ctx); err != nil {
		return err
	}
	select {
	case <-p.Done():
	case <-ctx.Done():
	}
	err := p.Stop()
	if stopped != nil && !errors.Is(stopped, ErrDone) {
		return stopped
	}
	return err
}

// watcher is Watch's sink.
type watcher struct {
	each func(*media.Packet, time.Time) error
}

func (w *watcher) Start(*pipeline.Env) error { return nil }
func (w *watcher) Stop() error               { return nil }
func (w *watcher) Process(p *media.Packet) error {
	return w.each(p, time.Now())
}

// Found is a topic of a node.
type Found struct {
	Node  discovery.Peer
	Topic remote.TopicInfo
}

// Find returns the topics named topic among nodes, those with publishers
// first.
func Find(nodes []discovery.NodeTopics, topic string) []Found {
	var with, without []Found
	for _, n := range nodes {
		for _, t := range n.Topics {
			if t.Name != topic {
				continue
			}
			if t.Publishers > 0 {
				with = append(with, Found{Node: n.Peer, Topic: t})
			} else {
				without = append(without, Found{Node: n.Peer, Topic: t})
			}
		}
	}
	return append(with, without...)
}
