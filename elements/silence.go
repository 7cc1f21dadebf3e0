package elements

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
)

// Silence is what a subscriber's node knows of why the subscriber got
// nothing from its topic: the events of the topic and what its node's
// listing said. Cause picks the cause to report, the most certain first;
// Warning and Summary say it in one line. A plain value, filled in by the
// subscriber and by gopline run's summary.
type Silence struct {
	Topic string
	// Remote is the node the subscriber subscribed to, "" for this process
	// (and the nodes found).
	Remote string
	// Published are the topics that have a publisher, at Remote, or in this
	// process and at the nodes found when Remote is "" (transport.Bus.Published).
	Published []string
	// Unlisted is why the node at Remote did not list its topics; nil when
	// it did. An error of transport/remote says whether the node was
	// reached, and what was tried.
	Unlisted error
	// Refused is why the subscription ended for good: the node refused it,
	// or could not be reached (transport.EventRefused); nil when it did not.
	Refused error
	// Mismatch is why the topic's offer does not meet the subscriber's
	// request (transport.EventIncompatibleQoS); nil when no mismatch was
	// reported.
	Mismatch error
}

// SilenceCause is the cause a Silence reports.
type SilenceCause uint8

const (
	// SilenceNone: the topic has a publisher and nothing is known against
	// it: nothing to report.
	SilenceNone SilenceCause = iota
	// SilenceRefused: the subscription ended for good (Silence.Refused).
	SilenceRefused
	// SilenceMismatch: the topic has a publisher, but its QoS does not meet
	// the subscriber's request (Silence.Mismatch).
	SilenceMismatch
	// SilenceUnlisted: the node subscribed to did not list its topics
	// (Silence.Unlisted): unreachable, not a node, or refusing this one.
	// Whether the topic has a publisher there is not known.
	SilenceUnlisted
	// SilenceUnpublished: the listing has no publisher of the topic.
	SilenceUnpublished
)

// Cause is what s reports: what the topic's events said first (they come
// from the subscription itself), then what the listing said.
func (s Silence) Cause() SilenceCause {
	switch {
	case s.Refused != nil:
		return SilenceRefused
	case s.Mismatch != nil:
		return SilenceMismatch
	case s.Unlisted != nil && s.Remote != "":
		return SilenceUnlisted
	case !slices.Contains(s.Published, s.Topic):
		return SilenceUnpublished
	}
	return SilenceNone
}

// Warning is what a subscriber that got nothing after noPublisherWait
// logs, "" when there is nothing to say.
func (s Silence) Warning() string {
	switch s.Cause() {
	case SilenceRefused:
		return fmt.Sprintf("nothing from %s%s: %v", s.Topic, s.at(), s.Refused)
	case SilenceMismatch:
		return s.mismatch()
	case SilenceUnlisted:
		return fmt.Sprintf("nothing from %s%s after %v: %v", s.Topic, s.at(), noPublisherWait, s.Unlisted)
	case SilenceUnpublished:
		return unpublished(s.Topic, s.Remote, s.Published)
	}
	return ""
}

// Summary is what a run's summary says of a subscriber that got nothing,
// "" when there is nothing to say.
func (s Silence) Summary() string {
	switch s.Cause() {
	case SilenceRefused:
		return fmt.Sprintf("got nothing: %v", s.Refused)
	case SilenceMismatch:
		return "got nothing: " + s.mismatch()
	case SilenceUnlisted:
		return fmt.Sprintf("got nothing: %v", s.Unlisted)
	case SilenceUnpublished:
		return fmt.Sprintf("got nothing: no publisher of %s was found%s", s.Topic, s.at())
	}
	return ""
}

// mismatch says that the topic has a publisher whose QoS does not meet the
// subscriber's request, and how.
func (s Silence) mismatch() string {
	how := strings.TrimPrefix(s.Mismatch.Error(), qos.ErrIncompatible.Error()+": ")
	return fmt.Sprintf("%s%s has a publisher, but its QoS does not meet this subscriber's request: %s", s.Topic, s.at(), how)
}

func (s Silence) at() string {
	if s.Remote == "" {
		return ""
	}
	return " at " + s.Remote
}

// unpublished says that no publisher offers topic, naming the topics
// known and the nearest of them.
func unpublished(topic, remote string, known []string) string {
	where := ""
	if remote != "" {
		where = " at " + remote
	}
	msg := fmt.Sprintf("no publisher offers %s%s after %v", topic, where, noPublisherWait)
	if len(known) == 0 {
		return msg + "; no topic has a publisher"
	}
	const shown = 10
	list := strings.Join(known[:min(len(known), shown)], ", ")
	if len(known) > shown {
		list += fmt.Sprintf(" and %d more", len(known)-shown)
	}
	msg += "; published: " + list
	if near := pipeline.Nearest(topic, known); near != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", near)
	}
	return msg
}

// heard notes what e says of the subscription in s: a refusal or a QoS
// mismatch.
func (s *Silence) heard(e *transport.Event) {
	switch e.Kind {
	case transport.EventRefused:
		s.Refused = e.Err
	case transport.EventIncompatibleQoS:
		s.Mismatch = e.Err
	}
}
