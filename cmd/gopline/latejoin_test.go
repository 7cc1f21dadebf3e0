package main

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestBenchLatejoinPrintsEveryModeAsJSON(t *testing.T) {
	code, stdout, stderr := runCmd("bench", "latejoin", "--joins", "3", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	want := []string{"extra_idr_bytes", "joins", "max_ms", "mode", "p50_ms", "p95_ms", "undecodable"}
	for i, obj := range raw {
		var keys []string
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		want := want
		if i == 0 { // the cache's, with its floor
			want = []string{"extra_idr_bytes", "floor_ratio_p50", "floor_ratio_p95", "floors", "joins", "max_ms", "mode", "p50_ms", "p95_ms", "undecodable"}
		}
		if !slices.Equal(keys, want) {
			t.Errorf("object %d has keys %v, want exactly %v", i, keys, want)
		}
	}
	var results []struct {
		Mode          string  `json:"mode"`
		Joins         int     `json:"joins"`
		P50, P95, Max float64 `json:"-"`
		Undecodable   int     `json:"undecodable"`
		ExtraIDRBytes int64   `json:"extra_idr_bytes"`
	}
	if err := json.Unmarshal([]byte(stdout), &results); err != nil {
		t.Fatal(err)
	}
	var modes []string
	for _, r := range results {
		modes = append(modes, r.Mode)
		if r.Joins != 3 || r.Undecodable != 0 {
			t.Errorf("%+v: want 3 joins, all decodable", r)
		}
		if r.Mode != "keyframe_request" && r.ExtraIDRBytes != 0 {
			t.Errorf("%s cost %d extra bytes: only keyframe requests force IDRs", r.Mode, r.ExtraIDRBytes)
		}
	}
	if !slices.Equal(modes, []string{"cache", "volatile", "keyframe_request"}) {
		t.Errorf("modes %v", modes)
	}
}

func TestBenchLatejoinBadFlagsExitWithUsageCode(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--joins", "0"}, "-joins 0"},
		{[]string{"--joins", "many"}, "invalid argument"},
		{[]string{"--seed", "-1"}, "invalid argument"},
		{[]string{"--size", "64x48"}, "want even sizes"},
		{[]string{"--gop", "0"}, "-gop 0"},
		{[]string{"--modes", "cache,nosuch"}, `unknown mode "nosuch"`},
		{[]string{"--threads", "0"}, "decoder threads"},
		{[]string{"--min-gap", "2s", "--max-gap", "1s"}, "gaps 2s..1s"},
		{[]string{"--no-such-flag"}, "unknown flag"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		code, _, stderr := runCmd(append([]string{"bench", "latejoin"}, c.args...)...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("gopline bench latejoin %v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, exitUsage, c.want)
		}
	}
}

// A benchmark draws its bar on a terminal only (a pseudo-terminal's
// master here), and not with --json or --quiet.
func TestBenchBarOnlyOnATerminalWithoutJSONOrQuiet(t *testing.T) {
	tty := pseudoTerminal(t)
	var buf bytes.Buffer
	for _, c := range []struct {
		w             io.Writer
		asJSON, quiet bool
		draws         bool
	}{
		{tty, false, false, true},
		{tty, true, false, false},
		{tty, false, true, false},
		{&buf, false, false, false},
	} {
		if got := benchBar(c.w, c.asJSON, c.quiet, "latejoin", "joins").w != nil; got != c.draws {
			t.Errorf("on a terminal %t, --json %t, --quiet %t: draws %t, want %t", c.w == tty, c.asJSON, c.quiet, got, c.draws)
		}
	}
}
