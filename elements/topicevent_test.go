package elements

import (
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/transport"
)

// A subscriber that falls behind every GOP, misses a deadline every
// period or sees a publisher's liveliness come and go (a lease shorter than
// its packets' spacing) says so once, then at most every
// transport.FellBehindLogEvery with the count of the times between.
func TestRepeatedEventsAreLoggedRateLimited(t *testing.T) {
	for _, c := range []struct {
		kind transport.EventKind
		line string
	}{
		{transport.EventDropped, "fell behind the topic"},
		{transport.EventDeadlineMissed, "deadline_missed"},
		{transport.EventLivelinessLost, "liveliness_lost"},
	} {
		var log testlog.Buffer
		now := time.Unix(1_000_000, 0)
		env := &pipeline.Env{Log: zerolog.New(&log), Now: func() time.Time { return now }}
		logs := newEventLogs()
		e := &transport.Event{Kind: c.kind, Topic: "/cam"}
		for range 30 { // one a second
			if err := topicEvent(env, e, nil, logs); err != nil {
				t.Fatal(err)
			}
			now = now.Add(time.Second)
		}
		if n := strings.Count(log.String(), c.line); n != 3 {
			t.Fatalf("%v: 30 events in 30 s gave %d lines, want 3 (at 0, 10 and 20 s):\n%s", c.kind, n, log.String())
		}
		if !strings.Contains(log.String(), `"times":10`) {
			t.Fatalf("%v: the later lines do not count the times between:\n%s", c.kind, log.String())
		}
	}
}

// A publisher that loses and regains its liveliness at every packet (a
// lease shorter than their spacing) is told at most every interval, and
// its regaining whenever its loss was: a node restarted is said to be
// back.
func TestLivelinessRegainedIsToldWhenItsLossWas(t *testing.T) {
	var log testlog.Buffer
	now := time.Unix(1_000_000, 0)
	env := &pipeline.Env{Log: zerolog.New(&log), Now: func() time.Time { return now }}
	logs := newEventLogs()
	lost := &transport.Event{Kind: transport.EventLivelinessLost, Topic: "/cam"}
	back := &transport.Event{Kind: transport.EventLivelinessRegained, Topic: "/cam"}
	for range 30 { // lost and regained every second
		for _, e := range []*transport.Event{lost, back} {
			if err := topicEvent(env, e, nil, logs); err != nil {
				t.Fatal(err)
			}
		}
		now = now.Add(time.Second)
	}
	if l, r := strings.Count(log.String(), "liveliness_lost"), strings.Count(log.String(), "liveliness_regained"); l != 3 || r != 3 {
		t.Fatalf("30 losses and regainings gave %d and %d lines, want 3 and 3:\n%s", l, r, log.String())
	}
}

// A publisher's qos= of policies alone changes durable_video, its default
// offer: a deadline added keeps the topic's cache for late joiners.
func TestPublishQoSPoliciesChangeTheDurableDefault(t *testing.T) {
	system := pipeline.NewSystem(zerolog.Nop())
	defer system.Shutdown()
	bus := transport.NewBus(system)
	defer bus.Close()
	p, err := pipeline.Parse("testsrc size=64x48 rate=30 ! h264enc gop=5 ! publish topic=/c qos=deadline=1s",
		registry(t), pipeline.WithSystem(system), pipeline.WithBus(bus))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	waitFor(t, "a GOP cached on /c (the topic is not durable)", func() bool {
		st, err := bus.Stats("/c")
		return err == nil && st.Cache != nil && st.Cache.Frames > 0
	})
	if st, _ := bus.Stats("/c"); st.QoS != "reliable,transient_local,keep_last,deadline=1s" {
		t.Fatalf("the topic's QoS %q: want durable_video with the deadline", st.QoS)
	}
}
