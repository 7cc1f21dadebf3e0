package transport

import "time"

// Clock is the time a Bus's topics run on: the time now, and a wake-up at a
// later time, for deadlines and liveliness leases. The default is the
// system's clock; tests install one they move by hand (WithClock).
type Clock interface {
	Now() time.Time
	// AfterFunc calls f once d has passed, unless the returned Timer is
	// stopped first, as time.AfterFunc does. f must not block: a broker's
	// f only sends its broker a message.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a wake-up set by Clock.AfterFunc.
type Timer interface {
	// Stop prevents the call if it has not happened yet, and reports
	// whether it did so.
	Stop() bool
}

// systemClock is the Clock of time.Now and time.AfterFunc.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
