package pipeline

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
)

// The actor system's own log lines are at debug level, with their
// durations given with a unit.
func TestActorSystemLogGivesDurationsWithUnits(t *testing.T) {
	var buf testlog.Buffer
	log := slog.New(debugOnly{zerolog.NewSlogHandler(zerolog.New(&buf).Level(zerolog.DebugLevel))})
	log.Warn("EndpointWriter failed to connect", slog.Duration("cost", 1500*time.Millisecond), slog.String("address", "a"))
	log.Warn("stopped", slog.Duration("after", 3*time.Second))
	got := buf.String()
	for _, want := range []string{`"cost":"1.5s"`, `"address":"a"`, `"after":"3s"`, `{"level":"debug","cost"`} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %s:\n%s", want, got)
		}
	}
}
