package pipeline

import (
	"context"
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

// NewSystem makes an actor system whose own log goes to log at warning
// level and above: protoactor's info lines (every actor start) are noise in
// a media pipeline.
func NewSystem(log zerolog.Logger) *actor.ActorSystem {
	plog := log.With().Str("lib", "protoactor").Logger().Level(max(log.GetLevel(), zerolog.WarnLevel))
	return actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(demote{zerolog.NewSlogHandler(plog)})
	}))
}

// demote lowers protoactor's log lines that report what gopline handles
// and logs itself to info: a connection to a peer that ended (a process
// that exits, a link that breaks) is an error line of protoactor's remote,
// while gopline's link reports it, with what it does about it.
type demote struct{ slog.Handler }

// demoted are the messages demote lowers.
var demoted = map[string]bool{"EndpointWriter lost connection": true, "EndpointWriter failed to connect": true}

func (d demote) Handle(ctx context.Context, r slog.Record) error {
	if demoted[r.Message] && r.Level > slog.LevelInfo {
		r.Level = slog.LevelInfo
		if !d.Handler.Enabled(ctx, r.Level) {
			return nil
		}
	}
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

func (d demote) WithAttrs(as []slog.Attr) slog.Handler { return demote{d.Handler.WithAttrs(as)} }
func (d demote) WithGroup(name string) slog.Handler    { return demote{d.Handler.WithGroup(name)} }
