package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/pflag"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/pipeline/syntax"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport/remote"
)

// nodeFlags are the flags of a command that hosts topics: the QoS its
// publishers offer by default, the file that keeps persistent topics, and
// how the process meets other nodes.
type nodeFlags struct {
	qos    qos.Profile
	state  *string
	listen *string
	// name names the node in its announcement.
	name string
	peerFlags
	http string // the HTTP endpoint's address, "" for none (addHTTPFlag)
	// pprof serves Go's profiles on the HTTP endpoint.
	pprof bool
	// stopTimeout bounds a graceful stop of the command's pipelines.
	stopTimeout time.Duration
}

// addHTTPFlag adds --http, the address of the page and viewers of the
// node's topics and of its metrics, and --pprof.
func (n *nodeFlags) addHTTPFlag(fs *pflag.FlagSet) {
	fs.StringVar(&n.http, "http", "", "serve the topics to browsers (WebRTC) and Foxglove at host:port, e.g. 127.0.0.1:8080, and the node's counters to Prometheus at /metrics; HTTPS with --tls-cert and --tls-key, the --token required (see docs/viewer.md)")
	fs.BoolVar(&n.pprof, "pprof", false, "serve Go's profiles at /debug/pprof/ on --http (with the --token): where a node's CPU, memory and goroutines go")
}

// peerFlags are how a process proves itself to other nodes and checks
// them: the shared token and TLS.
type peerFlags struct {
	token *string
	tls   remote.TLSFiles
	allow stringList
	// noMDNS keeps the node off multicast DNS; wait keeps its links trying
	// to reach a node that does not answer.
	noMDNS, wait bool
	// replyAddr is where a client's answers come back (addReplyFlag).
	replyAddr string
}

// addReplyFlag adds --listen to a command that only asks other nodes: the
// address their answers come back to, which across hosts must be one they
// reach.
func (n *peerFlags) addReplyFlag(fs *pflag.FlagSet) {
	fs.StringVar(&n.replyAddr, "listen", "", "where other nodes' answers come back: an address of this host they reach, port 0 for a free one (default: a free port on this host's address on the route to --remote, 127.0.0.1:0 without it: nodes of this host only)")
}

func addNodeFlags(fs *pflag.FlagSet, defaultListen string) *nodeFlags {
	n := &nodeFlags{qos: qos.DurableVideo()}
	fs.TextVar((*offerText)(&n.qos), "qos", offerText(qos.DurableVideo()), "QoS that publishers offer unless their qos= says otherwise: a preset (default, sensor_data, durable_video, persistent_video) or policies, e.g. keep_last=2 (without a preset first they change durable_video)")
	n.state = fs.String("state", "", "bbolt file that keeps the GOP caches of persistent topics across restarts (created if missing)")
	n.listen = fs.String("listen", defaultListen, "serve this process's topics to other processes and hosts at host:port (loopback unless you name another interface)")
	fs.StringVar(&n.name, "name", "", "the node's name in its announcement and in other nodes' listings (default: HOST-PID)")
	n.stopTimeout = pipeline.DefaultStopTimeout
	fs.Var((*durationValue)(&n.stopTimeout), "stop-timeout",
		"how long Ctrl-C or --duration waits for the stream to drain and a recorder's cache to reach the disk")
	n.peerFlags.add(fs)
	return n
}

func (n *peerFlags) add(fs *pflag.FlagSet) {
	token := os.Getenv(tokenEnv)
	n.token = &token
	fs.Var(secretValue{n.token}, "token", "a shared secret: required from every peer, and sent to the nodes this one subscribes to "+
		"(default: $"+tokenEnv+"; any user of the host can read a command line: prefer $"+tokenEnv+" or --token-file)")
	fs.Func("token-file", "read --token from the first line of `FILE`, so that it is not on the command line", func(path string) error {
		secret, err := readSecret(path)
		*n.token = secret
		return err
	})
	fs.StringVar(&n.tls.Cert, "tls-cert", "", "TLS on the node's port: its certificate (PEM); needs --tls-key and --tls-ca (with --http alone, --tls-key: HTTPS)")
	fs.StringVar(&n.tls.Key, "tls-key", "", "the certificate's private key (PEM)")
	fs.StringVar(&n.tls.CA, "tls-ca", "", "the CA that signs the peers' certificates (PEM)")
	fs.BoolVar(&n.tls.RequireClientCert, "tls-require-client-cert", false, "mutual TLS: refuse peers without a certificate the CA signed")
	fs.Var(&n.allow, "tls-allow", "mutual TLS, and only peers whose certificate has this name (common name or DNS name; repeat or comma-separate for more)")
	fs.BoolVar(&n.noMDNS, "no-mdns", false, "stay off multicast DNS: announce this node and look for others on this host only")
	fs.BoolVar(&n.wait, "wait", false, "keep trying to reach a node that does not answer (default: give up after "+remote.DefaultGiveUpAfter.String()+")")
	fs.Func("tls-make", "make a CA and certificates in DIR for this node (the first NAME) and its peers, and use this node's: DIR:NAME[=HOST+HOST],NAME... (see docs/remote.md)", func(v string) (err error) { n.tls, err = remote.MakePKIFromSpec(v); return err })
}

// open starts the node the flags describe (gopline.New). It serves and
// announces itself with --listen (its log names the address it got), and
// listens, unannounced, on a free port when it must reach other nodes
// (reach): of an address the nodes at peers reach (replyListen). A flag
// value that does not hold is a usage error.
func (n *nodeFlags) open(log zerolog.Logger, reach bool, peers ...string) (*gopline.Node, error) {
	opts := []gopline.Option{gopline.WithLogger(log), gopline.WithDefaultQoS(n.qos), gopline.WithStopTimeout(n.stopTimeout)}
	if *n.state != "" {
		opts = append(opts, gopline.WithStateFile(*n.state))
	}
	opts, err := n.httpOption(opts)
	if err != nil {
		return nil, err
	}
	cfg, err := n.config(*n.listen) // checked even when unused
	if err != nil {
		return nil, err
	}
	switch {
	case *n.listen != "":
		// It serves, at a free port too (--listen 127.0.0.1:0), and
		// announces the port it got.
		opts = append(opts, gopline.WithRemote(cfg), gopline.WithAnnouncing())
	case reach:
		if cfg.Listen, err = replyListen(log, peers); err != nil {
			return nil, err
		}
		opts = append(opts, gopline.WithRemote(cfg))
	}
	if n.name != "" {
		opts = append(opts, gopline.WithName(n.name))
	}
	return newNode(append(opts, n.discovery()...)...)
}

// httpOption adds the HTTP endpoint of --http to opts. With --tls-cert and
// --tls-key but no --tls-ca, they serve HTTPS alone (the remote port needs
// a CA too) and are taken off the remote configuration.
func (n *nodeFlags) httpOption(opts []gopline.Option) ([]gopline.Option, error) {
	if n.http == "" {
		if n.pprof {
			return nil, usagef("--pprof serves on the HTTP endpoint: give --http host:port too")
		}
		return opts, nil
	}
	hc := gopline.HTTPConfig{Listen: n.http, Token: *n.token, Pprof: n.pprof}
	if n.tls.CA == "" && n.tls.Cert != "" && n.tls.Key != "" {
		cert, err := tls.LoadX509KeyPair(n.tls.Cert, n.tls.Key)
		if err != nil {
			return nil, usagef("--tls-cert/--tls-key: %v", err)
		}
		hc.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		n.tls.Cert, n.tls.Key = "", ""
	}
	return append(opts, gopline.WithHTTPConfig(hc)), nil
}

// config is the remote configuration of a node listening at listen (a free
// loopback port when empty).
func (n *peerFlags) config(listen string) (remote.Config, error) {
	cfg := remote.Config{Listen: listen, Token: *n.token, AllowedClients: n.allow}
	if n.wait {
		cfg.GiveUpAfter = -1 // for ever
	}
	if len(n.allow) > 0 {
		n.tls.RequireClientCert = true
	}
	if n.tls != (remote.TLSFiles{}) {
		var err error
		if cfg.ServerTLS, cfg.ClientTLS, err = remote.LoadTLS(n.tls); err != nil {
			return cfg, usagef("%v", err)
		}
	}
	return cfg, nil
}

// client starts a node that reaches other nodes (those at peers, and
// those found) and serves nothing of its own. Without --listen, their
// answers come back to an address the nodes at peers reach (replyListen).
func (n *peerFlags) client(log zerolog.Logger, peers ...string) (*gopline.Node, error) {
	cfg, err := n.config(n.replyAddr)
	if err != nil {
		return nil, err
	}
	if cfg.Listen == "" {
		if cfg.Listen, err = replyListen(log, peers); err != nil {
			return nil, err
		}
	}
	opts := []gopline.Option{gopline.WithLogger(log), gopline.WithRemote(cfg), gopline.WithoutAnnouncing()}
	return newNode(append(opts, n.discovery()...)...)
}

// replyListen is where a node given no --listen listens so that the nodes
// at peers (host:port, "" for none) reach it (remote.ReplyAddr): a free
// port on loopback when they are on this host, else on the address of this
// host's route to them, which it logs.
func replyListen(log zerolog.Logger, peers []string) (string, error) {
	peers = slices.DeleteFunc(slices.Clone(peers), func(p string) bool { return p == "" })
	addr, err := remote.ReplyAddr(peers...)
	if err != nil {
		return "", usagef("%v (--listen HOST:0)", err)
	}
	if addr != gopline.SubscriberAddr {
		log.Info().Str("address", addr).Strs("remote", peers).
			Msg("remote: answers come back to this host's address on the route to the node (set --listen to choose another)")
	}
	return addr, nil
}

// discovery are the node's options of discovery.
func (n *peerFlags) discovery() []gopline.Option {
	if n.noMDNS {
		return []gopline.Option{gopline.WithoutMDNS()}
	}
	return nil
}

// newNode is gopline.New, with a bad option a usage error.
func newNode(opts ...gopline.Option) (*gopline.Node, error) {
	node, err := gopline.New(opts...)
	if errors.Is(err, gopline.ErrBadOption) {
		return nil, usagef("%v", err)
	}
	return node, err
}

// subscribesRemote reports whether line, or a recorder of topics beside
// it, subscribes to another node's topic: by a remote= property, or by
// naming a topic (subscribe topic=, record topics=, topics) that no
// publish of the line publishes, which the node then looks for on other
// nodes (see docs/remote.md). A line that does not parse says no:
// parseLine reports it.
func subscribesRemote(line string, topics ...string) bool {
	if strings.TrimSpace(line) == "" {
		return len(topics) > 0
	}
	ast, err := syntax.Parse(line)
	if err != nil {
		return false
	}
	published := map[string]bool{}
	wanted := append([]string(nil), topics...)
	for _, c := range ast.Chains {
		for _, nd := range c.Nodes {
			if nd.Element == nil {
				continue
			}
			for _, p := range nd.Element.Props {
				switch {
				case p.Key == "remote" && p.Value != "":
					return true
				case p.Key == "topic" && nd.Element.Type == "publish":
					published[p.Value] = true
				case p.Key == "topic" && nd.Element.Type == "subscribe":
					wanted = append(wanted, p.Value)
				case p.Key == "topics" && nd.Element.Type == "record":
					wanted = append(wanted, strings.Split(p.Value, ",")...)
				}
			}
		}
	}
	for _, t := range wanted {
		if !published[strings.TrimSpace(t)] {
			return true
		}
	}
	return false
}

// nodeFiles maps the nodes of line that read a file (location=, path=)
// to the file, so that a message about a node can name its file. A line
// that does not parse gives none.
func nodeFiles(line string) map[string]string {
	return lineProps(line, func(_, key string) bool { return key == "location" || key == "path" })
}

// lineRemotes are the node addresses that line's remote= properties name,
// in no order; a line that does not parse names none.
func lineRemotes(line string) []string {
	return slices.Sorted(maps.Values(lineProps(line, func(_, key string) bool { return key == "remote" })))
}

// lineProps are the values of the properties of a pipeline line's nodes
// that keep takes, by node name (the last one a node has); a line that
// does not parse has none (parseLine reports it).
func lineProps(line string, keep func(element, key string) bool) map[string]string {
	values := map[string]string{}
	ast, err := syntax.Parse(line)
	if err != nil {
		return values
	}
	for el, name := range pipeline.NodeNames(ast) {
		for _, p := range el.Props {
			if keep(el.Type, p.Key) {
				values[name] = p.Value
			}
		}
	}
	return values
}

// leavingOnStop returns a context done when ctx is (Ctrl-C, SIGTERM,
// --duration), once the node has said it is leaving (remote.Node.Leave):
// the pipelines stop after that, and the ends of their streams reach remote
// subscribers as the node's farewell, so that they reconnect and resume
// when it is back (a restart), while a stream that ends by itself (a
// file's end) still ends them. The returned func releases the context.
func leavingOnStop(ctx context.Context, n *gopline.Node) (context.Context, context.CancelFunc) {
	r := n.Remote()
	if r == nil {
		return ctx, func() {}
	}
	out, cancel := context.WithCancel(context.WithoutCancel(ctx))
	release := context.AfterFunc(ctx, func() {
		r.Leave()
		cancel()
	})
	return out, func() { release(); cancel() }
}

// closeNode closes n after its pipelines stopped, adding its errors to err.
func closeNode(n *gopline.Node, err error) error { return errors.Join(err, n.Close()) }

// tokenEnv names the environment variable a node's token is taken from
// when --token and --token-file give none.
const tokenEnv = "GOPLINE_TOKEN"

// secretValue is a flag of a secret: its value is never shown (as the
// default in --help, where the environment's would be).
type secretValue struct{ v *string }

func (s secretValue) Set(v string) error { *s.v = v; return nil }
func (s secretValue) String() string     { return "" }
func (s secretValue) Type() string       { return "string" }

// readSecret reads the secret in the first line of the file at path.
func readSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	if line = strings.TrimSpace(line); line == "" {
		return "", fmt.Errorf("%s holds no token (its first line is empty)", path)
	}
	return line, nil
}

// offerText is the --qos flag's value: a publisher's offer, read as
// qos.ParseOffer reads it.
type offerText qos.Profile

func (o *offerText) UnmarshalText(text []byte) error {
	p, err := qos.ParseOffer(string(text))
	if err != nil {
		return err
	}
	*o = offerText(p)
	return nil
}

func (o offerText) MarshalText() ([]byte, error) { return []byte(qos.Profile(o).String()), nil }
