package elements

import (
	"errors"
	"strings"
	"testing"

	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
)

// A subscriber that got nothing is told the cause its node knows, the most
// certain first: what the subscription's events said, then what the
// listing said; never "no publisher" of a node that was not asked.
func TestSilenceReportsTheCauseItKnows(t *testing.T) {
	unreachable := errors.New("remote: cannot reach the node at 10.0.0.5:7400: connection refused: no node listens there (tried a TCP connection)")
	token := errors.New("remote: the node refused this node: 10.0.0.5:7400: the node refused the token: missing or wrong token")
	mismatch := qos.Compatible(qos.SensorData(), qos.DurableVideo())
	if mismatch == nil {
		t.Fatal("sensor_data meets durable_video")
	}
	for _, c := range []struct {
		name             string
		s                Silence
		cause            SilenceCause
		warning, summary string
	}{
		{"published", Silence{Topic: "/cam", Published: []string{"/cam"}}, SilenceNone, "", ""},
		{"a typo", Silence{Topic: "/camra", Published: []string{"/camera"}}, SilenceUnpublished,
			"no publisher offers /camra after 3s; published: /camera (did you mean /camera?)", "got nothing: no publisher of /camra was found"},
		{"an unreachable node", Silence{Topic: "/cam", Remote: "10.0.0.5:7400", Unlisted: unreachable}, SilenceUnlisted,
			"nothing from /cam at 10.0.0.5:7400 after 3s: " + unreachable.Error(), "got nothing: " + unreachable.Error()},
		{"a refused token", Silence{Topic: "/cam", Remote: "10.0.0.5:7400", Unlisted: token}, SilenceUnlisted,
			"nothing from /cam at 10.0.0.5:7400 after 3s: " + token.Error(), "got nothing: " + token.Error()},
		{"a refused subscription", Silence{Topic: "/cam", Remote: "10.0.0.5:7400", Refused: token, Unlisted: token}, SilenceRefused,
			"nothing from /cam at 10.0.0.5:7400: " + token.Error(), "got nothing: " + token.Error()},
		{"a QoS mismatch", Silence{Topic: "/c", Remote: "10.0.0.5:7400", Mismatch: mismatch}, SilenceMismatch,
			"/c at 10.0.0.5:7400 has a publisher, but its QoS does not meet this subscriber's request: durability: subscriber asks transient_local, publisher offers volatile",
			"got nothing: /c at 10.0.0.5:7400 has a publisher, but its QoS"},
		// The listing, made later, may find no publisher or fail: the
		// mismatch the topic reported is still the cause.
		{"a QoS mismatch, then no listing", Silence{Topic: "/c", Remote: "10.0.0.5:7400", Mismatch: mismatch, Unlisted: unreachable}, SilenceMismatch,
			"has a publisher, but its QoS does not meet", "has a publisher, but its QoS does not meet"},
		{"a QoS mismatch in this process", Silence{Topic: "/c", Mismatch: mismatch}, SilenceMismatch,
			"/c has a publisher, but its QoS does not meet this subscriber's request: durability", "got nothing: /c has a publisher"},
		// Without remote=, what the nodes found answered is all there is.
		{"no node named", Silence{Topic: "/cam", Unlisted: unreachable}, SilenceUnpublished,
			"no publisher offers /cam after 3s; no topic has a publisher", "got nothing: no publisher of /cam was found"},
	} {
		if got := c.s.Cause(); got != c.cause {
			t.Errorf("%s: cause %d, want %d", c.name, got, c.cause)
		}
		if got := c.s.Warning(); !strings.Contains(got, c.warning) || (c.warning == "") != (got == "") {
			t.Errorf("%s: warning %q, want %q", c.name, got, c.warning)
		}
		if got := c.s.Summary(); !strings.Contains(got, c.summary) || (c.summary == "") != (got == "") {
			t.Errorf("%s: summary %q, want %q", c.name, got, c.summary)
		}
		for _, line := range []string{c.s.Warning(), c.s.Summary()} {
			if c.cause != SilenceUnpublished && strings.Contains(line, "no publisher") {
				t.Errorf("%s: %q says no publisher", c.name, line)
			}
		}
	}
}

func TestSilenceHearsRefusalsAndMismatches(t *testing.T) {
	var s Silence
	why := errors.New("refused")
	s.heard(&transport.Event{Kind: transport.EventLivelinessLost})
	if s.Refused != nil || s.Mismatch != nil {
		t.Fatalf("a liveliness event was taken for a cause: %+v", s)
	}
	s.heard(&transport.Event{Kind: transport.EventIncompatibleQoS, Err: why})
	s.heard(&transport.Event{Kind: transport.EventRefused, Err: why})
	if s.Refused != why || s.Mismatch != why {
		t.Fatalf("%+v", s)
	}
}
