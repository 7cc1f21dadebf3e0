package qos

import "errors"

// Sentinel errors of this package. Callers test them with errors.Is; the
// returned errors wrap them with the details.
var (
	// ErrBadOption means an option is out of range: a negative interval or a
	// nil clock.
	ErrBadOption = errors.New("qos: bad option")
)
