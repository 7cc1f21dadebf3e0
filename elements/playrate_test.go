package elements

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testclip"
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

// A play that is not live hands on a B-frame stream's pictures with their
// recorded presentation offsets whatever its rate: read flat out, a rate
// paces nothing, and it scaled the offsets, putting each B-frame's picture
// at a time the stream never had.
func TestPlayNotLiveKeepsTheRecordedOffsetsWhateverItsRate(t *testing.T) {
	clip := testclip.Make(t, "bframes.mp4", 20, 25, "-c:v", "libx264", "-bf", "2", "-g", "10", "-pix_fmt", "yuv420p")
	path := filepath.Join(t.TempDir(), "cam.db")
	runToEnd(t, mustParse(t, "videosrc location="+clip+" passthrough=true ! record path="+path+" stream=/cam", nil))
	offsets := func(props string) []time.Duration {
		out := &packets{}
		runInto(t, "play path="+path+" "+props+" name=src", "src", out.element())
		var got []time.Duration
		for _, pk := range out.got {
			got = append(got, pk.CompositionOffset)
		}
		return got
	}
	recorded, fast := offsets("is-live=false"), offsets("is-live=false rate=4")
	if len(recorded) != 20 || !slices.Equal(recorded, fast) || slices.Max(recorded) == 0 {
		t.Fatalf("offsets at rate=1 %v, at rate=4 %v: want the same 20, some not 0", recorded, fast)
	}
}
