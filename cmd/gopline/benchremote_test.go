package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// The benchmark runs as gopline does, in a process of its own (the test
// binary standing in for gopline), and starts its publishing node as
// another.
func TestBenchRemoteMeasuresBothModesBetweenTwoProcesses(t *testing.T) {
	cmd, stdout, stderr := gopline(t, "bench", "remote", "--seconds", "1", "--json")
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("bench remote: %v\n%s", err, stderr)
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("bench remote still running after 60 s\n%s", stderr)
	}
	var results []struct {
		Mode        string  `json:"mode"`
		PacketBytes int     `json:"packet_bytes"`
		Packets     int     `json:"packets"`
		MBPerS      float64 `json:"mb_per_s"`
		P50         float64 `json:"p50_ms"`
		P99         float64 `json:"p99_ms"`
		Dropped     *uint64 `json:"dropped"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		t.Fatalf("%v: %s\n%s", err, stdout, stderr)
	}
	modes := map[string]bool{}
	keyframes := 0
	for _, r := range results {
		modes[r.Mode] = true
		if r.Packets == 0 || r.MBPerS <= 0 || r.P50 <= 0 || r.P99 < r.P50 || r.Dropped == nil {
			t.Errorf("%+v: want packets, MB/s, latencies and a drop count", r)
		}
		if r.Mode == "throughput" && r.Dropped != nil && *r.Dropped != 0 {
			t.Errorf("%+v: a run that follows the credits dropped packets", r)
		}
		if r.PacketBytes == 1_500_000 {
			keyframes++
		}
	}
	if !modes["throughput"] || !modes["latency"] || len(modes) != 2 {
		t.Errorf("modes %v, want throughput and latency", modes)
	}
	if keyframes == 0 {
		t.Errorf("no run of 1.5 MB keyframes: %s", stdout)
	}
	if strings.Contains(stderr.String(), "ERR") {
		t.Errorf("errors logged:\n%s", stderr)
	}
}

func TestBenchRemoteBadFlagsExitWithUsageCode(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--seconds", "0"}, "-seconds 0"},
		{[]string{"--size", "0"}, "-size 0"},
		{[]string{"--size", "20000000"}, "packet size 20000000"},
		{[]string{"--rate", "-1"}, "-rate -1"},
		{[]string{"--keyframe-size", "-5"}, "-keyframe-size -5"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		code, _, stderr := runCmd(append([]string{"bench", "remote"}, c.args...)...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("gopline bench remote %v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, exitUsage, c.want)
		}
	}
	code, _, stderr := runCmd("bench", "remote", "-h")
	if code != 0 || !strings.Contains(stderr, "-seconds") || strings.Contains(stderr, "-serve") {
		t.Errorf("help: exit %d, %q: want the flags without the child's -serve", code, stderr)
	}
}
