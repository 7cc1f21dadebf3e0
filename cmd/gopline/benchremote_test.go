package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The benchmark runs as gopline does, in a process of its own (the test
// binary standing in for gopline), and starts its publishing node as
// another; it prints one JSON object.
func TestBenchRemoteMeasuresPacketsAndLateJoinersBetweenTwoProcesses(t *testing.T) {
	t.Parallel()
	isolateDiscovery(t)
	// Keyframes of 200 KB, not 1.5 MB: under the race detector a window of
	// 1.5 MB packets takes longer to cross than a short run lasts.
	const joins, keyframe = 4, 200_000
	profile := filepath.Join(t.TempDir(), "cpu.pprof")
	cmd, stdout, stderr := startGopline(t, "bench", "remote", "--seconds", "0.5", "--keyframe-size", fmt.Sprint(keyframe),
		"--joins", fmt.Sprint(joins), "--json", "--cpuprofile", profile)
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
	// Both processes wrote their CPU profiles.
	for _, f := range []string{profile, profile + ".publisher"} {
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("CPU profile %s: %v", f, err)
		}
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout.String()), &keys); err != nil {
		t.Fatalf("want one JSON object: %v: %s\n%s", err, stdout, stderr)
	}
	for _, k := range []string{"mb_per_s", "p50_ms", "p99_ms", "latejoin_p50_ms", "latejoin_p95_ms", "lost",
		"dropped", "latejoin_joins", "latejoin_lost", "keyframe_mb_per_s", "keyframe_p50_ms", "keyframe_p99_ms", "runs", "anchor_mb_per_s", "ratio"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("no %q in %s", k, stdout)
		}
	}
	var sum struct {
		MBPerS       float64 `json:"mb_per_s"`
		P50          float64 `json:"p50_ms"`
		P99          float64 `json:"p99_ms"`
		LateJoinP50  float64 `json:"latejoin_p50_ms"`
		LateJoinP95  float64 `json:"latejoin_p95_ms"`
		Lost         uint64  `json:"lost"`
		Dropped      uint64  `json:"dropped"`
		Joins        int     `json:"latejoin_joins"`
		LateJoinLost int     `json:"latejoin_lost"`
		KeyMBPerS    float64 `json:"keyframe_mb_per_s"`
		Anchor       float64 `json:"anchor_mb_per_s"`
		Ratio        float64 `json:"ratio"`
		Runs         []struct {
			Mode        string  `json:"mode"`
			PacketBytes int     `json:"packet_bytes"`
			Packets     int     `json:"packets"`
			MBPerS      float64 `json:"mb_per_s"`
			P50         float64 `json:"p50_ms"`
			P99         float64 `json:"p99_ms"`
			Dropped     uint64  `json:"dropped"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(stdout.String()), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.MBPerS <= 0 || sum.P50 <= 0 || sum.P99 < sum.P50 || sum.KeyMBPerS <= 0 {
		t.Errorf("MB/s %v, p50 %v, p99 %v, keyframes' MB/s %v: want figures", sum.MBPerS, sum.P50, sum.P99, sum.KeyMBPerS)
	}
	if sum.Anchor <= 0 || sum.Ratio <= 0 || math.Abs(sum.Ratio-sum.MBPerS/sum.Anchor) > 1e-9 {
		t.Errorf("anchor %v MB/s, ratio %v: want the anchor's figure and MB/s %v over it", sum.Anchor, sum.Ratio, sum.MBPerS)
	}
	// On a loaded machine the latency run may drop and a join may time
	// out; at least one join shows a picture, and lost adds up.
	if sum.Joins != joins || sum.LateJoinLost >= joins || sum.LateJoinP50 <= 0 || sum.LateJoinP95 < sum.LateJoinP50 {
		t.Errorf("%d joins, %d lost, p50 %v, p95 %v: want %d joins with pictures", sum.Joins, sum.LateJoinLost,
			sum.LateJoinP50, sum.LateJoinP95, joins)
	}
	if sum.Lost != sum.Dropped+uint64(sum.LateJoinLost) {
		t.Errorf("lost %d, want dropped %d + late joiners lost %d", sum.Lost, sum.Dropped, sum.LateJoinLost)
	}
	want := []struct {
		mode  string
		bytes int
	}{{"throughput", 50_000}, {"latency", 50_000}, {"throughput", keyframe}, {"latency", keyframe}}
	if len(sum.Runs) != len(want) {
		t.Fatalf("%d runs, want %d: %s", len(sum.Runs), len(want), stdout)
	}
	for i, r := range sum.Runs {
		if r.Mode != want[i].mode || r.PacketBytes != want[i].bytes || r.Packets == 0 || r.MBPerS <= 0 || r.P50 <= 0 || r.P99 < r.P50 {
			t.Errorf("run %d: %+v: want %+v with packets, MB/s and latencies", i, r, want[i])
		}
		if r.Mode == "throughput" && r.Dropped != 0 {
			t.Errorf("run %d: %+v: a run that follows the credits dropped packets", i, r)
		}
	}
	if sum.MBPerS != sum.Runs[0].MBPerS || sum.P50 != sum.Runs[1].P50 || sum.P99 != sum.Runs[1].P99 {
		t.Errorf("the summary's figures are not the 50 KB runs': %s", stdout)
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
		{[]string{"--size", "20000000"}, "--size 20000000 (want 1 byte up to 16MiB)"},
		{[]string{"--size", "20MB"}, "--size 20000000 (want 1 byte up to 16MiB)"},
		{[]string{"--keyframe-size", "17MiB"}, "--keyframe-size 17825792 (want 0 up to 16MiB)"},
		{[]string{"--rate", "-1"}, "-rate -1"},
		{[]string{"--keyframe-size", "-5"}, `invalid argument "-5" for "--keyframe-size" flag: want a byte count`},
		{[]string{"--joins", "0"}, "-joins 0"},
		{[]string{"--window", "0"}, "-window 0"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		code, _, stderr := runCmd(append([]string{"bench", "remote"}, c.args...)...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("gopline bench remote %v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, exitUsage, c.want)
		}
	}
	code, stdout, _ := runCmd("bench", "remote", "-h")
	if code != 0 || !strings.Contains(stdout, "--seconds") || strings.Contains(stdout, "--serve") {
		t.Errorf("help: exit %d, %q: want the flags without the child's --serve", code, stdout)
	}
}
