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
