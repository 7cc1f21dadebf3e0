package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/transport"
)

// nodeFlags are the flags of a command that hosts topics: the QoS its
// publishers offer by default, and the file that keeps persistent topics.
type nodeFlags struct {
	qos   qos.Profile
	state *string
}

func addNodeFlags(fs *flag.FlagSet) *nodeFlags {
	n := &nodeFlags{qos: qos.DurableVideo()}
	fs.TextVar(&n.qos, "qos", qos.DurableVideo(), "QoS that publishers offer unless their qos= says otherwise: a preset (default, sensor_data, durable_video, persistent_video) or policies, e.g. transient_local,keep_last=2")
	n.state = fs.String("state", "", "bbolt file that keeps the GOP caches of persistent topics across restarts (created if missing)")
	return n
}

// node is what nodeFlags set up: pipeline options, and a state file to
// close after the pipeline.
type node struct {
	opts  []pipeline.Option
	state *storage.Recording
}

// open opens the state file, if any, and returns the pipeline options.
func (n *nodeFlags) open(log zerolog.Logger) (*node, error) {
	out := &node{opts: []pipeline.Option{pipeline.WithLogger(log), pipeline.WithBusOptions(transport.WithDefaultQoS(n.qos))}}
	if *n.state == "" {
		return out, nil
	}
	rec, err := storage.Open(*n.state)
	if err != nil {
		return nil, fmt.Errorf("state file: %w", err)
	}
	out.state = rec
	out.opts = append(out.opts, pipeline.WithBusOptions(transport.WithRetainer(storage.Retainers(rec, log))))
	return out, nil
}

// close closes the state file; call it after the pipeline stopped (its
// topics' caches are written by then).
func (n *node) close(err error) error {
	if n.state != nil {
		err = errors.Join(err, n.state.Close())
	}
	return err
}
