package remote

import (
	"bytes"
	"testing"
)

func TestSubscriptionKeys(t *testing.T) {
	a, b := newSubscriptionKey(), newSubscriptionKey()
	if len(a) != subscriptionKeyBytes || bytes.Equal(a, b) {
		t.Fatalf("keys %x and %x: want two different keys of %d bytes", a, b, subscriptionKeyBytes)
	}
	if !a.matches(a) || !a.matches(append([]byte(nil), a...)) {
		t.Fatal("a key does not match itself")
	}
	for _, other := range [][]byte{nil, {}, b, a[:15], append(append([]byte(nil), a...), 0)} {
		if a.matches(other) {
			t.Errorf("the key matches %x", other)
		}
	}
	if (subscriptionKey(nil)).matches(nil) {
		t.Error("no key matches no key")
	}
	parsed, err := parseSubscriptionKey(a)
	if err != nil || !parsed.matches(a) {
		t.Fatalf("parse: %x, %v", parsed, err)
	}
	for _, bad := range [][]byte{nil, a[:8], append(append([]byte(nil), a...), 1)} {
		if _, err := parseSubscriptionKey(bad); err == nil {
			t.Errorf("parsed a key of %d bytes", len(bad))
		}
	}
}
