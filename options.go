package gopline

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/discovery"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
	"github.com/gopline/gopline/transport/remote"
)

// SubscriberAddr is the address of a node that only subscribes to other
// nodes' topics: a free port on loopback, where replies come back.
const SubscriberAddr = "127.0.0.1:0"

// config is what the options set; New reads it.
type config struct {
	log        zerolog.Logger
	defaultQoS qos.Profile
	stateFile  string
	remote     *remote.Config
	http       *HTTPConfig
	busOpts    []transport.Option
	name       string
	noMDNS     bool
	silent     bool
	// announce announces a node at SubscriberAddr too (WithAnnouncing).
	announce bool
	// stopTimeout is the node's pipelines' (pipeline.WithStopTimeout);
	// zero keeps the pipeline's default.
	stopTimeout time.Duration
}

// announces reports whether the node announces itself: when it serves
// other nodes, at an address other than SubscriberAddr (or at it, with
// WithAnnouncing), unless WithoutAnnouncing.
func (c config) announces() bool {
	return c.remote != nil && c.remote.Listen != "" && (c.remote.Listen != SubscriberAddr || c.announce) && !c.silent
}

func defaultConfig() config {
	return config{log: zerolog.Nop(), defaultQoS: qos.DurableVideo()}
}

// Option configures a Node (New). An option that does not hold returns an
// error that wraps ErrBadOption, and New fails with it.
type Option func(*config) error

// ErrBadOption is wrapped by the errors of options that do not hold (a
// command line reports them as usage errors).
var ErrBadOption = errors.New("gopline: bad option")

// badOption is an option's error: what is wrong, wrapping ErrBadOption.
func badOption(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadOption}, args...)...)
}

// WithStopTimeout sets the stop timeout of the pipelines the node makes
// (pipeline.WithStopTimeout, pipeline.DefaultStopTimeout by default): how
// long a graceful stop waits for the stream to drain, a recorder's cache to
// reach the disk among it. It must be positive.
func WithStopTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return badOption("stop timeout %v: want a positive duration", d)
		}
		c.stopTimeout = d
		return nil
	}
}

// WithLogger sets the logger of the node, its topics, its remote node and
// its pipelines (default: none). protoactor's own log goes to it at
// warning level and above.
func WithLogger(log zerolog.Logger) Option {
	return func(c *config) error { c.log = log; return nil }
}

// WithDefaultQoS sets the QoS a publisher offers when it names none
// (default qos.DurableVideo: every topic keeps its latest GOP for late
// subscribers).
func WithDefaultQoS(p qos.Profile) Option {
	return func(c *config) error {
		if err := p.Validate(); err != nil {
			return badOption("default QoS: %v", err)
		}
		c.defaultQoS = p
		return nil
	}
}

// WithStateFile keeps the GOP caches of PERSISTENT topics in the bbolt file
// at path (created if missing), so that they survive a restart of the node.
// New opens the file; Close closes it last.
func WithStateFile(path string) Option {
	return func(c *config) error {
		if path == "" {
			return badOption("state file: no path")
		}
		c.stateFile = path
		return nil
	}
}

// WithListen serves the node's topics to other nodes at addr (host:port;
// port 0 picks a free one, Node.Addr tells which), and lets the node's
// pipelines subscribe to other nodes' topics. SubscriberAddr is the address
// of a node that only subscribes. It is WithRemote with only Listen set; it
// keeps the other settings of an earlier WithRemote.
func WithListen(addr string) Option {
	return func(c *config) error {
		if err := checkListen(addr); err != nil {
			return err
		}
		if c.remote == nil {
			c.remote = &remote.Config{}
		}
		c.remote.Listen = addr
		return nil
	}
}

// WithRemote starts the node's remote node with cfg: its address (default
// SubscriberAddr), TLS, token and allowed clients (see remote.Config). It
// replaces what an earlier WithRemote or WithListen set. The remote node
// logs to the node's logger (WithLogger): cfg.Log is not used.
func WithRemote(cfg remote.Config) Option {
	return func(c *config) error {
		if cfg.Listen != "" {
			if err := checkListen(cfg.Listen); err != nil {
				return err
			}
		}
		c.remote = &cfg
		return nil
	}
}

// checkListen checks that addr is host:port with a host and a port of
// 0..65535. Whether the port is free is for the remote node to find out.
func checkListen(addr string) error { return checkAddr("listen", addr) }

// checkAddr is checkListen for the address of what.
func checkAddr(what, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil || host == "" {
		return badOption("%s address %s: want host:port, e.g. %s (0.0.0.0 for every interface, port 0 for a free one)", what, Shorten(addr), exampleAddr(addr))
	}
	return nil
}

// exampleAddr is an address like the one a user gave without its host:
// 127.0.0.1:8080 for 8080 or :8080, else 127.0.0.1:7400.
func exampleAddr(addr string) string {
	port := strings.TrimPrefix(addr, ":")
	if n, err := strconv.ParseUint(port, 10, 16); err == nil {
		return "127.0.0.1:" + strconv.FormatUint(n, 10)
	}
	return "127.0.0.1:7400"
}

// WithBusOptions adds options of the node's topics (transport.NewBus), after
// the node's own: its logger, its default QoS and, with a state file, where
// durable topics keep their GOPs.
func WithBusOptions(opts ...transport.Option) Option {
	return func(c *config) error { c.busOpts = append(c.busOpts, opts...); return nil }
}

// WithName names the node in its announcement, in its topic listings and
// in other nodes' listings (default discovery.DefaultName: the host's name
// and the process id for a node that announces itself, its address in its
// listings for one that does not): letters, digits, '-' and '_', at most
// 63.
func WithName(name string) Option {
	return func(c *config) error {
		if err := discovery.CheckName(name); err != nil {
			return badOption("%v", err)
		}
		c.name = name
		return nil
	}
}

// WithoutMDNS keeps the node off multicast DNS: it neither announces itself
// on the local network nor looks there for other nodes; nodes of its host
// still find it, and it them (see discovery).
func WithoutMDNS() Option {
	return func(c *config) error { c.noMDNS = true; return nil }
}

// HTTPConfig configures the node's HTTP endpoint (WithHTTPConfig): the page
// of its topics, the browser viewer, WHEP and Foxglove (package web,
// docs/viewer.md).
type HTTPConfig struct {
	// Listen is host:port; port 0 picks a free one (Node.HTTPURL tells
	// which).
	Listen string
	// TLS, when set, serves HTTPS and WSS. Without it the node uses its
	// remote port's certificate (WithRemote's ServerTLS) when it has one,
	// without asking browsers for a client certificate.
	TLS *tls.Config
	// Token, when set, is required of every client (a bearer token, or
	// ?token= on the pages and the WebSocket). Without it the node uses its
	// remote port's token when it has one.
	Token string
	// MaxViewers bounds the WebRTC viewers and the Foxglove clients, each
	// (default web.DefaultMaxViewers).
	MaxViewers int
	// Pprof serves Go's profiles at /debug/pprof/ (with the token, when
	// there is one). The node's counters are at /metrics either way.
	Pprof bool
}

// WithHTTP serves the node's topics to browsers and Foxglove at addr
// (host:port): WithHTTPConfig with only Listen set.
func WithHTTP(addr string) Option { return WithHTTPConfig(HTTPConfig{Listen: addr}) }

// WithHTTPConfig serves the node's topics over HTTP as cfg says. New
// listens; Close stops the server and ends every viewer first.
func WithHTTPConfig(cfg HTTPConfig) Option {
	return func(c *config) error {
		if err := checkAddr("HTTP", cfg.Listen); err != nil {
			return err
		}
		c.http = &cfg
		return nil
	}
}

// WithoutAnnouncing keeps the node from announcing itself while it still
// finds other nodes: a node that only asks others (gopline topics) and
// listens only for their answers.
func WithoutAnnouncing() Option {
	return func(c *config) error { c.silent = true; return nil }
}

// WithAnnouncing announces a node that listens at SubscriberAddr all the
// same, at the port it was given: it serves its topics at a free loopback
// port (gopline serve --listen 127.0.0.1:0) rather than only subscribing.
// WithoutAnnouncing still wins.
func WithAnnouncing() Option {
	return func(c *config) error { c.announce = true; return nil }
}
