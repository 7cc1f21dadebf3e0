package main

import (
	"errors"

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
	peerFlags
}

// peerFlags are how a process proves itself to other nodes and checks
// them: the shared token and TLS.
type peerFlags struct {
	token *string
	tls   remote.TLSFiles
	allow stringList
}

func addNodeFlags(fs *pflag.FlagSet, defaultListen string) *nodeFlags {
	n := &nodeFlags{qos: qos.DurableVideo()}
	fs.TextVar(&n.qos, "qos", qos.DurableVideo(), "QoS that publishers offer unless their qos= says otherwise: a preset (default, sensor_data, durable_video, persistent_video) or policies, e.g. transient_local,keep_last=2")
	n.state = fs.String("state", "", "bbolt file that keeps the GOP caches of persistent topics across restarts (created if missing)")
	n.listen = fs.String("listen", defaultListen, "serve this process's topics to other processes and hosts at host:port (loopback unless you name another interface)")
	n.peerFlags.add(fs)
	return n
}

func (n *peerFlags) add(fs *pflag.FlagSet) {
	n.token = fs.String("token", "", "a shared secret: required from every peer, and sent to the nodes this one subscribes to")
	fs.StringVar(&n.tls.Cert, "tls-cert", "", "TLS on the node's port: its certificate (PEM); needs --tls-key and --tls-ca")
	fs.StringVar(&n.tls.Key, "tls-key", "", "the certificate's private key (PEM)")
	fs.StringVar(&n.tls.CA, "tls-ca", "", "the CA that signs the peers' certificates (PEM)")
	fs.BoolVar(&n.tls.RequireClientCert, "tls-require-client-cert", false, "mutual TLS: refuse peers without a certificate the CA signed")
	fs.Var(&n.allow, "tls-allow", "mutual TLS, and only peers whose certificate has this name (common name or DNS name; repeat or comma-separate for more)")
	fs.Func("tls-make", "make a CA and certificates in DIR for this node (the first NAME) and its peers, and use this node's: DIR:NAME[=HOST+HOST],NAME... (see docs/remote.md)", func(v string) (err error) { n.tls, err = remote.MakePKIFromSpec(v); return err })
}

// open starts the node the flags describe (gopline.New). It listens for
// other nodes with --listen, and also when it must reach other nodes
// (reach), on a free loopback port. A flag value that does not hold is a
// usage error.
func (n *nodeFlags) open(log zerolog.Logger, reach bool) (*gopline.Node, error) {
	opts := []gopline.Option{gopline.WithLogger(log), gopline.WithDefaultQoS(n.qos)}
	if *n.state != "" {
		opts = append(opts, gopline.WithStateFile(*n.state))
	}
	cfg, err := n.config(*n.listen) // checked even when unused
	if err != nil {
		return nil, err
	}
	if *n.listen != "" || reach {
		opts = append(opts, gopline.WithRemote(cfg))
	}
	return newNode(opts...)
}

// config is the remote configuration of a node listening at listen (a free
// loopback port when empty).
func (n *peerFlags) config(listen string) (remote.Config, error) {
	cfg := remote.Config{Listen: listen, Token: *n.token, AllowedClients: n.allow}
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

// client starts a node that reaches other nodes and serves nothing of its
// own.
func (n *peerFlags) client(log zerolog.Logger) (*gopline.Node, error) {
	cfg, err := n.config("")
	if err != nil {
		return nil, err
	}
	return newNode(gopline.WithLogger(log), gopline.WithRemote(cfg))
}

// newNode is gopline.New, with a bad option a usage error.
func newNode(opts ...gopline.Option) (*gopline.Node, error) {
	node, err := gopline.New(opts...)
	if errors.Is(err, gopline.ErrBadOption) {
		return nil, usagef("%v", err)
	}
	return node, err
}

// subscribesRemote reports whether line subscribes to another node's topic
// (a remote= property). A line that does not parse says no: parseLine
// reports it.
func subscribesRemote(line string) bool {
	ast, err := syntax.Parse(line)
	if err != nil {
		return false
	}
	for _, c := range ast.Chains {
		for _, nd := range c.Nodes {
			if nd.Element == nil {
				continue
			}
			for _, p := range nd.Element.Props {
				if p.Key == "remote" && p.Value != "" {
					return true
				}
			}
		}
	}
	return false
}

// nodeFiles maps the nodes of line that read a file (location=, path=)
// to the file, so that a message about a node can name its file. A line
// that does not parse gives none.
func nodeFiles(line string) map[string]string {
	ast, err := syntax.Parse(line)
	if err != nil {
		return nil
	}
	files := map[string]string{}
	for el, name := range pipeline.NodeNames(ast) {
		for _, p := range el.Props {
			if p.Key == "location" || p.Key == "path" {
				files[name] = p.Value
			}
		}
	}
	return files
}

// closeNode closes n after its pipelines stopped, adding its errors to err.
func closeNode(n *gopline.Node, err error) error { return errors.Join(err, n.Close()) }
