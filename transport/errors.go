package transport

import "errors"

// Sentinel errors of the Bus. Callers test them with errors.Is; the returned
// errors wrap them with the details.
var (
	// ErrInvalidTopicName means a topic name breaks the naming rules (see
	// ValidateTopicName).
	ErrInvalidTopicName = errors.New("transport: invalid topic name")

	// ErrUnknownTopic means no topic of that name exists on the Bus.
	ErrUnknownTopic = errors.New("transport: unknown topic")

	// ErrBusClosed means the Bus was closed: it makes no new topics.
	ErrBusClosed = errors.New("transport: bus closed")

	// ErrTopicUnavailable means a topic's broker did not answer (it stopped,
	// or did not answer in time).
	ErrTopicUnavailable = errors.New("transport: topic unavailable")

	// ErrNoRemote means a topic of another node was asked for, but the
	// process runs no remote node (transport/remote).
	ErrNoRemote = errors.New("transport: this process reaches no other node (open a remote node: gopline.WithListen in Go, --listen on the command line)")
)
