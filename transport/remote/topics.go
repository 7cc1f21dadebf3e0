package remote

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/gopline/gopline/transport"
	"github.com/gopline/gopline/transport/wire"
)

// TopicInfo describes one topic of a node, as Node.Topics lists it.
type TopicInfo struct {
	Name string `json:"topic"`
	// Node is the name of the node the topic is on, as the node says in
	// its listing (Config.Name, or its address when it has none).
	Node string `json:"node"`
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
	// links of other nodes that subscribe (ADDRESS/ID). SubscriberQoS are their requests, in
	// the same order ("" takes the topic's offer).
	SubscriberNames []string `json:"subscriber_names"`
	SubscriberQoS   []string `json:"subscriber_qos"`
	// SubscriberDropped are the packets dropped for each subscriber, in
	// the same order: what its window shed and, for a remote subscriber,
	// what its link could not carry.
	SubscriberDropped []uint64 `json:"subscriber_dropped"`
	// PublisherNames name the publishers.
	PublisherNames []string `json:"publisher_names"`
	// Codec, Width and Height are the stream's, from its latest keyframe
	// ("" and 0 before the first).
	Codec  string `json:"codec"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	// CachedGOPs and CachedPackets are what the topic's cache holds now.
	CachedGOPs    int `json:"cached_gops"`
	CachedPackets int `json:"cached_packets"`
}

// topicInfoToWire describes a topic of the node for a listing. A
// subscriber is named as the topic's stats name it (SubscriberStats.Who):
// the node's end of a remote subscription after the peer's link (its
// node's address and the link's id).
func topicInfoToWire(name string, st transport.TopicStats) *wire.TopicInfo {
	info := &wire.TopicInfo{Name: name, Qos: st.QoS, Publishers: uint32(st.Publishers),
		Published: st.Published, Subscribers: uint32(len(st.Subscribers)), Delivered: st.Delivered,
		Dropped: st.Dropped, Replayed: st.Replayed, Rate: st.Rate, ByteRate: st.ByteRate,
		Width: uint32(max(st.Width, 0)), Height: uint32(max(st.Height, 0))}
	if st.Codec.Valid() {
		info.Codec = st.Codec.String()
	}
	if st.Cache != nil {
		info.CachedGops, info.CachedPackets = uint32(max(st.Cache.GOPs, 0)), uint32(max(st.Cache.Frames, 0))
	}
	for _, s := range st.Subscribers {
		info.SubscriberNames = append(info.SubscriberNames, s.Who())
		info.SubscriberQos = append(info.SubscriberQos, s.QoS)
		info.SubscriberDropped = append(info.SubscriberDropped, s.Dropped)
	}
	for _, p := range st.PublisherPIDs {
		info.PublisherNames = append(info.PublisherNames, transport.ActorName(p))
	}
	return info
}

// topicInfoFromWire reads one topic of a peer's listing, of the node
// named node. The peer's strings are cut to what a listing shows, and the
// subscribers' requests and drops to one for each subscriber.
func topicInfoFromWire(node string, t *wire.TopicInfo) TopicInfo {
	info := TopicInfo{Name: cutListed(t.Name), Node: cutListed(node), QoS: cutListed(t.Qos), Publishers: int(t.Publishers), Published: t.Published,
		Subscribers: int(t.Subscribers), Delivered: t.Delivered, Dropped: t.Dropped, Replayed: t.Replayed,
		Rate: t.Rate, ByteRate: t.ByteRate, SubscriberNames: cutList(t.SubscriberNames), PublisherNames: cutList(t.PublisherNames),
		Codec: cutListed(t.Codec), Width: int(t.Width), Height: int(t.Height),
		CachedGOPs: int(t.CachedGops), CachedPackets: int(t.CachedPackets)}
	info.SubscriberQoS = make([]string, len(info.SubscriberNames))
	copy(info.SubscriberQoS, cutList(t.SubscriberQos))
	info.SubscriberDropped = make([]uint64, len(info.SubscriberNames))
	copy(info.SubscriberDropped, t.SubscriberDropped)
	return info
}

// What a listing shows of a peer's strings: a string as long as a topic's
// name at most, and as many names as a node has remote subscriptions.
const (
	maxListedString = transport.MaxTopicNameLen
	maxListedNames  = maxSubscriptions
)

func cutListed(s string) string {
	if len(s) > maxListedString {
		return s[:maxListedString]
	}
	return s
}

func cutList(list []string) []string {
	list = list[:min(len(list), maxListedNames)]
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = cutListed(s)
	}
	return out
}

// Topics asks the node at addr for its topics; each names the node
// (TopicInfo.Node).
func (n *Node) Topics(addr string, timeout time.Duration) ([]TopicInfo, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("remote: address %q: %w", addr, err)
	}
	// Probe first: a request to a node that is down would leave
	// protoactor retrying it, and one that refuses this node would only
	// time out; the probe says why.
	if err := n.probe(addr, min(timeout, probeTimeout)); err != nil {
		return nil, err
	}
	res, err := n.system.Root.RequestFuture(actor.NewPID(addr, gatewayName), &wire.TopicsRequest{}, timeout).Result()
	if errors.Is(err, actor.ErrTimeout) {
		return nil, fmt.Errorf("remote: %s did not list its topics: no answer within %v (its port takes connections, but no node answers there)", addr, timeout)
	}
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
	// A node of an earlier version does not name itself: its address
	// stands for it.
	node := list.Node
	if node == "" {
		node = addr
	}
	out := make([]TopicInfo, len(list.Topics))
	for i, t := range list.Topics {
		out[i] = topicInfoFromWire(node, t)
	}
	return out, nil
}
