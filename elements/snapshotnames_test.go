package elements

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

func TestSnapshotStreamIsReadFromTheNodesFileNames(t *testing.T) {
	for name, want := range map[string]int{
		"snap-000030.png":          1,
		"snap-000030.jpeg":         1,
		"snap-stream2-000030.png":  2,
		"snap-stream12-000000.png": 12,
		"snap-stream1-000030.png":  0, // the first stream has no number
		"snap-streamx-000030.png":  0,
		"snap-000030.png.tmp":      0,
		"snap-000030.gif":          0,
		"snap-abc.png":             0,
		"other-000030.png":         0,
		"snap2-000030.png":         0,
		"snap-stream3-.png":        0,
	} {
		if got := snapshotStream(name, "snap"); got != want {
			t.Errorf("snapshotStream(%q) = %d, want %d", name, got, want)
		}
	}
}

// snapshotRun writes a snapshot of each of frames numbered seqs into dir, as
// a run of a node named snap, and returns its log.
func snapshotRun(t *testing.T, dir string, seqs ...uint64) string {
	t.Helper()
	var log testlog.Buffer
	s := &snapshot{cfg: SnapshotConfig{Dir: dir, Every: 1, Format: "png"}}
	if err := s.Start(&pipeline.Env{Node: "snap", Log: zerolog.New(&log), Now: time.Now}); err != nil {
		t.Fatal(err)
	}
	for _, seq := range seqs {
		f, err := media.NewFrame(media.YUV420P, 16, 16)
		if err != nil {
			t.Fatal(err)
		}
		f.Seq = seq
		if err := s.Process(f); err != nil {
			t.Fatal(err)
		}
	}
	return log.String()
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// A camera that reconnects numbers its frames from 0 again: their
// snapshots, and those of a later run into the same directory, get names
// of their own instead of writing over the first ones.
func TestSnapshotsOfANewStreamOrRunDoNotOverwrite(t *testing.T) {
	dir := t.TempDir()
	if log := snapshotRun(t, dir, 0, 1, 0, 1, 1); strings.Contains(log, "earlier run") {
		t.Fatalf("a run into an empty directory speaks of an earlier one:\n%s", log)
	}
	log := snapshotRun(t, dir, 5)
	want := []string{"snap-000000.png", "snap-000001.png", "snap-stream2-000000.png", "snap-stream2-000001.png",
		"snap-stream3-000001.png", "snap-stream4-000005.png"}
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Fatalf("files %q, want %q", got, want)
	}
	if !strings.Contains(log, "snapshots of an earlier run: this run's are named snap-stream4-SEQ.png on") {
		t.Fatalf("the second run's log does not say where its files go:\n%s", log)
	}
}
