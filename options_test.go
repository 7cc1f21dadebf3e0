package gopline

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/transport/remote"
)

func TestListenAddressesAreChecked(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:7400": true, "127.0.0.1:0": true, "0.0.0.0:65535": true, "[::1]:7400": true, "robot.local:7400": true,
		"": false, "127.0.0.1": false, ":7400": false, "127.0.0.1:65536": false, "127.0.0.1:-1": false, "127.0.0.1:port": false,
	} {
		err := checkListen(addr)
		if (err == nil) != ok || (err != nil && !errors.Is(err, ErrBadOption)) {
			t.Errorf("checkListen(%q) = %v", addr, err)
		}
	}
	// A port alone is shown with a host, its own port kept.
	for addr, want := range map[string]string{"8080": "e.g. 127.0.0.1:8080 (", ":9000": "e.g. 127.0.0.1:9000 (", "robot": "e.g. 127.0.0.1:7400 ("} {
		if err := checkAddr("HTTP", addr); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("checkAddr(%q) = %v, want %q", addr, err, want)
		}
	}
}

// WithListen sets the address and keeps the rest of an earlier WithRemote;
// WithRemote replaces all of it.
func TestRemoteOptionsCompose(t *testing.T) {
	c := defaultConfig()
	for _, o := range []Option{WithRemote(remote.Config{Token: "secret"}), WithListen("127.0.0.1:7400")} {
		if err := o(&c); err != nil {
			t.Fatal(err)
		}
	}
	if c.remote == nil || c.remote.Token != "secret" || c.remote.Listen != "127.0.0.1:7400" {
		t.Errorf("after WithRemote, WithListen: %+v", c.remote)
	}
	if err := WithRemote(remote.Config{})(&c); err != nil || c.remote.Token != "" || c.remote.Listen != "" {
		t.Errorf("after a second WithRemote: %+v, %v", c.remote, err)
	}
}

// A node's stop timeout is its pipelines': a stage stuck in a call holds a
// stop up for that long (twice: the drain, then the actors), not for the
// pipeline's default.
func TestStopTimeoutIsThePipelinesOfTheNode(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		if _, err := New(WithStopTimeout(d)); !errors.Is(err, ErrBadOption) {
			t.Errorf("WithStopTimeout(%v): %v, want ErrBadOption", d, err)
		}
	}
	n, err := New(WithStopTimeout(100 * time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	stuck := make(chan struct{}, 1)
	defer n.Close()
	defer close(release)
	p, err := n.NewPipeline()
	if err != nil {
		t.Fatal(err)
	}
	src := pipeline.SourceElement("one", pipeline.Frames, func() (pipeline.Source[*media.Frame], error) { return &oneFrame{}, nil })
	sink := pipeline.SinkElement("stuck", pipeline.Frames, func() (pipeline.Sink[*media.Frame], error) {
		return stuckSink{stuck: stuck, release: release}, nil
	})
	if err := p.Chain([]string{"src", "sink"}, []pipeline.Element{src, sink}); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-stuck
	start := time.Now()
	if err := p.Stop(); !errors.Is(err, pipeline.ErrStopTimeout) {
		t.Fatalf("stopping a pipeline whose sink is stuck: %v, want ErrStopTimeout", err)
	}
	if took := time.Since(start); took >= pipeline.DefaultStopTimeout {
		t.Errorf("the stop took %v: the node's stop timeout (100ms) did not reach its pipeline", took)
	}
}

// oneFrame gives one frame and ends.
type oneFrame struct{ done bool }

func (s *oneFrame) Start(*pipeline.Env) error { return nil }
func (s *oneFrame) Stop() error               { return nil }
func (s *oneFrame) Next() (*media.Frame, time.Time, error) {
	if s.done {
		return nil, time.Time{}, io.EOF
	}
	s.done = true
	return &media.Frame{}, time.Time{}, nil
}

// stuckSink takes its first item and stays in the call until released.
type stuckSink struct{ stuck, release chan struct{} }

func (s stuckSink) Start(*pipeline.Env) error { return nil }
func (s stuckSink) Stop() error               { return nil }
func (s stuckSink) Process(*media.Frame) error {
	s.stuck <- struct{}{}
	<-s.release
	return nil
}

// A node at SubscriberAddr only subscribes unless told that it serves:
// then it announces itself as any other serving node.
func TestAnnouncingAtSubscriberAddr(t *testing.T) {
	for i, c := range []struct {
		opts []Option
		want bool
	}{
		{[]Option{WithListen(SubscriberAddr)}, false},
		{[]Option{WithListen("127.0.0.1:7400")}, true},
		{[]Option{WithListen(SubscriberAddr), WithAnnouncing()}, true},
		{[]Option{WithAnnouncing(), WithRemote(remote.Config{Listen: SubscriberAddr})}, true},
		{[]Option{WithListen(SubscriberAddr), WithAnnouncing(), WithoutAnnouncing()}, false},
		{[]Option{WithRemote(remote.Config{}), WithAnnouncing()}, false}, // listens for answers only
		{[]Option{WithAnnouncing()}, false},                              // serves nothing
	} {
		cfg := defaultConfig()
		for _, o := range c.opts {
			if err := o(&cfg); err != nil {
				t.Fatal(err)
			}
		}
		if got := cfg.announces(); got != c.want {
			t.Errorf("case %d: announces() = %v, want %v", i, got, c.want)
		}
	}
}
