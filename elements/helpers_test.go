package elements

import (
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/storage"
	"github.com/rs/zerolog"
)

func TestMain(m *testing.M) {
	ffmpeg.SetLogger(zerolog.New(os.Stderr).Level(zerolog.ErrorLevel), zerolog.ErrorLevel)
	os.Exit(m.Run())
}

// frames collects the frames that reach it; a hold makes it wait before
// taking its first frame, stuck until the hold is closed.
type frames struct {
	mu   sync.Mutex
	got  []*media.Frame
	hold chan struct{}
}

func (c *frames) element() pipeline.Element {
	return pipeline.SinkElement("collect", pipeline.Frames, func() (pipeline.Sink[*media.Frame], error) { return &frameSink{c: c}, nil })
}

func (c *frames) all() []*media.Frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*media.Frame(nil), c.got...)
}

type frameSink struct{ c *frames }

func (s *frameSink) Start(*pipeline.Env) error { return nil }
func (s *frameSink) Stop() error               { return nil }
func (s *frameSink) Process(f *media.Frame) error {
	if s.c.hold != nil {
		<-s.c.hold
	}
	s.c.mu.Lock()
	s.c.got = append(s.c.got, f)
	s.c.mu.Unlock()
	return nil
}

// startCollecting parses line with opts, adds out after its node from,
// and starts it; the test's cleanup stops it.
func startCollecting(t *testing.T, line, from string, out *frames, opts ...pipeline.Option) *pipeline.Pipeline {
	t.Helper()
	p, err := pipeline.Parse(line, registry(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Add("sink", out.element()); err != nil {
		t.Fatal(err)
	}
	if err := p.Link(from, "sink"); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	return p
}

// runInto parses line with opts, adds sink after its node named last and
// runs it to its end.
func runInto(t *testing.T, line, last string, sink pipeline.Element, opts ...pipeline.Option) {
	t.Helper()
	p, err := pipeline.Parse(line, registry(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Add("sink", sink); err != nil {
		t.Fatal(err)
	}
	if err := p.Link(last, "sink"); err != nil {
		t.Fatal(err)
	}
	runToEnd(t, p)
}

func registry(t testing.TB) *pipeline.Registry {
	t.Helper()
	r, err := Registry()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// runToEnd starts p and waits for its sources to end.
func runToEnd(t *testing.T, p *pipeline.Pipeline) {
	t.Helper()
	if err := runToEndErr(t, p); err != nil {
		t.Fatal(err)
	}
}

// runToEndFailing starts p, waits for its sources to end, and wants Wait's
// error to be the FailedError of the nodes named, in order.
func runToEndFailing(t *testing.T, p *pipeline.Pipeline, nodes ...string) *pipeline.FailedError {
	t.Helper()
	return endedWith(t, runToEndErr(t, p), nodes...)
}

// runToEndErr starts p and returns Wait's error once its sources ended.
func runToEndErr(t *testing.T, p *pipeline.Pipeline) error {
	t.Helper()
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return waitErr(t, p)
}

// endedWith wants err, a pipeline's, to be the FailedError of the nodes
// named, in order, and returns it.
func endedWith(t *testing.T, err error, nodes ...string) *pipeline.FailedError {
	t.Helper()
	var failed *pipeline.FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("the pipeline ended with %v, want a FailedError of %v", err, nodes)
	}
	var got []string
	for _, n := range failed.Nodes {
		got = append(got, n.Node)
	}
	if !slices.Equal(got, nodes) {
		t.Fatalf("the pipeline ended with %v: failed nodes %v, want %v", err, got, nodes)
	}
	return failed
}

// wait waits for the sources of the started p to end.
func wait(t *testing.T, p *pipeline.Pipeline) {
	t.Helper()
	if err := waitErr(t, p); err != nil {
		t.Fatal(err)
	}
}

// waitErr waits for the sources of the started p to end, and returns
// Wait's error.
func waitErr(t *testing.T, p *pipeline.Pipeline) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(60 * time.Second):
		p.Stop()
		t.Fatal("pipeline did not end")
	}
	return nil
}

func stat(t *testing.T, p *pipeline.Pipeline, node string) pipeline.NodeStats {
	t.Helper()
	for _, s := range p.Stats() {
		if s.Node == node {
			return s
		}
	}
	t.Fatalf("no node %q", node)
	return pipeline.NodeStats{}
}

// mustParse builds a pipeline from the one-line syntax and adds collectors
// for the named frame sinks.
func mustParse(t *testing.T, line string, sinks map[string]*frames) *pipeline.Pipeline {
	t.Helper()
	p, err := pipeline.Parse(line, registry(t))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range sinks {
		from := name
		if err := p.Add(name+"-sink", c.element()); err != nil {
			t.Fatal(err)
		}
		if err := p.Link(from, name+"-sink"); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// recorded returns the packets of stream in the recording at path, in order.
func recorded(t *testing.T, path, stream string) []*media.Packet {
	t.Helper()
	r, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	first, err := r.First(stream)
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.Seek(stream, first)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out []*media.Packet
	for {
		p, err := c.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
}

// h264EncGOP is the default encoder with a GOP of gop frames.
func h264EncGOP(gop int) H264EncConfig {
	cfg := DefaultH264EncConfig()
	cfg.GOP = gop
	return cfg
}
