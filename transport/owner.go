package transport

import "sync/atomic"

// Owner names a party that both publishes and subscribes (a pipeline): a
// topic tells that party's publishers from the others by it, so that the
// party's farewell can wait for them (Unsubscribe.AfterPublishersOf). An
// Owner is a value, compared with ==; it is carried by PublisherJoined and
// Publish. The zero Owner is nobody's: it owns no publisher.
type Owner struct{ id uint64 }

var lastOwner atomic.Uint64

// NewOwner returns an Owner equal to no other Owner of the process.
func NewOwner() Owner { return Owner{id: lastOwner.Add(1)} }

// IsZero reports whether o is the zero Owner.
func (o Owner) IsZero() bool { return o.id == 0 }
