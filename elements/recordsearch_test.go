package elements

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/transport"
)

// A search's topics are added once each, those recorded already never,
// and once the recording has its maximum of streams the rest are turned
// away, each said once.
func TestTopicAdmissionAddsNewTopicsUpToTheBound(t *testing.T) {
	a := newTopicAdmission(3, []string{"/a"})
	found := func(names ...string) []FoundTopic {
		var out []FoundTopic
		for _, n := range names {
			out = append(out, FoundTopic{Topic: n})
		}
		return out
	}
	topics := func(f []FoundTopic) []string {
		var out []string
		for _, t := range f {
			out = append(out, t.Topic)
		}
		return out
	}
	for i, step := range []struct {
		found        []string
		add, refused []string
	}{
		{found: []string{"/a"}},
		{found: []string{"/a", "/b"}, add: []string{"/b"}},
		{found: []string{"/a", "/b"}},
		{found: []string{"/c", "/d", "/e"}, add: []string{"/c"}, refused: []string{"/d", "/e"}},
		{found: []string{"/a", "/d", "/e", "/f"}, refused: []string{"/f"}},
		{found: nil},
	} {
		add, refused := a.admit(found(step.found...))
		if !slices.Equal(topics(add), step.add) || !slices.Equal(refused, step.refused) {
			t.Errorf("step %d: added %v, refused %v; want %v, %v", i, topics(add), refused, step.add, step.refused)
		}
	}
	if got := namedTopics([]string{"/1", "/2", "/3", "/4", "/5", "/6", "/7"}); got != "/1, /2, /3, /4, /5 and 2 more" {
		t.Errorf("namedTopics: %q", got)
	}
}

// A recorder with a search records a topic that appears while it runs,
// from the topic's first keyframe (the topic is volatile: the recorder
// joins it mid-GOP), says so, and records it to its end.
func TestRecorderAddsATopicThatAppearsLater(t *testing.T) {
	system := pipeline.NewSystem(zerolog.Nop())
	defer system.Shutdown()
	bus := transport.NewBus(system)
	defer bus.Close()
	reg := registry(t)
	var log testlog.Buffer
	path := filepath.Join(t.TempDir(), "robot.gopline")
	cfg := DefaultRecordConfig()
	cfg.Path, cfg.Topics = path, []string{"/a"}
	cfg.Search = &RecordSearch{Interval: pollForTest, Find: func(context.Context) []FoundTopic {
		names, _ := bus.Published("")
		var out []FoundTopic
		for _, n := range names {
			out = append(out, FoundTopic{Topic: n, Publisher: "this node"})
		}
		return out
	}}
	rec := pipeline.New(pipeline.WithSystem(system), pipeline.WithBus(bus), pipeline.WithLogger(zerolog.New(&log)))
	if err := rec.Add("rec", Record(cfg)); err != nil {
		t.Fatal(err)
	}
	start := func(line string) *pipeline.Pipeline {
		p, err := pipeline.Parse(line, reg, pipeline.WithSystem(system), pipeline.WithBus(bus))
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if err := rec.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	a := start("testsrc size=160x120 rate=50 num-frames=-1 ! h264enc gop=10 ! publish topic=/a")
	defer a.Stop()
	waitFor(t, "/a to be recorded", func() bool { return stat(t, rec, "rec").In > 0 })
	b := start("testsrc size=160x120 rate=50 num-frames=-1 ! h264enc gop=10 ! publish topic=/b qos=sensor_data")
	defer b.Stop()
	waitFor(t, "the recorder to add /b", func() bool { return strings.Contains(log.String(), "recording /b") })
	before := stat(t, rec, "rec").In
	waitFor(t, "/b to be recorded a while", func() bool { return stat(t, rec, "rec").In > before+40 })
	if err := b.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	wait(t, rec)
	if err := rec.Stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "recording /b, published by this node") {
		t.Errorf("the log does not say /b was added:\n%s", log.String())
	}
	got := recorded(t, path, "/b")
	if len(got) == 0 || !got[0].Key {
		t.Fatalf("/b recorded %d packets, the first a keyframe: %v", len(got), len(got) > 0 && got[0].Key)
	}
	published := stat(t, b, "publish0").In
	for i, p := range got {
		if p.Seq != got[0].Seq+uint64(i) {
			t.Fatalf("/b packet %d has Seq %d after %d: a hole", i, p.Seq, got[0].Seq)
		}
	}
	if last := got[len(got)-1].Seq; last+1 != published {
		t.Errorf("/b's last packet recorded is Seq %d of the %d published", last, published)
	}
	if s := stat(t, rec, "rec"); s.Dropped != 0 || s.Errors != 0 {
		t.Errorf("recorder stats %+v", s)
	}
}

// pollForTest is a search's interval in tests: short, so that the test
// waits for events rather than for the interval.
const pollForTest = 5 * time.Millisecond

// A recorder with a search and no topic yet (gopline record -a before
// anything publishes) starts, waits, and records the first topic that
// appears; one stopped while it still waits ends at once, recorded nothing
// and leaves no file.
func TestRecorderWithNoTopicYetWaitsForOne(t *testing.T) {
	system := pipeline.NewSystem(zerolog.Nop())
	defer system.Shutdown()
	bus := transport.NewBus(system)
	defer bus.Close()
	find := func(context.Context) []FoundTopic {
		names, _ := bus.Published("")
		var out []FoundTopic
		for _, n := range names {
			out = append(out, FoundTopic{Topic: n, Publisher: "this node"})
		}
		return out
	}
	newRecorder := func(path string) (*pipeline.Pipeline, *testlog.Buffer) {
		var log testlog.Buffer
		cfg := DefaultRecordConfig()
		cfg.Path, cfg.Search = path, &RecordSearch{Interval: pollForTest, Find: find}
		rec := pipeline.New(pipeline.WithSystem(system), pipeline.WithBus(bus), pipeline.WithLogger(zerolog.New(&log)))
		if err := rec.Add("rec", Record(cfg)); err != nil {
			t.Fatal(err)
		}
		if err := rec.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		return rec, &log
	}

	idle := filepath.Join(t.TempDir(), "idle.gopline")
	rec, _ := newRecorder(idle)
	if err := rec.Stop(); err != nil {
		t.Fatalf("stopping a recorder that waits for its first topic: %v", err)
	}
	if s := stat(t, rec, "rec"); s.In != 0 || s.Errors != 0 {
		t.Errorf("a recorder that found no topic: %+v", s)
	}
	if _, err := os.Stat(idle); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a recorder that found no topic left its file: %v", err)
	}

	path := filepath.Join(t.TempDir(), "robot.gopline")
	rec, log := newRecorder(path)
	defer rec.Stop()
	p, err := pipeline.Parse("testsrc size=160x120 rate=50 num-frames=-1 ! h264enc gop=10 ! publish topic=/late",
		registry(t), pipeline.WithSystem(system), pipeline.WithBus(bus))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	waitFor(t, "/late to be recorded", func() bool { return stat(t, rec, "rec").In > 20 })
	if err := rec.Stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "recording /late, published by this node") {
		t.Errorf("the log does not say /late was added:\n%s", log.String())
	}
	if got := recorded(t, path, "/late"); len(got) == 0 || !got[0].Key {
		t.Fatalf("/late recorded %d packets, the first a keyframe: %v", len(got), len(got) > 0 && got[0].Key)
	}
}
