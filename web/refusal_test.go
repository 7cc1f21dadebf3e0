package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

// Each of a pool's refusals, as the pool makes it, gets the status a
// client expects and a Retry-After: 429 for what the client's own address
// holds, 503 for a full node.
func TestRefusalsSayTooManyRequestsForAnAddressAndWhenToRetry(t *testing.T) {
	now := time.Unix(1000, 0)
	refusedAfter := func(p *viewerPool, addr string, pending bool) error {
		t.Helper()
		a := netip.MustParseAddr(addr)
		for i := 0; i <= p.limits.max; i++ {
			if _, err := p.admit(a, now, pending); err != nil {
				return err
			}
		}
		t.Fatalf("%s: never refused", addr)
		return nil
	}
	cases := []struct {
		name   string
		err    error
		status int
		retry  string
	}{
		{"address's share", refusedAfter(newViewerPool(viewerLimits(DefaultMaxViewers, false)), "192.0.2.1", false),
			http.StatusTooManyRequests, "5"},
		{"address's pending share", refusedAfter(newViewerPool(viewerLimits(DefaultMaxViewers, true)), "192.0.2.1", true),
			http.StatusTooManyRequests, "1"},
		{"node full", refusedAfter(newViewerPool(viewerLimits(2, false)), "192.0.2.1", false),
			http.StatusServiceUnavailable, "5"},
		{"wrapped as the offer's handler does", fmt.Errorf("%w: %w", errRefused,
			refusedAfter(newViewerPool(viewerLimits(DefaultMaxViewers, true)), "192.0.2.2", true)), http.StatusTooManyRequests, "1"},
	}
	// The pending pool as a whole, filled from many addresses.
	p := newViewerPool(viewerLimits(DefaultMaxViewers, true))
	var poolErr error
	for i := 0; poolErr == nil; i++ {
		_, poolErr = p.admit(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), now, true)
	}
	cases = append(cases, struct {
		name   string
		err    error
		status int
		retry  string
	}{"node's pending places full", poolErr, http.StatusServiceUnavailable, "1"})
	for _, c := range cases {
		w := httptest.NewRecorder()
		refuse(w, c.err)
		if w.Code != c.status || w.Header().Get("Retry-After") != c.retry {
			t.Errorf("%s (%v): %d, Retry-After %q; want %d, Retry-After %s", c.name, c.err, w.Code, w.Header().Get("Retry-After"), c.status, c.retry)
		}
	}
}
