package main

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Every flag of a byte count reads the units recording.md and the one-line
// syntax use, and says so in help.
func TestByteCountFlagsTakeUnits(t *testing.T) {
	root := rootCommand(io.Discard, io.Discard)
	for _, c := range []struct {
		command []string
		flag    string
		value   string
		want    string // the value read back
	}{
		{[]string{"record"}, "max-cache-size", "100MiB", "100MiB"},
		{[]string{"record"}, "max-bytes", "1GB", "1000000000"},
		{[]string{"record"}, "max-bytes", "1gib", "1GiB"},
		{[]string{"record"}, "max-bag-size", "500K", "500000"},
		{[]string{"bench", "remote"}, "size", "50KB", "50000"},
		{[]string{"bench", "remote"}, "keyframe-size", "1MiB", "1MiB"},
	} {
		cmd, _, err := root.Find(c.command)
		if err != nil {
			t.Fatal(err)
		}
		f := cmd.Flags().Lookup(c.flag)
		if f == nil {
			t.Fatalf("%v has no --%s", c.command, c.flag)
		}
		if f.Value.Type() != "size" {
			t.Errorf("%v --%s shows type %q in help, want size", c.command, c.flag, f.Value.Type())
		}
		if err := f.Value.Set(c.value); err != nil {
			t.Errorf("%v --%s %s: %v", c.command, c.flag, c.value, err)
		} else if got := f.Value.String(); got != c.want {
			t.Errorf("%v --%s %s reads %s, want %s", c.command, c.flag, c.value, got, c.want)
		}
	}
}

func TestByteCountFlagErrorsSayWhatIsWanted(t *testing.T) {
	out := filepath.Join(t.TempDir(), "c.gopline")
	for _, args := range [][]string{
		{"record", "--topic", "/c", "--out", out, "--max-cache-size", "100Mx", "testsrc ! h264enc ! publish topic=/c"},
		{"record", "--topic", "/c", "--out", out, "--max-bytes", "lots", "testsrc ! h264enc ! publish topic=/c"},
		{"bench", "remote", "--size", "-5"},
	} {
		code, _, stderr := runCmd(args...)
		if code != exitUsage || !strings.Contains(stderr, "want a byte count such as 1048576, 64MiB, 500KB or 500K") ||
			strings.Contains(stderr, "strconv") {
			t.Errorf("gopline %v: exit %d, stderr %q; want exit %d and the byte counts it takes", args, code, stderr, exitUsage)
		}
	}
}

// The units recording.md shows work on a real recording.
func TestRecordTakesSizesWithUnits(t *testing.T) {
	out := filepath.Join(t.TempDir(), "c.gopline")
	code, _, stderr := runCmd("record", "--topic", "/cam", "--out", out, "--max-cache-size", "100MiB", "--max-bytes", "1GB",
		"testsrc num-frames=10 size=160x96 ! h264enc ! publish topic=/cam")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

// A duration flag takes a bare number as seconds, and [HH:]MM:SS, as
// ffmpeg's -t does.
func TestDurationFlagsTakeABareNumberAsSeconds(t *testing.T) {
	for _, c := range []struct {
		value, want string
	}{{"5", "5s"}, {"1.5", "1.5s"}, {"90s", "1m30s"}, {"0", "0"}, {"00:00:02", "2s"}, {"01:30.5", "1m30.5s"}} {
		var d durationValue
		if err := d.Set(c.value); err != nil {
			t.Errorf("--duration %s: %v", c.value, err)
		} else if d.String() != c.want {
			t.Errorf("--duration %s reads %s, want %s", c.value, d.String(), c.want)
		}
	}
	for _, bad := range []string{"-5", "five", "NaN", "inf", "1e300", "1:2:3:4", "00:-1"} {
		var d durationValue
		if err := d.Set(bad); err == nil {
			t.Errorf("--duration %s taken as %v", bad, time.Duration(d))
		}
	}
}
