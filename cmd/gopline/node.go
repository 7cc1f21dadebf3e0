package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/pipeline/syntax"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/transport"
	"github.com/gopline/gopline/transport/remote"
)

// nodeFlags are the flags of a command that hosts topics: the QoS its
// publishers offer by default, the file that keeps persistent topics, and
// how the process meets other nodes.
type nodeFlags struct {
	qos    qos.Profile
	state  *string
	listen *string
	token  *string
	tls    remote.TLSFiles
	allow  stringList
}

func addNodeFlags(fs *flag.FlagSet, defaultListen string) *nodeFlags {
	n := &nodeFlags{qos: qos.DurableVideo()}
	fs.TextVar(&n.qos, "qos", qos.DurableVideo(), "QoS that publishers offer unless their qos= says otherwise: a preset (default, sensor_data, durable_video, persistent_video) or policies, e.g. transient_local,keep_last=2")
	n.state = fs.String("state", "", "bbolt file that keeps the GOP caches of persistent topics across restarts (created if missing)")
	n.listen = fs.String("listen", defaultListen, "serve this process's topics to other processes and hosts at host:port (loopback unless you name another interface)")
	n.token = fs.String("token", "", "a shared secret: required from every peer, and sent to the nodes this one subscribes to")
	fs.StringVar(&n.tls.Cert, "tls-cert", "", "TLS on the node's port: its certificate (PEM); needs --tls-key and --tls-ca")
	fs.StringVar(&n.tls.Key, "tls-key", "", "the certificate's private key (PEM)")
	fs.StringVar(&n.tls.CA, "tls-ca", "", "the CA that signs the peers' certificates (PEM)")
	fs.BoolVar(&n.tls.RequireClientCert, "tls-require-client-cert", false, "mutual TLS: refuse peers without a certificate the CA signed")
	fs.Var(&n.allow, "tls-allow", "mutual TLS, and only peers whose certificate has this name (common name or DNS name; repeat or comma-separate for more)")
	fs.Func("tls-make", "make a CA and certificates in DIR for this node (the first NAME) and its peers, and use this node's: DIR:NAME[=HOST+HOST],NAME... (see docs/remote.md)", func(v string) (err error) { n.tls, err = remote.MakePKIFromSpec(v); return err })
	return n
}

// node is what nodeFlags set up: the actor system, the bus, the remote
// node (now with --listen, or when a pipeline first subscribes to another
// node) and the state file; close tears them down in order.
type node struct {
	opts   []pipeline.Option
	system *actor.ActorSystem
	bus    *transport.Bus
	state  *storage.Recording

	cfg    remote.Config
	remote *remote.Node
}

// open sets the node up and returns it; its opts run pipelines on it.
func (n *nodeFlags) open(log zerolog.Logger) (*node, error) {
	out := &node{}
	busOpts := []transport.Option{transport.WithLogger(log), transport.WithDefaultQoS(n.qos)}
	if *n.state != "" {
		rec, err := storage.Open(*n.state)
		if err != nil {
			return nil, fmt.Errorf("state file: %w", err)
		}
		out.state = rec
		busOpts = append(busOpts, transport.WithRetainer(storage.Retainers(rec, log)))
	}
	out.cfg = remote.Config{Listen: *n.listen, Token: *n.token, AllowedClients: n.allow, Log: log}
	if len(n.allow) > 0 {
		n.tls.RequireClientCert = true
	}
	if n.tls != (remote.TLSFiles{}) {
		var err error
		if out.cfg.ServerTLS, out.cfg.ClientTLS, err = remote.LoadTLS(n.tls); err != nil {
			return nil, out.close(fmt.Errorf("%w: %v", errUsage, err))
		}
	}
	out.system = pipeline.NewSystem(log)
	out.bus = transport.NewBus(out.system, busOpts...)
	out.opts = []pipeline.Option{pipeline.WithLogger(log), pipeline.WithSystem(out.system), pipeline.WithBus(out.bus)}
	if *n.listen != "" {
		if err := out.startRemote(); err != nil {
			return nil, out.close(err)
		}
	}
	return out, nil
}

// startRemote starts the remote node, once. It must run before any
// pipeline starts: protoactor's remote sets the actor system's address
// without a lock.
func (n *node) startRemote() error {
	if n.remote != nil {
		return nil
	}
	if n.cfg.Listen == "" {
		n.cfg.Listen = "127.0.0.1:0" // a node that only subscribes: replies come back by connection
	}
	r, err := remote.Start(n.system, n.bus, n.cfg)
	if err != nil {
		return err
	}
	n.remote = r
	return nil
}

// forLine starts the remote node if line subscribes to another node's
// topic (a remote= property).
func (n *node) forLine(line string) error {
	ast, err := syntax.Parse(line)
	if err != nil {
		return nil // parseLine reports it
	}
	for _, c := range ast.Chains {
		for _, nd := range c.Nodes {
			if nd.Element == nil {
				continue
			}
			for _, p := range nd.Element.Props {
				if p.Key == "remote" && p.Value != "" {
					return n.startRemote()
				}
			}
		}
	}
	return nil
}

// close closes the bus (its topics' caches are written by then), the remote
// node, the actor system and the state file; call it after the pipelines
// stopped.
func (n *node) close(err error) error {
	if n.bus != nil {
		err = errors.Join(err, n.bus.Close())
	}
	if n.remote != nil {
		err = errors.Join(err, n.remote.Close())
	}
	if n.system != nil {
		n.system.Shutdown()
	}
	if n.state != nil {
		err = errors.Join(err, n.state.Close())
	}
	return err
}
