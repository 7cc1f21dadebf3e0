package transport

import (
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// EventKind says what an Event reports.
type EventKind uint8

const (
	// EventIncompatibleQoS: the topic's offer does not meet the subscriber's
	// request (Err is a *qos.IncompatibleError naming both profiles). The
	// subscriber receives no packets until a compatible publisher offers.
	EventIncompatibleQoS EventKind = iota + 1
	// EventDeadlineMissed: no packet was published on the topic within the
	// subscriber's deadline (its request, or the topic's offer when it
	// requested none). Count is how many periods have been missed in a row.
	EventDeadlineMissed
	// EventLivelinessLost: a publisher stopped, or published nothing for
	// longer than its liveliness lease.
	EventLivelinessLost
	// EventLivelinessRegained: a publisher whose liveliness was lost
	// published again.
	EventLivelinessRegained
	// EventDropped: the subscriber fell a whole window behind; the rest of
	// the GOP is dropped for it and delivery resumes at the next keyframe.
	// GOP is the GOP (the Seq of its keyframe) of the first dropped packet.
	EventDropped
	// EventRefused: the subscription to another node's topic is over for
	// good: the node refused it (its token, its certificate, its limits),
	// or could not be reached before the link gave up. Err says why; the
	// stream ends after it.
	EventRefused
)

func (k EventKind) String() string {
	switch k {
	case EventIncompatibleQoS:
		return "incompatible_qos"
	case EventDeadlineMissed:
		return "deadline_missed"
	case EventLivelinessLost:
		return "liveliness_lost"
	case EventLivelinessRegained:
		return "liveliness_regained"
	case EventDropped:
		return "dropped"
	case EventRefused:
		return "refused"
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// Event tells a subscriber of something about its topic that is not a
// packet: a QoS mismatch, a missed deadline, a publisher's liveliness, a
// drop. The broker sends events to the subscribers concerned and logs them.
// Events need no Ack and do not take window credit.
type Event struct {
	Topic string
	Kind  EventKind
	// Time is when the broker noticed, on the Bus's clock.
	Time time.Time
	// Publisher is the publisher concerned (liveliness), if any.
	Publisher *actor.PID
	// Count is how many deadline periods were missed in a row
	// (EventDeadlineMissed).
	Count uint64
	// GOP is the GOP whose rest was dropped (EventDropped).
	GOP uint64
	// Err explains an EventIncompatibleQoS or an EventRefused.
	Err error
}

// String describes the event in one line, for logs.
func (e *Event) String() string {
	s := e.Topic + ": " + e.Kind.String()
	switch e.Kind {
	case EventIncompatibleQoS, EventRefused:
		s += ": " + fmt.Sprint(e.Err)
	case EventDeadlineMissed:
		s += fmt.Sprintf(" (%d in a row)", e.Count)
	case EventDropped:
		s += fmt.Sprintf(" (rest of GOP %d)", e.GOP)
	}
	if e.Publisher != nil {
		s += " (publisher " + ActorName(e.Publisher) + ")"
	}
	return s
}
