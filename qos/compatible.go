package qos

import (
	"fmt"
	"strings"
	"time"
)

// IncompatibleError says why a publisher's profile does not match a
// subscriber's (see Compatible). It wraps ErrIncompatible.
type IncompatibleError struct {
	Publisher, Subscriber Profile
	// Reasons holds one line per mismatched policy, naming the policy and
	// both values: "durability: subscriber asks transient_local, publisher
	// offers volatile".
	Reasons []string
}

// Error lists the mismatches and both profiles, each spelled out, after
// the preset's name it behaves as: a user who wrote qos=best_effort reads
// sensor_data = best_effort,volatile,keep_last, not a name alone that
// they never wrote.
func (e *IncompatibleError) Error() string {
	return fmt.Sprintf("%v: %s (publisher %s; subscriber %s)",
		ErrIncompatible, strings.Join(e.Reasons, "; "), describeProfile(e.Publisher), describeProfile(e.Subscriber))
}

// describeProfile names p as IncompatibleError says it: its preset's name
// and its policies, or its policies.
func describeProfile(p Profile) string {
	if name := p.preset(); name != "" {
		return name + " = " + p.policies()
	}
	return p.policies()
}

// Unwrap returns ErrIncompatible.
func (e *IncompatibleError) Unwrap() error { return ErrIncompatible }

// Compatible reports whether a publisher offering pub can serve a subscriber
// asking for sub, by ROS 2's request/offered rules; nil means they match.
// Otherwise the error is an *IncompatibleError listing every mismatch:
//
//   - durability: the offer must be at least the request (persistent >
//     transient_local > volatile), so a transient_local subscriber does not
//     match a volatile publisher;
//   - reliability: a reliable subscriber does not match a best-effort
//     publisher;
//   - deadline: the offered deadline must be at most the requested one (0 is
//     infinite: any offer meets a request of 0, and an offer of 0 meets only
//     that);
//   - liveliness lease: likewise, the offered lease at most the requested.
//
// History, depth, max_bytes and lifespan never make a pair incompatible. An
// invalid profile yields an error wrapping ErrBadProfile instead.
//
// An incompatible pair is never to be connected silently: the caller reports
// the error at once, as an event and a log line.
func Compatible(pub, sub Profile) error {
	if err := pub.Validate(); err != nil {
		return fmt.Errorf("publisher: %w", err)
	}
	if err := sub.Validate(); err != nil {
		return fmt.Errorf("subscriber: %w", err)
	}
	var reasons []string
	if pub.Durability < sub.Durability {
		reasons = append(reasons, fmt.Sprintf("durability: subscriber asks %v, publisher offers %v", sub.Durability, pub.Durability))
	}
	if pub.Reliability < sub.Reliability {
		reasons = append(reasons, fmt.Sprintf("reliability: subscriber asks %v, publisher offers %v", sub.Reliability, pub.Reliability))
	}
	if !offerMeets(pub.Deadline, sub.Deadline) {
		reasons = append(reasons, fmt.Sprintf("deadline: subscriber asks %s, publisher offers %s", formatPeriod(sub.Deadline), formatPeriod(pub.Deadline)))
	}
	if !offerMeets(pub.Lease, sub.Lease) {
		reasons = append(reasons, fmt.Sprintf("liveliness lease: subscriber asks %s, publisher offers %s", formatPeriod(sub.Lease), formatPeriod(pub.Lease)))
	}
	if len(reasons) == 0 {
		return nil
	}
	return &IncompatibleError{Publisher: pub, Subscriber: sub, Reasons: reasons}
}

// offerMeets reports whether an offered period (deadline, lease) meets a
// requested one: at most as long, where 0 is infinite.
func offerMeets(offered, requested time.Duration) bool {
	if requested == 0 {
		return true
	}
	return offered != 0 && offered <= requested
}

// formatPeriod writes a deadline or lease, 0 as "infinite".
func formatPeriod(d time.Duration) string {
	if d == 0 {
		return "infinite"
	}
	return d.String()
}
