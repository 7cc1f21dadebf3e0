package remote

import (
	"fmt"
	"net"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/transport/wire"
)

// TopicInfo describes one topic of a node, as Node.Topics lists it.
type TopicInfo struct {
	Name string `json:"topic"`
	// QoS is the topic's offer (qos.Profile text); empty while it has no
	// publisher.
	QoS         string `json:"qos"`
	Publishers  int    `json:"publishers"`
	Published   uint64 `json:"published"`
	Subscribers int    `json:"subscribers"`
	Delivered   uint64 `json:"delivered"`
	Dropped     uint64 `json:"dropped"`
	Replayed    uint64 `json:"replayed"`
	// Rate and ByteRate: packets and data bytes per second, lately.
	Rate     float64 `json:"rate_hz"`
	ByteRate float64 `json:"bytes_per_s"`
	// SubscriberNames name the subscribers: the node's own actors, and the
	// ends of remote subscriptions.
	SubscriberNames []string `json:"subscriber_names"`
}

// Topics asks the node at addr for its topics.
func (n *Node) Topics(addr string, timeout time.Duration) ([]TopicInfo, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("remote: address %q: %w", addr, err)
	}
	// Probe first: a request to a node that is down would leave
	// protoactor retrying it, and one that refuses this node would only
	// time out; the probe says why.
	if err := probe(addr, n.dialOpts, min(timeout, probeTimeout)); err != nil {
		return nil, err
	}
	res, err := n.system.Root.RequestFuture(actor.NewPID(addr, gatewayName), &wire.TopicsRequest{}, timeout).Result()
	if err != nil {
		return nil, fmt.Errorf("remote: %s did not list its topics: %w", addr, err)
	}
	if r, ok := res.(*wire.Refused); ok {
		return nil, fmt.Errorf("%w: %s: %s", ErrRefused, addr, r.Reason)
	}
	list, ok := res.(*wire.Topics)
	if !ok {
		return nil, fmt.Errorf("remote: %s answered %T", addr, res)
	}
	out := make([]TopicInfo, len(list.Topics))
	for i, t := range list.Topics {
		out[i] = TopicInfo{Name: t.Name, QoS: t.Qos, Publishers: int(t.Publishers), Published: t.Published,
			Subscribers: int(t.Subscribers), Delivered: t.Delivered, Dropped: t.Dropped, Replayed: t.Replayed,
			Rate: t.Rate, ByteRate: t.ByteRate, SubscriberNames: t.SubscriberNames}
	}
	return out, nil
}
