package elements

import (
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
)

// statsLine feeds the stats sink one packet captured at capture when its
// clock reads now, an interval after it started, and returns its log line.
func statsLine(t *testing.T, now, capture time.Time) string {
	t.Helper()
	var log testlog.Buffer
	clock := now.Add(-time.Second)
	env := &pipeline.Env{Log: zerolog.New(&log), Now: func() time.Time { return clock }}
	s := &statsSink{interval: time.Second}
	if err := s.Start(env); err != nil {
		t.Fatal(err)
	}
	clock = now
	if err := s.Process(&media.Packet{Codec: media.H264, Data: make([]byte, 100), Key: true, CaptureTime: capture}); err != nil {
		t.Fatal(err)
	}
	return log.String()
}

func TestStatsAgeOfALiveStreamHasAUnit(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	line := statsLine(t, now, now.Add(-40*time.Millisecond))
	if !strings.Contains(line, `"age":"40ms"`) || strings.Contains(line, "ahead") {
		t.Fatalf("stats line %s: want age 40ms and nothing ahead", line)
	}
}

func TestStatsAgeIsNeverNegativeForAFileReadAhead(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	line := statsLine(t, now, now.Add(2500*time.Millisecond))
	if !strings.Contains(line, `"age":"0s"`) || !strings.Contains(line, `"ahead":"2.5s"`) {
		t.Fatalf("stats line %s: want age 0s and ahead 2.5s", line)
	}
	if strings.Contains(line, `"age":"-`) {
		t.Fatalf("negative age in %s", line)
	}
}
