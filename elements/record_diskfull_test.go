package elements

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/smallfs"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/storage"
)

// A recorder on a disk that fills up says so at once, as an error, keeps
// the stream going, counts what it could not write, and ends with an error
// of its node; what it wrote before stays readable.
func TestRecorderOnAFullDiskIsLoud(t *testing.T) {
	dir := smallfs.Dir(t, "1m")
	if dir == "" {
		return // the child ran the test
	}
	path := filepath.Join(dir, "cam.gopline")
	var log testlog.Buffer
	reg := registry(t)
	p, err := pipeline.Parse("testsrc size=1280x720 num-frames=120 is-live=false ! h264enc gop=10 crf=0 ! record path="+path+" name=rec",
		reg, pipeline.WithLogger(zerolog.New(&log).Level(zerolog.InfoLevel)))
	if err != nil {
		t.Fatal(err)
	}
	runToEnd(t, p)
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
