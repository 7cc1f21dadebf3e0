package elements

import (
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/smallfs"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/storage"
)

// recordUntilFull records 120 lossless 1280x720 frames, 10 a GOP (more
// than a 1 MiB file system holds), into dir with the record properties
// props, to the end, and returns the recording's path, the pipeline and
// its log.
func recordUntilFull(t *testing.T, dir, props string) (string, *pipeline.Pipeline, *testlog.Buffer) {
	t.Helper()
	path := filepath.Join(dir, "cam.gopline")
	log := &testlog.Buffer{}
	p, err := pipeline.Parse("testsrc size=1280x720 num-frames=120 is-live=false ! h264enc gop=10 crf=0 ! record path="+path+" name=rec "+props,
		registry(t), pipeline.WithLogger(zerolog.New(log).Level(zerolog.InfoLevel)))
	if err != nil {
		t.Fatal(err)
	}
	runToEnd(t, p)
	return path, p, log
}

// A recorder on a disk that fills up says so at once, as an error, keeps
// the stream going, counts what it could not write, and ends with an error
// of its node; what it wrote before stays readable.
func TestRecorderOnAFullDiskIsLoud(t *testing.T) {
	dir := smallfs.Dir(t, "1m")
	if dir == "" {
		return // the child ran the test
	}
	path, p, log := recordUntilFull(t, dir, "")
	s := stat(t, p, "rec")
	if s.Dropped == 0 || s.Errors == 0 {
		t.Fatalf("recorder stats %+v: want packets dropped and the loss as an error", s)
	}
	for _, want := range []string{`"level":"error"`, "writes fail", "no space", "lost"} {
		if !strings.Contains(log.String(), want) {
			t.Fatalf("the log does not say %q:\n%s", want, log.String())
		}
	}
	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	st, err := rec.Stats("/input")
	if err != nil || st.Packets == 0 || st.Packets+int64(s.Dropped) < 120 {
		t.Fatalf("the file keeps %+v (%v); with %d dropped that is not every packet", st, err, s.Dropped)
	}
}

// With overwrite-oldest the same recorder on the same full disk keeps
// every new packet: it warns that it overwrites the oldest GOPs, drops
// nothing, and its run ends well, with the newest packets in the file.
func TestRecorderThatOverwritesTheOldestKeepsRecordingOnAFullDisk(t *testing.T) {
	dir := smallfs.Dir(t, "1m")
	if dir == "" {
		return // the child ran the test
	}
	path, p, log := recordUntilFull(t, dir, "overwrite-oldest=true")
	if s := stat(t, p, "rec"); s.Dropped != 0 || s.Errors != 0 || s.In != 120 {
		t.Fatalf("recorder stats %+v: want 120 packets in, none dropped, no error", s)
	}
	if !strings.Contains(log.String(), "overwriting the oldest GOPs") {
		t.Fatalf("the log does not say the oldest GOPs were overwritten:\n%s", log.String())
	}
	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	st, err := rec.Stats("/input")
	if err != nil || st.Packets == 0 || st.Packets >= 120 || st.Packets%10 != 0 {
		t.Fatalf("the file keeps %+v (%v): want the newest whole GOPs, fewer than the 120 packets", st, err)
	}
	from, err := rec.First("/input")
	if err != nil {
		t.Fatal(err)
	}
	c, err := rec.Seek("/input", from)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var first, last *media.Packet
	for {
		pkt, err := c.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = pkt
		}
		last = pkt
	}
	if first == nil || !first.Key || last.Seq != 119 || last.Seq-first.Seq+1 != uint64(st.Packets) {
		t.Fatalf("the file keeps seq %v to %v: want the newest, up to 119, from a keyframe, with no gap", first, last)
	}
}
