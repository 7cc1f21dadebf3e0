package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestStallNamesTheChainAndWhatItWaitedFor(t *testing.T) {
	done := nodeView{eosIn: true, eosOut: true}
	named := func(v nodeView, name string) nodeView { v.name = name; return v }
	for _, tc := range []struct {
		name  string
		chain []nodeView
		want  string
	}{
		{"a sink in a call, its source too (inline)", []nodeView{
			{name: "cam", busyFor: 3 * time.Second}, {name: "enc"}, {name: "disk", busyFor: 2 * time.Second}},
			"cam → disk: disk has been in one call for 2s (end of stream never left cam)"},
		{"a processor flushing", []nodeView{
			named(done, "cam"), {name: "enc", eosIn: true, busyFor: time.Second}, {name: "sink"}},
			"cam → sink: enc has been in one call for 1s (end of stream reached cam but not past enc)"},
		{"a push source its topic did not answer", []nodeView{
			{name: "subscribe0", push: true}, {name: "fakesink0"}},
			"subscribe0 → fakesink0: subscribe0 has not ended its stream: it waits for its topic to answer its farewell"},
		{"items waiting for credit", []nodeView{
			named(done, "cam"), {name: "tee", eosIn: true, held: 3, heldFor: "slow"}, {name: "slow"}},
			"cam → slow: tee holds 3 items that slow took no credit for (end of stream reached cam but not past tee)"},
		{"end of stream behind in a mailbox", []nodeView{
			named(done, "cam"), {name: "sink"}},
			"cam → sink: end of stream waits in sink's mailbox (end of stream reached cam but not past sink)"},
		{"a producing source that did not end", []nodeView{{name: "cam"}, {name: "sink"}},
			"cam → sink: cam has not ended its stream"},
	} {
		if got := stall(tc.chain); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

// A stop that times out names the chain that did not drain, source to
// sink, and the node it waited on, and not the chains that drained.
func TestStopTimeoutNamesTheUndrainedChain(t *testing.T) {
	stuck := &collector{release: make(chan struct{})}
	defer close(stuck.release)
	p := New(WithStopTimeout(300 * time.Millisecond))
	for _, err := range []error{
		p.Chain([]string{"cam", "disk"}, []Element{counter(-1, 0), stuck.element()}),
		p.Chain([]string{"other", "fine"}, []Element{counter(-1, 0), (&collector{}).element()}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	err := p.Stop()
	if !errors.Is(err, ErrStopTimeout) {
		t.Fatalf("stop: %v, want ErrStopTimeout", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "cam → disk: disk has been in one call for") || strings.Contains(msg, "fine") {
		t.Errorf("stop: %q, want the chain cam → disk named with the call disk is in, and not other → fine", msg)
	}
}
