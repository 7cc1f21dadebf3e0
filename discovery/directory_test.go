package discovery

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/transport/remote"
)

func TestDirectoryResolves(t *testing.T) {
	topics := map[string][]remote.TopicInfo{
		"127.0.0.1:7401": {{Name: "/camera", Publishers: 1}, {Name: "/scan", Publishers: 0}},
		"127.0.0.1:7402": {{Name: "/lidar", Publishers: 1}, {Name: "/dup", Publishers: 1}},
		"127.0.0.1:7403": {{Name: "/dup", Publishers: 2}},
	}
	d := &Directory{list: func(addr string, _ time.Duration) ([]remote.TopicInfo, error) {
		if ts, ok := topics[addr]; ok {
			return ts, nil
		}
		return nil, fmt.Errorf("%s: connection refused", addr)
	}, self: "127.0.0.1:7402"}
	d.nodes = []NodeTopics{}
	for _, p := range []Peer{{"a", "127.0.0.1:7401"}, {"b", "127.0.0.1:7402"}, {"c", "127.0.0.1:7403"}} {
		ts, err := d.list(p.Addr, time.Second)
		d.nodes = append(d.nodes, NodeTopics{Peer: p, Topics: ts, Err: err})
	}
	d.at = time.Now()
	ctx := context.Background()
	for topic, want := range map[string]string{"/camera": "127.0.0.1:7401", "/lidar": "", "/scan": "", "/none": ""} {
		if got, err := d.Resolve(ctx, topic); err != nil || got != want {
			t.Errorf("Resolve(%s) = %q, %v; want %q (a topic of this node itself is not another's)", topic, got, err, want)
		}
	}
	if got, err := d.Resolve(ctx, "/dup"); err != nil || got != "127.0.0.1:7403" {
		t.Errorf("Resolve(/dup) = %q, %v; want the one other node's", got, err)
	}
	d.self = ""
	_, err := d.Resolve(ctx, "/dup")
	if !errors.Is(err, ErrAmbiguous) || !strings.Contains(err.Error(), "b at 127.0.0.1:7402 and c at 127.0.0.1:7403") {
		t.Errorf("Resolve(/dup): %v; want both named", err)
	}
	names, err := d.Published(ctx, "")
	if err != nil || !slices.Equal(names, []string{"/camera", "/dup", "/lidar"}) {
		t.Errorf("Published = %v, %v", names, err)
	}
}

func TestDirectoryBrowsesTheHost(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nodes")
	a, err := Announce(Config{Name: "robot", Addr: "127.0.0.1:7401", HostDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	asked := 0
	d := NewDirectory(Config{HostDir: dir, NoMDNS: true}, func(addr string, _ time.Duration) ([]remote.TopicInfo, error) {
		asked++
		return []remote.TopicInfo{{Name: "/camera", Publishers: 1}}, nil
	}, "")
	got, err := d.Resolve(context.Background(), "/camera")
	if err != nil || got != "127.0.0.1:7401" {
		t.Fatalf("Resolve = %q, %v", got, err)
	}
	if _, err := d.Nodes(context.Background()); err != nil || asked != 1 {
		t.Fatalf("a second look within %v asked %d times, %v; want the listing kept", cacheFor, asked, err)
	}
}

// A continuous query is spaced as RFC 6762 section 5.2 asks: a second
// after the first, then each interval twice the one before, up to the cap.
func TestQueryScheduleDoublesUpToTheCap(t *testing.T) {
	var q querySchedule
	at := time.Unix(1000, 0)
	if !q.due(at) {
		t.Fatal("the first query is not due at once")
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second,
		time.Minute, time.Minute}
	for i, w := range want {
		q.sent(at)
		if q.due(at.Add(w-time.Nanosecond)) || !q.due(at.Add(w)) {
			t.Fatalf("query %d: the next is due %v later, want %v", i+1, q.next.Sub(at), w)
		}
		at = at.Add(w)
	}
}

// A Directory asked every 100 ms for ten minutes (a recorder looking for
// topics that appear) queries the network on the schedule, not at each
// listing, keeping the peers its last query found; the host's
// announcements are read at each listing, so that a node that starts on
// the host is found at once.
func TestDirectoryQueriesTheNetworkLessAndLessOften(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nodes")
	now := time.Unix(1000, 0)
	var queries []time.Time
	d := NewDirectory(Config{HostDir: dir}, func(string, time.Duration) ([]remote.TopicInfo, error) {
		return []remote.TopicInfo{{Name: "/camera", Publishers: 1}}, nil
	}, "")
	d.now = func() time.Time { return now }
	d.query = func(context.Context, Config) ([]Peer, error) {
		queries = append(queries, now)
		return []Peer{{Name: "far", Addr: "192.0.2.7:7400"}}, nil
	}
	var host *Announcer
	for end := now.Add(10 * time.Minute); now.Before(end); now = now.Add(100 * time.Millisecond) {
		nodes, err := d.Nodes(context.Background())
		if err != nil || !slices.ContainsFunc(nodes, func(n NodeTopics) bool { return n.Name == "far" }) {
			t.Fatalf("at %v: %+v, %v; want the network's peer kept", now.Sub(time.Unix(1000, 0)), nodes, err)
		}
		if host == nil && now.Sub(time.Unix(1000, 0)) >= 5*time.Minute {
			if host, err = Announce(Config{Name: "near", Addr: "127.0.0.1:7401", HostDir: dir, NoMDNS: true}); err != nil {
				t.Fatal(err)
			}
			defer host.Close()
			now = now.Add(cacheFor) // the next listing
			if nodes, _ := d.Nodes(context.Background()); !slices.ContainsFunc(nodes, func(n NodeTopics) bool { return n.Name == "near" }) {
				t.Fatalf("a node started on the host is not found at the next listing: %+v", nodes)
			}
		}
	}
	// 1, 2, 4, 8, 16, 32 s, then a minute (each once the listing kept for
	// cacheFor is done): 16 in ten minutes, where each listing was one.
	if len(queries) < 12 || len(queries) > 17 {
		t.Errorf("%d queries in ten minutes, want about 16", len(queries))
	}
	for i := 2; i < len(queries); i++ {
		prev, gap := queries[i-1].Sub(queries[i-2]), queries[i].Sub(queries[i-1])
		if gap < prev || gap > maxQueryInterval+cacheFor {
			t.Errorf("query %d came %v after the one before, which came %v after its own: want the gaps growing up to %v", i, gap, prev, maxQueryInterval)
		}
	}
}
