package gopline

import (
	"crypto/tls"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/discovery"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/transport"
	"github.com/gopline/gopline/transport/remote"
	"github.com/gopline/gopline/web"
)

// ErrClosed is returned by a closed Node's methods that make pipelines.
var ErrClosed = errors.New("gopline: node closed")

// Node is one process's part of gopline; see the package doc. Its methods
// are safe for concurrent use.
type Node struct {
	log    zerolog.Logger
	system *actor.ActorSystem
	bus    *transport.Bus
	remote *remote.Node       // nil unless WithListen or WithRemote
	state  *storage.Recording // nil unless WithStateFile
	// dir finds other nodes and their topics; nil without a remote node.
	dir *discovery.Directory
	// announcer announces the node; nil unless it serves (see
	// config.announces).
	announcer *discovery.Announcer
	http      *web.Server // nil unless WithHTTP or WithHTTPConfig
	// stopTimeout is its pipelines' (WithStopTimeout); zero for their
	// default.
	stopTimeout time.Duration

	mu        sync.Mutex
	pipelines []*pipeline.Pipeline // made on the node, not yet seen done
	closed    bool
}

// New starts a node: its state file, actor system, topics and, when asked,
// its remote node, in that order. It fails when an option does not hold, the
// state file cannot be opened, or the remote node cannot listen; what it had
// started is stopped again. A damaged state file, or one of a format
// version it does not read, is set aside and a new one started, with a
// warning (storage.OpenState).
func New(opts ...Option) (*Node, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	n := &Node{log: cfg.log, stopTimeout: cfg.stopTimeout}
	busOpts := []transport.Option{transport.WithLogger(cfg.log), transport.WithDefaultQoS(cfg.defaultQoS)}
	if cfg.stateFile != "" {
		rec, aside, err := storage.OpenState(cfg.stateFile)
		switch {
		case errors.Is(err, storage.ErrLocked):
			return nil, fmt.Errorf("gopline: state file %s: another node has it open (each node keeps a state file of its own): %w", cfg.stateFile, err)
		case errors.Is(err, storage.ErrDiskFull):
			return nil, fmt.Errorf("gopline: state file %s: no room on its disk for it: %w", cfg.stateFile, err)
		case err != nil:
			return nil, fmt.Errorf("gopline: state file: %w", err)
		}
		if aside != nil {
			cfg.log.Warn().Str("state_file", cfg.stateFile).Str("set_aside", aside.Path).AnErr("damage", aside.Cause).
				Msgf("the state file %s: it is set aside as %s and a new one started; persistent topics start without their stored GOPs", aside.Why(), aside.Path)
		}
		n.state = rec
		busOpts = append(busOpts, transport.WithRetainer(storage.Retainers(rec, cfg.log)))
	}
	n.system = pipeline.NewSystem(cfg.log)
	n.bus = transport.NewBus(n.system, append(busOpts, cfg.busOpts...)...)
	if cfg.remote != nil {
		// The name a node announces is the one its topic listings say
		// (WithName, else remote.Config.Name); one that does not announce
		// itself is named by its address there.
		if cfg.name == "" {
			cfg.name = cfg.remote.Name
		}
		if cfg.name == "" && cfg.announces() {
			cfg.name = discovery.DefaultName()
		}
		rc := *cfg.remote
		rc.Log, rc.Name = cfg.log, cfg.name
		r, err := remote.Start(n.system, n.bus, rc)
		if err != nil {
			return nil, errors.Join(err, n.Close())
		}
		n.remote = r
		if err := n.startDiscovery(cfg); err != nil {
			return nil, errors.Join(err, n.Close())
		}
	}
	if cfg.http != nil {
		if err := n.serveHTTP(*cfg.http, cfg); err != nil {
			return nil, errors.Join(err, n.Close())
		}
	}
	return n, nil
}

// startDiscovery lets the node's subscribers find other nodes' topics by
// name (transport.Bus.SetResolver) and, when the node serves, announces it.
func (n *Node) startDiscovery(cfg config) error {
	dc := discovery.Config{Name: cfg.name, Addr: n.remote.Addr(), NoMDNS: cfg.noMDNS, Log: cfg.log}
	n.dir = discovery.NewDirectory(dc, n.remote.Topics, n.remote.Addr())
	n.bus.SetResolver(resolver{dir: n.dir, log: cfg.log})
	if !cfg.announces() {
		return nil
	}
	a, err := discovery.Announce(dc)
	if err != nil {
		return err
	}
	n.announcer = a
	n.log.Info().Str("node", a.Peer().Name).Str("address", a.Peer().Addr).Bool("mdns", !cfg.noMDNS).Msg("announced the node")
	return nil
}

// Directory finds other nodes and their topics; nil when the node reaches
// no other node (no WithListen or WithRemote).
func (n *Node) Directory() *discovery.Directory { return n.dir }

// Name is the node's name in its announcement, "" when it is not announced.
func (n *Node) Name() string {
	if n.announcer == nil {
		return ""
	}
	return n.announcer.Peer().Name
}

// serveHTTP starts the node's HTTP endpoint, taking the remote port's TLS
// certificate and token where hc sets none.
func (n *Node) serveHTTP(hc HTTPConfig, cfg config) error {
	if cfg.remote != nil {
		if hc.TLS == nil && cfg.remote.ServerTLS != nil {
			hc.TLS = cfg.remote.ServerTLS.Clone()
			hc.TLS.ClientAuth = tls.NoClientCert // browsers have no client certificate; the token stands
		}
		if hc.Token == "" {
			hc.Token = cfg.remote.Token
		}
	}
	h, err := web.New(web.Config{Bus: n.bus, System: n.system, Token: hc.Token, MaxViewers: hc.MaxViewers,
		Metrics: n.metricsHandler(), Pprof: hc.Pprof, Log: cfg.log})
	if err != nil {
		return err
	}
	if n.http, err = web.Listen(h, hc.Listen, hc.TLS); err != nil {
		return err
	}
	if warning := web.Exposure(n.http.Addr(), hc.Token != "", hc.TLS != nil); warning != "" {
		cfg.log.Warn().Str("address", n.http.Addr()).Msg("web: INSECURE: " + warning)
	}
	return nil
}

// HTTPURL returns the base URL of the node's HTTP endpoint (its page of
// topics), "" when it has none.
func (n *Node) HTTPURL() string {
	if n.http == nil {
		return ""
	}
	return n.http.URL()
}

// System returns the node's actor system. It is shut down by Close.
func (n *Node) System() *actor.ActorSystem { return n.system }

// Bus returns the node's topics. They are closed by Close.
func (n *Node) Bus() *transport.Bus { return n.bus }

// Remote returns the node's remote node, nil when the node does not listen
// (no WithListen or WithRemote). It is closed by Close.
func (n *Node) Remote() *remote.Node { return n.remote }

// Addr returns the address other nodes reach this one by, "" when it does
// not listen.
func (n *Node) Addr() string {
	if n.remote == nil {
		return ""
	}
	return n.remote.Addr()
}

// NewPipeline makes an empty pipeline that runs on the node's actor system
// and topics and logs to its logger; opts come after these. Close stops it
// if it still runs.
func (n *Node) NewPipeline(opts ...pipeline.Option) (*pipeline.Pipeline, error) {
	p := pipeline.New(n.pipelineOptions(opts)...)
	if err := n.keep(p); err != nil {
		return nil, err
	}
	return p, nil
}

// Parse makes a pipeline of line, in gopline's one-line syntax
// (pipeline.Parse), that runs on the node as NewPipeline's do.
func (n *Node) Parse(line string, reg *pipeline.Registry, opts ...pipeline.Option) (*pipeline.Pipeline, error) {
	p, err := pipeline.Parse(line, reg, n.pipelineOptions(opts)...)
	if err != nil {
		return nil, err
	}
	if err := n.keep(p); err != nil {
		return nil, err // a closed node's pipeline would run without its topics
	}
	return p, nil
}

func (n *Node) pipelineOptions(opts []pipeline.Option) []pipeline.Option {
	base := []pipeline.Option{pipeline.WithLogger(n.log), pipeline.WithSystem(n.system), pipeline.WithBus(n.bus)}
	if n.stopTimeout > 0 {
		base = append(base, pipeline.WithStopTimeout(n.stopTimeout))
	}
	return append(base, opts...)
}

// keep notes p for Close, and forgets the pipelines that are done (their
// sources ended, they failed, or they were stopped): their Wait or Stop is
// their owner's to call.
func (n *Node) keep(p *pipeline.Pipeline) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return ErrClosed
	}
	n.pipelines = slices.DeleteFunc(n.pipelines, done)
	n.pipelines = append(n.pipelines, p)
	return nil
}

func done(p *pipeline.Pipeline) bool {
	select {
	case <-p.Done():
		return true
	default:
		return false
	}
}

// Close stops the node, in order: it tells its remote subscribers that it
// is leaving (they reconnect when it is back), its HTTP endpoint and viewers, the pipelines made on it that still run
// (as their Stop does; their errors are Stop's and Wait's to report, not
// Close's), the topics (each topic's cache is written and closed, and its
// subscribers get EndOfStream), the remote node, the actor system, and last
// the state file, whose Close reports a persistent cache that failed to
// write. Close returns the errors of all of these. Closing twice does
// nothing more. Every goroutine the node started has ended when Close
// returns, but for the remote node's listener and connections, which
// transport/remote leaves to the process's exit (see remote.Node.Close):
// its port stays taken, so a process serves one node (WithListen) in its
// life, and a New on the same address after Close fails, address in use.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	if n.remote != nil {
		// The node's streams end because it stops: remote subscribers
		// take the node for lost and reconnect (see remote.Node.Leave).
		n.remote.Leave()
	}
	running := n.pipelines
	n.pipelines = nil
	n.mu.Unlock()

	var err error
	if n.http != nil {
		err = n.http.Close() // viewers first: they subscribe to the topics
	}
	for _, p := range running {
		_ = p.Stop() // reported by the pipeline's own Stop or Wait
	}
	if n.announcer != nil {
		err = errors.Join(err, n.announcer.Close())
	}
	err = errors.Join(err, n.bus.Close())
	if n.remote != nil {
		err = errors.Join(err, n.remote.Close())
	}
	n.system.Shutdown()
	if n.state != nil {
		err = errors.Join(err, n.state.Close())
	}
	return err
}
