package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/gopline/gopline/internal/chromium"
)

// gopline bench viewer as the README has it, with one join a mode: one
// JSON object per mode with the keys, and the cache forcing no
// keyframe.
func TestBenchViewerPrintsOneObjectPerMode(t *testing.T) {
	if chromium.Path() == "" && os.Getenv("GOPLINE_REQUIRE_BROWSER") == "" {
		t.Skip(chromium.ErrMissing.Error() + " (make test installs it)")
	}
	code, stdout, stderr := runCmd("bench", "viewer", "--joins", "1", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	modes := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		for _, key := range []string{"mode", "joins", "p50_ms", "p95_ms", "max_ms", "undecodable", "extra_idr_bytes"} {
			if _, ok := m[key]; !ok {
				t.Errorf("%s has no %q", line, key)
			}
		}
		modes[m["mode"].(string)] = m
	}
	for _, mode := range []string{"cache", "pli", "volatile"} {
		if modes[mode] == nil || modes[mode]["joins"] != 1.0 || modes[mode]["undecodable"] != 0.0 {
			t.Errorf("mode %s: %v, want one join that painted", mode, modes[mode])
		}
	}
	if c := modes["cache"]; c != nil && c["extra_idr_bytes"] != 0.0 {
		t.Errorf("the cache forced keyframes: %v", c)
	}
}
