package elements

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/pipeline"
)

// A play that is not live reads flat out whatever its rate: a rate= given
// to it is warned of as it starts, with is-live=true, which uses it.
func TestPlayWarnsOfARateItDoesNotUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.db")
	runToEnd(t, mustParse(t, "testsrc size=160x120 num-frames=10 rate=30 is-live=false ! h264enc gop=10 ! record path="+path+" stream=/cam", nil))
	for _, c := range []struct {
		props string
		warn  bool
	}{
		{"is-live=false rate=4", true},
		{"is-live=false keep-time=true rate=4", true},
		{"is-live=false", false},
		{"rate=4", false},
	} {
		var log testlog.Buffer
		p, err := pipeline.Parse("play path="+path+" "+c.props+" ! fakesink", registry(t), pipeline.WithLogger(zerolog.New(&log)))
		if err != nil {
			t.Fatal(err)
		}
		runToEnd(t, p)
		warned := strings.Contains(log.String(), "rate=4 is not used with is-live=false") && strings.Contains(log.String(), "is-live=true plays it at 4 times")
		if warned != c.warn {
			t.Errorf("%s: warned %v, want %v:\n%s", c.props, warned, c.warn, log.String())
		}
	}
}
