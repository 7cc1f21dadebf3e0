package web

import (
	"time"

	"github.com/gopline/gopline/transport"
)

// foxgloveLinger is how long a topic stays advertised to Foxglove clients
// once it has no publisher: a topic between two runs of its source stays,
// one that ended goes (and its subscriptions with it), as the Bus retires
// a topic nobody uses.
const foxgloveLinger = transport.DefaultIdleTopicLinger

// lookSlack: the table is looked at every advertiseEvery, a little early
// or late; a look that comes this much early counts as on time, so that
// a topic ends at the first look after the linger, not one later.
const lookSlack = advertiseEvery / 10

// topicSeen is what the channel table needs of a topic's stats.
type topicSeen struct {
	topic  string
	schema string // "" for a topic Foxglove shows no picture of
	// publishers is how many publishers the topic has; published counts
	// its packets, which tells of an anonymous publisher (one that
	// publishes without joining).
	publishers int
	published  uint64
	// rate is the pictures published a second, 0 when none for 2 s.
	rate float64
}

func seenOf(st transport.TopicStats) topicSeen {
	schema, _ := schemaOf(st.Codec)
	return topicSeen{topic: st.Topic, schema: schema, publishers: st.Publishers, published: st.Published, rate: st.Rate}
}

// advertised is one Foxglove channel: a topic under one schema, for as
// long as it is advertised.
type advertised struct {
	id            uint32
	topic, schema string
}

// channelTable decides which topics are advertised to Foxglove clients,
// and their channel ids: the same for every client. A topic is a channel
// while it has a picture schema and a publisher, or lost its last
// publisher less than the linger ago (as first seen without one: a
// publisher that leaves ends its stream at once, and the packets it
// published before it left keep nothing alive). A topic without
// publishers that was published on since the last look, and had none then
// either, has an anonymous publisher; a topic that comes back, or comes
// back with another codec, is a new channel with a new id, so that a
// client told of the end of the old one (unadvertise) is told of the new
// one (advertise). It is not safe for concurrent use.
type channelTable struct {
	linger  time.Duration
	lastID  uint32
	entries map[string]*channelEntry
}

type channelEntry struct {
	ch advertised
	// publishers and published are as the last look saw them.
	publishers int
	published  uint64
	// quietSince is when the topic was first seen with no publisher; zero
	// while it has one. ended: it stayed so for the linger, and is not
	// advertised until it has a publisher again.
	quietSince time.Time
	ended      bool
	// heardAt is the look that first saw the topic's newest packet; rate
	// the last rate seen that was not 0 (silence).
	heardAt time.Time
	rate    float64
}

func newChannelTable(linger time.Duration) *channelTable {
	return &channelTable{linger: linger, entries: map[string]*channelEntry{}}
}

// update takes the topics as they are at now and returns the channels to
// advertise, by id.
func (t *channelTable) update(now time.Time, topics []topicSeen) map[uint32]advertised {
	present := make(map[string]bool, len(topics))
	for _, s := range topics {
		present[s.topic] = true
		e := t.entries[s.topic]
		if s.schema == "" {
			delete(t.entries, s.topic)
			continue
		}
		if e == nil {
			e = &channelEntry{ch: t.newChannel(s), publishers: s.publishers, published: s.published}
			t.entries[s.topic] = e
			if s.published > 0 {
				e.heardAt = now
			}
		}
		if s.published > e.published {
			e.heardAt = now
		}
		if s.rate > 0 {
			e.rate = s.rate
		}
		publishing := s.publishers > 0 || (e.publishers == 0 && s.published > e.published)
		e.publishers, e.published = s.publishers, s.published
		switch {
		case publishing:
			if e.ended || e.ch.schema != s.schema {
				e.ch = t.newChannel(s)
			}
			e.quietSince, e.ended = time.Time{}, false
		case e.ended:
		case e.quietSince.IsZero():
			e.quietSince = now
		case now.Sub(e.quietSince)+lookSlack >= t.linger:
			e.ended = true
		}
		if !e.ended && e.ch.schema != s.schema {
			e.ch = t.newChannel(s)
		}
	}
	out := map[uint32]advertised{}
	for topic, e := range t.entries {
		switch {
		case !present[topic]:
			delete(t.entries, topic)
		case !e.ended:
			out[e.ch.id] = e.ch
		}
	}
	return out
}

func (t *channelTable) newChannel(s topicSeen) advertised {
	t.lastID++
	return advertised{id: t.lastID, topic: s.topic, schema: s.schema}
}

// Silence: a topic with a publisher that has published nothing for
// staleAfter is stale, its publisher gone or stopped (a relay whose
// source node went away, a camera being retried): at least staleFloor,
// and staleFrames of its pictures' spacing at its last rate.
const (
	staleFloor  = 2 * time.Second
	staleFrames = 5
)

// silence returns when topic was last heard from (by the looks, which
// are advertiseEvery apart), and whether it is stale at now: advertised,
// with a publisher, and silent for staleAfter.
func (t *channelTable) silence(topic string, now time.Time) (heard time.Time, stale bool) {
	e := t.entries[topic]
	if e == nil || e.ended || e.publishers == 0 || e.heardAt.IsZero() {
		return time.Time{}, false
	}
	after := staleFloor
	if e.rate > 0 {
		after = max(after, time.Duration(staleFrames*float64(time.Second)/e.rate))
	}
	return e.heardAt, now.Sub(e.heardAt)+lookSlack >= after
}
