package web

import (
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/transport"
)

const (
	// probeWait bounds how long a request (a WHEP offer, the topic list)
	// waits to learn whether a topic's stream has B-frames: on a durable
	// topic the cached GOP answers within milliseconds, on a volatile one
	// inOrderAfter live pictures do. Past it, the request goes on with
	// what is known.
	probeWait = 500 * time.Millisecond
	// probeLimit ends a probe that has not learned the order by then (a
	// topic that stalls); the next request starts another.
	probeLimit = 5 * time.Second
)

// observed shows the order watch a packet a viewer or probe of topic
// received, and returns what is now known of the topic's order. It warns,
// once per stream that turns out reordered, that WebRTC cannot carry it.
func (h *Handler) observed(topic string, p *media.Packet) streamOrder {
	if h.order.observe(topic, p) {
		h.cfg.Log.Warn().Str("topic", topic).Msg("viewer: the topic's H.264 has B-frames (pictures out of display order), " +
			"which WebRTC cannot carry and Foxglove's CompressedVideo does not play: WHEP is refused for it, and the node's pages play it over the WebSocket")
	}
	if h.formats.observe(topic, p) {
		h.cfg.Log.Warn().Str("topic", topic).Msg("viewer: " + h.formats.undecodable(topic))
	}
	return h.order.order(topic)
}

// learnOrder probes the H.264 topics whose order is unknown and waits for
// the probes of those that publish now (a rate above 0, or a first packet
// only), up to wait in all: a topic that stalls costs the request no wait.
func (h *Handler) learnOrder(stats []transport.TopicStats, wait time.Duration) {
	var pending []chan struct{}
	for _, st := range stats {
		if st.Codec == media.H264 && st.Published > 0 && h.order.order(st.Topic) == orderUnknown {
			if done := h.probe(st.Topic); done != nil && (st.Rate > 0 || st.Published == 1) { // one packet: no rate yet
				pending = append(pending, done)
			}
		}
	}
	if len(pending) == 0 {
		return
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for _, done := range pending {
		select {
		case <-done:
		case <-timer.C:
			return
		}
	}
}

// topicOrder returns the order of topic's stream, probing it when unknown,
// for at most wait.
func (h *Handler) topicOrder(st transport.TopicStats, wait time.Duration) streamOrder {
	h.learnOrder([]transport.TopicStats{st}, wait)
	return h.order.order(st.Topic)
}

// probe starts, unless one runs, a subscription to topic that only looks
// at its packets' order, and returns a channel closed when the probe ends:
// once the order is known, after probeLimit, or when the handler closes. It
// returns nil when the handler is closed. A probe asks the topic for no
// keyframe: on a durable topic it is replayed the cached GOP, on another
// it sees the live pictures.
func (h *Handler) probe(topic string) chan struct{} {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	if done, ok := h.probes[topic]; ok {
		h.mu.Unlock()
		return done
	}
	done := make(chan struct{})
	h.probes[topic] = done
	h.probeWG.Add(1)
	h.mu.Unlock()
	go h.runProbe(topic, done)
	return done
}

// runProbe is one probe of topic, which closes done as it ends.
func (h *Handler) runProbe(topic string, done chan struct{}) {
	defer h.probeWG.Done()
	defer func() {
		h.mu.Lock()
		delete(h.probes, topic)
		h.mu.Unlock()
		close(done)
	}()
	known := make(chan struct{})
	learnt := false // the feed's actor's alone
	f, err := startFeed(h.cfg.System, feedConfig{bus: h.cfg.Bus, topic: topic, name: probeName, waitForKeyframe: true, log: h.cfg.Log,
		observe: func(p *media.Packet) {
			if h.observed(topic, p) != orderUnknown && !learnt {
				learnt = true
				close(known)
			}
		}})
	if err != nil {
		return
	}
	defer f.Stop()
	timer := time.NewTimer(probeLimit)
	defer timer.Stop()
	select {
	case <-known:
	case <-timer.C:
	case <-h.closing:
	}
}
