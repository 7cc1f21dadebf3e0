package remotebench

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/transport"
)

// newNode returns a node that closes when the test ends.
func newNode(t *testing.T) *gopline.Node {
	t.Helper()
	n, err := gopline.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Error(err)
		}
	})
	return n
}

// served runs Serve for runs on the topics of a node of its own (the
// broker speaks the same protocol as a remote link) and returns the node;
// the cleanup stops Serve and checks that it returned.
func served(t *testing.T, runs []Run) *gopline.Node {
	t.Helper()
	n := newNode(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, n, runs) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return after its context ended")
		}
	})
	return n
}

func measure(t *testing.T, n *gopline.Node, r Run) Result {
	t.Helper()
	broker, err := n.Bus().Topic(r.Topic)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Measure(t.Context(), n.System(), broker, r)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestRunsCoverBothModesOnTopicsOfTheirOwn(t *testing.T) {
	runs := Config{}.Runs()
	want := []struct {
		mode Mode
		size int
		gop  int
	}{{Throughput, DefaultPacketBytes, DefaultGOP}, {Latency, DefaultPacketBytes, DefaultGOP},
		{Throughput, DefaultKeyframeBytes, 1}, {Latency, DefaultKeyframeBytes, 1}}
	if len(runs) != len(want) {
		t.Fatalf("%d runs, want %d", len(runs), len(want))
	}
	topics := map[string]bool{}
	for i, r := range runs {
		if r.Mode != want[i].mode || r.PacketBytes != want[i].size || r.GOP != want[i].gop {
			t.Errorf("run %d: %+v, want %+v", i, r, want[i])
		}
		if err := transport.ValidateTopicName(r.Topic); err != nil || topics[r.Topic] {
			t.Errorf("run %d: topic %q (%v), or used twice", i, r.Topic, err)
		}
		topics[r.Topic] = true
		if (r.Mode == Latency) != (r.Rate == DefaultRate) || r.Window != transport.DefaultWindow {
			t.Errorf("run %d: rate %v, window %d", i, r.Rate, r.Window)
		}
	}
	if n := len((Config{KeyframeBytes: -1}).Runs()); n != 2 {
		t.Errorf("without keyframe runs: %d runs, want 2", n)
	}
}

func TestBadConfigsAreRefused(t *testing.T) {
	for _, c := range []Config{
		{PacketBytes: -1}, {PacketBytes: MaxPacketBytes + 1}, {KeyframeBytes: MaxPacketBytes + 1},
		{Rate: -1}, {Rate: MaxRate + 1}, {GOP: 301}, {Window: 2000}, {Duration: -time.Second},
		{Joins: -1}, {Joins: MaxJoins + 1},
	} {
		if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), "remotebench: ") {
			t.Errorf("%+v: %v", c, err)
		}
	}
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("the defaults: %v", err)
	}
}

// A throughput run keeps its subscriber's window full and never overfills
// it: packets flow, and the topic drops none.
func TestThroughputRunFollowsTheCredits(t *testing.T) {
	runs := Config{Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond, KeyframeBytes: -1}.Runs()
	n := served(t, runs)
	res := measure(t, n, runs[0])
	if res.Mode != Throughput || res.Packets < 10 || res.MBPerS <= 0 || res.Dropped != 0 {
		t.Fatalf("%+v: want packets, MB/s and no drop", res)
	}
	if res.P50 <= 0 || res.P99 < res.P50 || res.Max < res.P99 {
		t.Errorf("latencies p50 %v, p99 %v, max %v", res.P50, res.P99, res.Max)
	}
	if res.Seconds < 0.3 || res.Seconds > 1 {
		t.Errorf("counted for %.3f s, want about 0.3", res.Seconds)
	}
	t.Logf("one process: %.0f MB/s of %d-byte packets, p50 %.2f ms", res.MBPerS, res.PacketBytes, res.P50)
}

// A latency run publishes at its rate, and a subscriber that keeps up
// loses nothing.
func TestLatencyRunPublishesAtItsRate(t *testing.T) {
	runs := Config{Rate: 100, Duration: 500 * time.Millisecond, Warmup: 50 * time.Millisecond, KeyframeBytes: -1}.Runs()
	n := served(t, runs)
	res := measure(t, n, runs[1])
	if res.Mode != Latency || res.Rate != 100 || res.Dropped != 0 {
		t.Fatalf("%+v", res)
	}
	if res.Packets < 25 || res.Packets > 75 {
		t.Errorf("%d packets in %.2f s at 100/s", res.Packets, res.Seconds)
	}
	if want := 100 * float64(res.PacketBytes) / 1e6; res.MBPerS < want/2 || res.MBPerS > want*1.5 {
		t.Errorf("%.2f MB/s, want about %.2f", res.MBPerS, want)
	}
	if res.P50 <= 0 || res.P50 > 50 {
		t.Errorf("p50 %.2f ms in one process", res.P50)
	}
}

// Runs are measured one after another on one node: each topic publishes
// only while it has its subscriber, and a second subscription to a topic
// starts at a keyframe again.
func TestRunsOneAfterAnotherAndAgain(t *testing.T) {
	runs := Config{Rate: 200, Duration: 100 * time.Millisecond, Warmup: 10 * time.Millisecond, KeyframeBytes: 200_000}.Runs()
	n := served(t, runs)
	for _, r := range append(runs, runs[0]) {
		if res := measure(t, n, r); res.Packets == 0 || res.Dropped != 0 {
			t.Errorf("%s: %+v", r.Topic, res)
		}
	}
	st, err := n.Bus().Stats(runs[0].Topic)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Subscribers) != 0 || st.Skipped != 0 {
		t.Errorf("after the runs: %d subscribers, %d packets skipped waiting for a keyframe", len(st.Subscribers), st.Skipped)
	}
}

func TestNoPacketIsAnError(t *testing.T) {
	n := newNode(t)
	broker, err := n.Bus().Topic("/nobody")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := Measure(ctx, n.System(), broker, Run{Topic: "/nobody", Mode: Throughput}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's deadline", err)
	}
}

func TestServeLeavesNoGoroutine(t *testing.T) {
	n := newNode(t)
	runs := Config{Duration: 50 * time.Millisecond, Warmup: time.Millisecond}.Runs()
	for _, r := range runs { // the brokers' goroutines exist before counting
		if _, err := n.Bus().Topic(r.Topic); err != nil {
			t.Fatal(err)
		}
	}
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, n, runs) }()
	broker, _ := n.Bus().Topic(runs[1].Topic)
	if _, err := Measure(t.Context(), n.System(), broker, runs[1]); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Serve returned, %d before", n, before)
	}
}
