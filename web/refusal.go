package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"
)

// How long a refused client is told to wait (Retry-After) before it tries
// again.
const (
	// retryPendingAfter: places of viewers still connecting free as they
	// connect, within a second on a working link (10 s at most, when
	// they never do: connectTimeout). A page of many tiles offers them
	// all at once, and those refused play a second later.
	retryPendingAfter = time.Second
	// retryFullAfter: places held by viewers free when a viewer leaves,
	// which nothing foretells: a few seconds between tries costs the
	// node little.
	retryFullAfter = 5 * time.Second
)

// refusal is the HTTP status of a pool's refusal err and how long the
// client should wait before it tries again: 429 for a client address at
// one of its shares (the pool's places, or those of viewers still
// connecting), which the client itself can change; 503 when the whole
// pool is full.
func refusal(err error) (status int, retryAfter time.Duration) {
	status = http.StatusServiceUnavailable
	if errors.Is(err, errAddressFull) || errors.Is(err, errPendingAddressFull) {
		status = http.StatusTooManyRequests
	}
	retryAfter = retryFullAfter
	if errors.Is(err, errPendingFull) {
		retryAfter = retryPendingAfter
	}
	return status, retryAfter
}

// refuse answers a client refused a place for err with refusal's status
// and its Retry-After, in whole seconds as HTTP has it.
func refuse(w http.ResponseWriter, err error) {
	status, after := refusal(err)
	w.Header().Set("Retry-After", strconv.Itoa(int((after+time.Second-1)/time.Second)))
	http.Error(w, err.Error(), status)
}
