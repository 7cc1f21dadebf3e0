package elements

import (
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/lograte"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/transport"
)

// A subscriber that falls behind every GOP says so once, then at most
// every transport.FellBehindLogEvery with the count of the times between.
func TestFellBehindIsLoggedRateLimited(t *testing.T) {
	var log testlog.Buffer
	now := time.Unix(1_000_000, 0)
	env := &pipeline.Env{Log: zerolog.New(&log), Now: func() time.Time { return now }}
	limiter := lograte.Limiter{Interval: transport.FellBehindLogEvery}
	dropped := &transport.Event{Kind: transport.EventDropped, Topic: "/cam"}
	lines := func() int { return strings.Count(log.String(), "fell behind the topic") }
	for range 30 { // a GOP a second
		if err := topicEvent(env, dropped, nil, &limiter); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Second)
	}
	if n := lines(); n != 3 {
		t.Fatalf("30 drops in 30 s gave %d lines, want 3 (at 0, 10 and 20 s):\n%s", n, log.String())
	}
	if !strings.Contains(log.String(), `"times":10`) {
		t.Fatalf("the later lines do not count the times between:\n%s", log.String())
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
