package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestClipBenchBarOnlyOnATerminalWithoutJSONOrQuiet: bench codecs and bench
// storage draw their bar like the other benchmarks, and take -q.
func TestClipBenchBarOnlyOnATerminalWithoutJSONOrQuiet(t *testing.T) {
	for _, bench := range []string{"codecs", "storage"} {
		code, stdout, stderr := runCmd("bench", bench, "-q", "--input", "testsrc", "--size", "160x120", "--frames", "10")
		if code != 0 || !strings.Contains(stdout, "luma PSNR dB") || stderr != "" {
			t.Errorf("bench %s -q: exit %d, stdout %q, stderr %q", bench, code, stdout, stderr)
		}
	}
	tty := pseudoTerminal(t)
	for _, c := range []struct {
		out   benchOutput
		draws bool
	}{
		{benchOutput{stderr: tty}, true},
		{benchOutput{stderr: tty, asJSON: true}, false},
		{benchOutput{stderr: tty, quiet: true}, false},
		{benchOutput{stderr: &bytes.Buffer{}}, false},
	} {
		if got := c.out.bar("bench codecs").w != nil; got != c.draws {
			t.Errorf("%+v: draws %t, want %t", c.out, got, c.draws)
		}
	}
}

// pseudoTerminal opens a pseudo-terminal's master, closed when t ends; it
// skips t where there is none.
func pseudoTerminal(t *testing.T) *os.File {
	t.Helper()
	tty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	if !isTerminal(tty) {
		t.Skip("the pseudo-terminal is no terminal to this system")
	}
	return tty
}
