package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cancelOnFile is a context that ends after it has been asked for its Err
// after packets more times once a file matches pattern: Ctrl-C that comes
// while an export writes its unfinished file, after a number of packets
// whatever the machine's speed, since the export asks Err before each one.
type cancelOnFile struct {
	context.Context
	cancel  context.CancelFunc
	pattern string // of filepath.Glob
	packets int
	seen    bool // the file existed when the context ended
}

func (c *cancelOnFile) Err() error {
	if c.Context.Err() != nil {
		return c.Context.Err()
	}
	if found, _ := filepath.Glob(c.pattern); len(found) > 0 {
		if c.packets--; c.packets < 0 {
			c.seen = true
			c.cancel()
		}
	}
	return c.Context.Err()
}

// Ctrl-C while an MP4 or MCAP export writes its file fails the export
// (exit 1), saying how far it came and that the file is not written; the
// unfinished file is removed, and a file that was at --out stays as it was.
func TestAnInterruptedFileExportSaysHowFarItCameAndLeavesNoFile(t *testing.T) {
	rec := exportRecording(t)
	for _, c := range []struct {
		out, stream string
		total       int
		streams     string
		earlier     bool // a file is at --out before the export
	}{
		{"a.mp4", "/camera", 90, "/camera", true},
		{"a.mp4", "/camera", 90, "/camera", false},
		{"a.mcap", "", 120, "/camera, /jpeg", true},
		{"a.mcap", "", 120, "/camera, /jpeg", false},
	} {
		dir := t.TempDir()
		out := filepath.Join(dir, c.out)
		if c.earlier {
			if err := os.WriteFile(out, []byte("earlier export"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithCancel(t.Context())
		interrupt := &cancelOnFile{Context: ctx, cancel: cancel, pattern: out + ".*.tmp", packets: 30}
		var stdout, stderr bytes.Buffer
		f := &exportFlags{stream: c.stream, out: out, overwrite: c.earlier}
		err := f.export(interrupt, []string{rec}, &stdout, &stderr)
		cancel()
		if !interrupt.seen {
			t.Fatalf("%s: no unfinished file while exporting: %v", c.out, err)
		}
		code := exitCode(nil, err, &stderr)
		var read, total int
		_, serr := fmt.Sscanf(stderr.String(), "gopline: interrupted after %d of %d packets of ", &read, &total)
		want := fmt.Sprintf("packets of %s: %s is not written (its unfinished file is removed; a file that was at %s stays)\n", c.streams, out, out)
		if code != exitFailure || serr != nil || read < 1 || read >= c.total || total != c.total || !strings.HasSuffix(stderr.String(), want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 and interrupted after a count of %d packets", c.out, code, stderr.String(), c.total)
		}
		if stdout.Len() > 0 {
			t.Errorf("%s: an interrupted export says %q on stdout", c.out, stdout.String())
		}
		entries, _ := os.ReadDir(dir)
		if c.earlier {
			if b, err := os.ReadFile(out); err != nil || string(b) != "earlier export" || len(entries) != 1 {
				t.Errorf("%s now holds %q, %v; the directory %v", c.out, b, err, entries)
			}
		} else if len(entries) != 0 {
			t.Errorf("%s: left %v", c.out, entries)
		}
	}
}

// Ctrl-C before an MP4 or MCAP export wrote a packet (as while an MP4
// export reads its range's keyframes first) fails it too, and leaves
// nothing.
func TestAFileExportInterruptedBeforeItsFirstPacketLeavesNothing(t *testing.T) {
	rec := exportRecording(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, name := range []string{"a.mp4", "a.mcap"} {
		dir := t.TempDir()
		out := filepath.Join(dir, name)
		var stderr bytes.Buffer
		err := (&exportFlags{stream: "/camera", out: out}).export(ctx, []string{rec}, new(bytes.Buffer), &stderr)
		want := fmt.Sprintf("gopline: interrupted before it wrote a packet: %s is not written", out)
		if code := exitCode(nil, err, &stderr); code != exitFailure || !strings.HasPrefix(stderr.String(), want) {
			t.Errorf("%s: exit %d, %q; want exit 1 and %q", name, code, stderr.String(), want)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%s: left %v", name, entries)
		}
	}
}

// cancelAfter is a context that ends once it has been asked for its Err
// more than n times: Ctrl-C after the export has read n packets.
type cancelAfter struct {
	context.Context
	cancel context.CancelFunc
	n      int
}

func (c *cancelAfter) Err() error {
	if c.n--; c.n < 0 {
		c.cancel()
	}
	return c.Context.Err()
}

// Ctrl-C while an MP4 export scans its range's keyframes, before it
// writes, says that it wrote no packet: the scan's progress is not the
// export's.
func TestAnMP4ExportInterruptedWhileScanningItsKeyframesWroteNoPacket(t *testing.T) {
	rec := exportRecording(t)
	out := filepath.Join(t.TempDir(), "a.mp4")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stderr bytes.Buffer
	err := (&exportFlags{stream: "/camera", out: out}).export(&cancelAfter{Context: ctx, cancel: cancel, n: 30}, []string{rec}, new(bytes.Buffer), &stderr)
	want := fmt.Sprintf("gopline: interrupted before it wrote a packet: %s is not written", out)
	if code := exitCode(nil, err, &stderr); code != exitFailure || !strings.HasPrefix(stderr.String(), want) {
		t.Errorf("exit %d, %q; want exit 1 and %q", code, stderr.String(), want)
	}
}
