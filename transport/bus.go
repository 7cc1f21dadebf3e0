package transport

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/qos"
)

// DefaultStatsTimeout is how long Bus.Stats waits for a broker's answer. A
// broker answers at once unless its mailbox is deep in packets; a second is
// far beyond that and short enough for a command-line listing.
const DefaultStatsTimeout = time.Second

// Restart limits of a topic's broker: a broker that panics more often than
// this is stopped (and spawned afresh by the next Bus.Topic).
const (
	brokerMaxRestarts   = 10
	brokerRestartWithin = 10 * time.Second
)

// brokerSupervision restarts a broker after a panic. A broker is spawned from
// the root context, so its supervisor is its guardian (actor.WithGuardian),
// not the WithSupervisor strategy, which supervises an actor's children. One
// strategy value for all brokers means one guardian per actor system.
var brokerSupervision = actor.NewOneForOneStrategy(brokerMaxRestarts, brokerRestartWithin,
	func(reason any) actor.Directive { return actor.RestartDirective })

// Bus holds the topics of one process: a broker actor per topic, spawned on
// first use. A Bus is safe for concurrent use. Use one Bus per actor system:
// brokers are named after their topics ("topic/camera"), so a second Bus on
// the same system cannot make a topic the first already made.
type Bus struct {
	system *actor.ActorSystem
	cfg    busConfig

	mu     sync.Mutex
	topics map[string]*actor.PID
	// handed counts, by topic, the Topic calls that returned its broker
	// (see retirement); retiring holds the brokers of retired topics
	// that may still be stopping, whose names a new broker waits for.
	handed   map[string]uint64
	retiring map[string]*actor.PID
	closed   bool
	dial     func(addr, topic string) (*actor.PID, error)
	resolver Resolver
}

// SetRemote installs how RemoteTopic reaches topics of other nodes
// (transport/remote's Node.Dial does so when it starts).
func (b *Bus) SetRemote(dial func(addr, topic string) (*actor.PID, error)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dial = dial
}

// RemoteTopic returns a local actor that stands for the topic name of the
// node at addr and speaks a broker's protocol to one subscriber. The Bus
// must have a remote (SetRemote): ErrNoRemote otherwise.
func (b *Bus) RemoteTopic(addr, name string) (*actor.PID, error) {
	b.mu.Lock()
	dial := b.dial
	b.mu.Unlock()
	if dial == nil {
		return nil, fmt.Errorf("%w: topic %s at %s", ErrNoRemote, name, addr)
	}
	return dial(addr, name)
}

type busConfig struct {
	log              zerolog.Logger
	clock            Clock
	keyframeInterval time.Duration
	retainer         func(topic string, offer qos.Profile) (Retainer, error)
	defaultQoS       qos.Profile
	statsTimeout     time.Duration
	idleLinger       time.Duration
}

// Option configures a Bus (NewBus).
type Option func(*busConfig)

// WithLogger sets the logger of the Bus and its brokers (default: none).
func WithLogger(log zerolog.Logger) Option { return func(c *busConfig) { c.log = log } }

// WithClock sets the clock the Bus's topics run on (default the system's):
// keyframe requests are rate-limited on it, deadlines and liveliness leases
// expire on it, rates are measured on it. Tests use it to run time at will;
// nil keeps the default.
func WithClock(clock Clock) Option {
	return func(c *busConfig) {
		if clock != nil {
			c.clock = clock
		}
	}
}

// WithKeyframeRequestInterval sets the shortest time between two keyframe
// requests a topic forwards to its publishers (default
// qos.DefaultKeyframeRequestInterval). d <= 0 forwards every request.
func WithKeyframeRequestInterval(d time.Duration) Option {
	return func(c *busConfig) { c.keyframeInterval = max(d, 0) }
}

// WithRetainer sets what keeps a durable topic's GOPs for late subscribers:
// newRetainer is called when a topic's first publisher offers TransientLocal
// or Persistent durability, with the topic and the offer, and its Retainer
// serves the topic until every publisher has left. The default is NewCache,
// in memory. An error is logged and the topic runs volatile.
func WithRetainer(newRetainer func(topic string, offer qos.Profile) (Retainer, error)) Option {
	return func(c *busConfig) {
		if newRetainer != nil {
			c.retainer = newRetainer
		}
	}
}

// WithDefaultQoS sets the offer of a publisher that names none
// (PublisherJoined.QoS nil, or a Publish from an unregistered publisher).
// The default is qos.DurableVideo(): every topic keeps its latest GOP for
// late subscribers unless its publisher offers otherwise.
func WithDefaultQoS(p qos.Profile) Option { return func(c *busConfig) { c.defaultQoS = p } }

// WithStatsTimeout sets how long Stats waits for a broker (default
// DefaultStatsTimeout); d <= 0 keeps the default.
func WithStatsTimeout(d time.Duration) Option {
	return func(c *busConfig) {
		if d > 0 {
			c.statsTimeout = d
		}
	}
}

// WithIdleTopicLinger sets how long a topic with no publisher, no
// subscriber and no cached GOP stays before the Bus forgets it (default
// DefaultIdleTopicLinger): its broker stops, it leaves Topics and the
// listings, and Topic makes it afresh. d <= 0 keeps every topic until
// Close.
func WithIdleTopicLinger(d time.Duration) Option { return func(c *busConfig) { c.idleLinger = d } }

// NewBus returns an empty Bus whose brokers run on system. Close stops them.
func NewBus(system *actor.ActorSystem, opts ...Option) *Bus {
	cfg := busConfig{
		log:              zerolog.Nop(),
		clock:            systemClock{},
		keyframeInterval: qos.DefaultKeyframeRequestInterval,
		retainer:         NewCache,
		defaultQoS:       qos.DurableVideo(),
		statsTimeout:     DefaultStatsTimeout,
		idleLinger:       DefaultIdleTopicLinger,
	}
	for _, o := range opts {
		o(&cfg)
	}
	return &Bus{system: system, cfg: cfg, topics: make(map[string]*actor.PID), handed: make(map[string]uint64),
		retiring: make(map[string]*actor.PID)}
}

// Topic returns the broker of the topic name, spawning it on first use (and
// again if it stopped after too many panics, or was retired). Publishers and
// subscribers send it the messages of this package, at once: a topic that
// nothing holds is retired after the Bus's linger (WithIdleTopicLinger).
// name must pass ValidateTopicName.
//
// A broker that panics is restarted with its subscribers and publishers kept,
// but it forgets what each subscriber has in flight: every subscriber resumes
// at the next keyframe. A broker that panics more than 10 times in 10 seconds
// is stopped, and its subscribers receive EndOfStream.
func (b *Bus) Topic(name string) (*actor.PID, error) {
	if err := ValidateTopicName(name); err != nil {
		return nil, err
	}
	for {
		pid, stopping, err := b.topic(name)
		if stopping == nil {
			return pid, err
		}
		// The topic was retired and its broker is still stopping: its
		// name is free once it has stopped.
		_ = b.system.Root.StopFuture(stopping).Wait()
		b.mu.Lock()
		if b.retiring[name] == stopping {
			delete(b.retiring, name)
		}
		b.mu.Unlock()
	}
}

// topic is Topic's turn under the lock: the broker, or the retired broker
// of the topic that still holds its name.
func (b *Bus) topic(name string) (pid, stopping *actor.PID, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, nil, ErrBusClosed
	}
	if pid, ok := b.topics[name]; ok {
		if _, alive := b.system.ProcessRegistry.GetLocal(pid.Id); alive {
			b.handed[name]++
			return pid, nil, nil
		}
		b.cfg.log.Warn().Str("topic", name).Msg("topic broker had stopped; starting a new one")
	}
	if old := b.retiring[name]; old != nil {
		if _, alive := b.system.ProcessRegistry.GetLocal(old.Id); alive {
			return nil, old, nil
		}
		delete(b.retiring, name)
	}
	limiter, err := qos.NewKeyframeLimiter(qos.WithClock(b.cfg.clock.Now), qos.WithKeyframeRequestInterval(b.cfg.keyframeInterval))
	if err != nil {
		return nil, nil, fmt.Errorf("transport: topic %s: %w", name, err)
	}
	state := newTopicState(name, &b.cfg, limiter)
	state.retirement.bus = b
	props := actor.PropsFromProducer(func() actor.Actor { return &broker{topicState: state, system: b.system} },
		actor.WithGuardian(brokerSupervision))
	pid, err = b.system.Root.SpawnNamed(props, brokerName(name))
	if err != nil {
		return nil, nil, fmt.Errorf("transport: starting topic %s: %w", name, err)
	}
	b.topics[name] = pid
	b.handed[name]++
	return pid, nil, nil
}

func (b *Bus) handedOut(topic string) uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.handed[topic]
}

func (b *Bus) retire(topic string, self *actor.PID, mark uint64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if pid := b.topics[topic]; b.closed || pid == nil || keyOf(pid) != keyOf(self) || b.handed[topic] != mark {
		return false
	}
	delete(b.topics, topic)
	delete(b.handed, topic)
	// Forget the retired brokers that have stopped since: the map holds
	// only those that may still hold their names.
	for name, pid := range b.retiring {
		if _, alive := b.system.ProcessRegistry.GetLocal(pid.Id); !alive {
			delete(b.retiring, name)
		}
	}
	b.retiring[topic] = self
	return true
}

// brokerName is the actor name of a topic's broker.
func brokerName(topic string) string { return "topic" + topic }

// Topics returns the names of the Bus's topics, sorted; none after Close. A
// topic forgotten after its linger (WithIdleTopicLinger) is not among them.
func (b *Bus) Topics() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	names := make([]string, 0, len(b.topics))
	for name := range b.topics {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Stats asks the topic's broker for its counters. It does not make the
// topic: a name the Bus does not know yields ErrUnknownTopic.
func (b *Bus) Stats(name string) (TopicStats, error) {
	b.mu.Lock()
	pid, ok := b.topics[name]
	b.mu.Unlock()
	if !ok {
		return TopicStats{}, fmt.Errorf("%w: %q", ErrUnknownTopic, name)
	}
	res, err := b.system.Root.RequestFuture(pid, &StatsRequest{}, b.cfg.statsTimeout).Result()
	if err != nil {
		return TopicStats{}, fmt.Errorf("%w: %s: %w", ErrTopicUnavailable, name, err)
	}
	st, ok := res.(TopicStats)
	if !ok {
		// A stopped broker's request is answered by the dead-letter process.
		return TopicStats{}, fmt.Errorf("%w: %s: answered %T", ErrTopicUnavailable, name, res)
	}
	return st, nil
}

// Close stops every broker gracefully: each first handles the messages
// already in its mailbox, then sends EndOfStream to its subscribers. Close
// waits for them to stop; afterwards Topic returns ErrBusClosed. Closing a
// closed Bus does nothing.
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	topics := b.topics
	b.topics = make(map[string]*actor.PID)
	clear(b.handed)
	clear(b.retiring) // they stop by themselves
	b.mu.Unlock()

	futures := make(map[string]*actor.Future, len(topics))
	for name, pid := range topics {
		futures[name] = b.system.Root.PoisonFuture(pid)
	}
	var errs []error
	for name, f := range futures {
		if err := f.Wait(); err != nil {
			errs = append(errs, fmt.Errorf("transport: stopping topic %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}
