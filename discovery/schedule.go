package discovery

import "time"

// The spacing of a Directory's multicast DNS queries (querySchedule).
const (
	// firstQueryInterval is the wait after a Directory's first query, as
	// RFC 6762 section 5.2 asks of a continuous query (at least a second
	// between the first two).
	firstQueryInterval = time.Second
	// maxQueryInterval caps the doubling intervals: the RFC's cap is an
	// hour, but a robot that joins the network late is to be found
	// within a minute, and a query a minute is little traffic.
	maxQueryInterval = time.Minute
)

// querySchedule spaces the multicast DNS queries of a Directory that is
// asked again and again (a recorder looking for topics that appear), as
// RFC 6762 section 5.2 spaces a continuous query: a second after the
// first, then each interval twice the one before, up to
// maxQueryInterval. Between two queries the Directory keeps the peers the
// last one found. It is plain state, fed the clock's times.
type querySchedule struct {
	next     time.Time     // when the next query is due; zero: now
	interval time.Duration // the wait after the last query
}

// due reports whether a query is due at now.
func (q *querySchedule) due(now time.Time) bool { return q.next.IsZero() || !now.Before(q.next) }

// sent notes a query sent at now, and sets when the next is due.
func (q *querySchedule) sent(now time.Time) {
	q.interval = min(max(2*q.interval, firstQueryInterval), maxQueryInterval)
	q.next = now.Add(q.interval)
}
