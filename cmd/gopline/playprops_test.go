package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// The play element's properties written after gopline play's recording
// (as in a pipeline line) are refused at once, before anything plays,
// each with the flag that says it, or, for is-live=false, the pipeline
// that reads a recording flat out: not taken for files that do not exist.
func TestPlayRefusesTheElementsPropertiesNamingItsFlags(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.gopline")
	if code, _, stderr := runCmd("run", "testsrc size=160x120 num-frames=10 is-live=false ! h264enc gop=10 ! record path="+path+" stream=/cam"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{path, "is-live=false", "keep-time=true"},
			[]string{"is-live=false", "recorded pace", "gopline run 'play path=" + path + " is-live=false keep-time=true ! record", "keep-time=true is --keep-time"}},
		{[]string{path, "rate=2"}, []string{"rate=2 is --rate 2"}},
		{[]string{path, "loop=true", "start=10s"}, []string{"loop=true is --loop", "start=10s is --start 10s"}},
		{[]string{path, "keep-time=false", "loop=false"}, []string{"keep-time=false is the default: leave it out (or --keep-time=false)",
			"loop=false is the default: leave it out (or --loop=false)"}},
		{[]string{path, "loop=yes"}, []string{"loop=yes is --loop=yes, which takes true or false"}},
		// A copy flat out is read once, at no rate.
		{[]string{path, "is-live=false", "loop=true", "rate=4", "start=1s"},
			[]string{"gopline run 'play path=" + path + " is-live=false start=1s ! record"}},
	} {
		code, _, stderr := runCmd(append([]string{"play"}, c.args...)...)
		if code != exitUsage {
			t.Errorf("gopline play %q: exit %d, want %d:\n%s", c.args, code, exitUsage, stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("gopline play %q says\n%s\nwithout %q", c.args, stderr, w)
			}
		}
		if strings.Contains(stderr, "no such file") {
			t.Errorf("gopline play %q takes a property for a file:\n%s", c.args, stderr)
		}
	}
}
