package qos

import "errors"

// Sentinel errors of this package. Callers test them with errors.Is; the
// returned errors wrap them with the details.
var (
	// ErrBadOption means an option is out of range: a negative interval or a
	// nil clock.
	ErrBadOption = errors.New("qos: bad option")
	// ErrBadProfile means a profile, or the text of one, is not valid: an
	// unknown name, a setting given twice, a negative duration, a depth
	// with KeepAll.
	ErrBadProfile = errors.New("qos: bad profile")

	// ErrIncompatible means a publisher's profile does not offer what a
	// subscriber's profile asks for (see Compatible). The error is an
	// *IncompatibleError that names both profiles and every mismatch.
	ErrIncompatible = errors.New("qos: incompatible profiles")
)
