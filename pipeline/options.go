package pipeline

import (
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/transport"
)

// Supervision of every node: a panicking stage is restarted with a fresh
// Stage, up to MaxRestarts times within RestartWindow; past that the node is
// stopped and the pipeline fails with ErrNodeFailed.
const (
	MaxRestarts   = 10
	RestartWindow = 10 * time.Second
)

// DefaultStopTimeout bounds how long Stop waits for end of stream to reach
// every sink before it stops the actors anyway.
const DefaultStopTimeout = 5 * time.Second

type config struct {
	log         zerolog.Logger
	system      *actor.ActorSystem
	bus         *transport.Bus
	busOpts     []transport.Option
	now         func() time.Time
	stopTimeout time.Duration
	// bad is an option's error, which Start returns.
	bad error
}

// Option configures a Pipeline.
type Option func(*config)

// WithLogger sets the pipeline's logger (default: none). When the pipeline
// makes its own actor system, protoactor's log goes to it too, at warning
// level and above.
func WithLogger(log zerolog.Logger) Option { return func(c *config) { c.log = log } }

// WithSystem runs the pipeline on an existing actor system, shared with
// other pipelines of the process. By default it makes its own and shuts it
// down after Stop.
func WithSystem(system *actor.ActorSystem) Option { return func(c *config) { c.system = system } }

// WithBus makes the pipeline's publish and subscribe elements use bus, so
// that several pipelines of one process share topics. The bus must belong to
// the pipeline's actor system. By default the pipeline makes its own.
func WithBus(bus *transport.Bus) Option { return func(c *config) { c.bus = bus } }

// WithBusOptions configures the bus the pipeline makes when it is given
// none (WithBus): its default QoS (transport.WithDefaultQoS), where durable
// topics keep their GOPs (transport.WithRetainer), and so on. The bus logs
// to the pipeline's logger unless these options say otherwise.
func WithBusOptions(opts ...transport.Option) Option {
	return func(c *config) { c.busOpts = append(c.busOpts, opts...) }
}

// WithClock replaces the wall clock (tests).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithStopTimeout bounds how long Stop waits for the stream to drain, and
// as long again for the actors to stop. It is positive: Start refuses
// another.
func WithStopTimeout(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.bad = fmt.Errorf("pipeline: WithStopTimeout(%v): want a positive duration", d)
			return
		}
		c.stopTimeout = d
	}
}
