package transport

import (
	"errors"
	"slices"
	"testing"
)

// fakeResolver knows the topics of other nodes by address.
type fakeResolver struct {
	at    map[string][]string // address: topics published there
	down  map[string]error    // address: why it does not list its topics
	asked []string
}

func (r *fakeResolver) Resolve(topic string) (string, error) {
	r.asked = append(r.asked, topic)
	var found []string
	for addr, topics := range r.at {
		if slices.Contains(topics, topic) {
			found = append(found, addr)
		}
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		return found[0], nil
	}
	return "", errors.New("two publishers")
}

func (r *fakeResolver) Published(addr string) ([]string, error) {
	if addr != "" {
		if err := r.down[addr]; err != nil {
			return nil, err
		}
		return r.at[addr], nil
	}
	var all []string
	for _, ts := range r.at {
		all = append(all, ts...)
	}
	return all, nil
}

func TestLocatePrefersThisProcessThenOneOtherNode(t *testing.T) {
	f := newFixture(t)
	r := &fakeResolver{at: map[string][]string{"10.0.0.5:7400": {"/test/camera", "/lidar"}, "10.0.0.6:7400": {"/lidar"}}}
	if addr, err := f.bus.Locate("/lidar"); addr != "" || err != nil {
		t.Fatalf("without a resolver: %q, %v; want this process's topic", addr, err)
	}
	f.bus.SetResolver(r)
	if addr, err := f.bus.Locate("/test/camera"); addr != "10.0.0.5:7400" || err != nil {
		t.Fatalf("a topic without a publisher here: %q, %v; want the other node's", addr, err)
	}
	if _, err := f.bus.Locate("/lidar"); err == nil {
		t.Fatal("a topic of two other nodes: no error")
	}
	if addr, err := f.bus.Locate("/nobody"); addr != "" || err != nil {
		t.Fatalf("a topic nobody publishes: %q, %v; want this process's, to wait for a publisher", addr, err)
	}
	pub := f.newSink(true)
	f.send(&PublisherJoined{Publisher: pub.pid})
	f.flush()
	r.asked = nil
	if addr, err := f.bus.Locate("/test/camera"); addr != "" || err != nil || len(r.asked) != 0 {
		t.Fatalf("a topic published here: %q, %v, asked %v; want this process's, no one asked", addr, err, r.asked)
	}
	if got, err := f.bus.Published(""); !slices.Equal(got, []string{"/lidar", "/test/camera"}) || err != nil {
		t.Fatalf("Published(\"\") = %v, %v", got, err)
	}
	if got, err := f.bus.Published("10.0.0.6:7400"); !slices.Equal(got, []string{"/lidar"}) || err != nil {
		t.Fatalf("Published(10.0.0.6:7400) = %v, %v", got, err)
	}
}

// A node that does not list its topics is not one without publishers:
// Published says why it did not.
func TestPublishedSaysWhyANodeDidNotList(t *testing.T) {
	f := newFixture(t)
	down := errors.New("connection refused")
	f.bus.SetResolver(&fakeResolver{at: map[string][]string{"10.0.0.5:7400": {"/cam"}}, down: map[string]error{"10.0.0.7:7400": down}})
	if got, err := f.bus.Published("10.0.0.7:7400"); got != nil || !errors.Is(err, down) {
		t.Fatalf("Published of a node that is down = %v, %v; want %v", got, err, down)
	}
	if got, err := f.bus.Published(""); !slices.Equal(got, []string{"/cam"}) || err != nil {
		t.Fatalf("Published(\"\") = %v, %v; want what answered", got, err)
	}
}
