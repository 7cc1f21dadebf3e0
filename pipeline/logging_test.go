package pipeline

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
)

// The actor system's own log lines give their durations with a unit, and
// the lost connections gopline reports itself are demoted to info.
func TestActorSystemLogGivesDurationsWithUnits(t *testing.T) {
	var buf testlog.Buffer
	log := slog.New(demote{zerolog.NewSlogHandler(zerolog.New(&buf))})
	log.Warn("EndpointWriter failed to connect", slog.Duration("cost", 1500*time.Millisecond), slog.String("address", "a"))
	log.Warn("stopped", slog.Duration("after", 3*time.Second))
	got := buf.String()
	for _, want := range []string{`"cost":"1.5s"`, `"address":"a"`, `"after":"3s"`, `{"level":"info","cost"`} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %s:\n%s", want, got)
		}
	}
}
