package pipeline

import (
	"context"
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

// NewSystem makes an actor system whose own log goes to log at debug
// level: protoactor's lines (every actor start, a peer's connection that
// ended, addresses of its own) are not in gopline's words, and what of it
// matters to a user gopline reports itself (a link that breaks, a stage
// that fails).
func NewSystem(log zerolog.Logger) *actor.ActorSystem {
	plog := log.With().Str("lib", "protoactor").Logger()
	return actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(debugOnly{zerolog.NewSlogHandler(plog)})
	}))
}

// debugOnly logs every record at debug level.
type debugOnly struct{ slog.Handler }

func (d debugOnly) Enabled(ctx context.Context, _ slog.Level) bool {
	return d.Handler.Enabled(ctx, slog.LevelDebug)
}

func (d debugOnly) Handle(ctx context.Context, r slog.Record) error {
	r.Level = slog.LevelDebug
	return d.Handler.Handle(ctx, withUnits(r))
}

// withUnits returns r with its durations as text with their unit ("1.5s"):
// zerolog's slog handler would log them as bare numbers.
func withUnits(r slog.Record) slog.Record {
	durations := false
	r.Attrs(func(a slog.Attr) bool {
		durations = a.Value.Kind() == slog.KindDuration
		return !durations
	})
	if !durations {
		return r
	}
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if a.Value.Kind() == slog.KindDuration {
			a = slog.String(a.Key, a.Value.Duration().String())
		}
		out.AddAttrs(a)
		return true
	})
	return out
}

func (d debugOnly) WithAttrs(as []slog.Attr) slog.Handler { return debugOnly{d.Handler.WithAttrs(as)} }
func (d debugOnly) WithGroup(name string) slog.Handler    { return debugOnly{d.Handler.WithGroup(name)} }
