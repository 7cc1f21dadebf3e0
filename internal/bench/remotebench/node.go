package remotebench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline"
)

// MeasureNode is the measuring side of the benchmark. First it measures
// the anchor at addrs.Anchor with the first run's packets and window
// (MeasureAnchor); then, from a node of its own, it subscribes to the runs
// of cfg on the node at addrs.Node, one run after another, lets viewers
// join that node's camera (MeasureLateJoin), and sums it all up. done and
// joined, when not nil, are told of each run's result as it comes.
func MeasureNode(ctx context.Context, addrs Addrs, cfg Config, log zerolog.Logger,
	done func(Result), joined func(LateJoinResult)) (Summary, error) {
	runs := cfg.Runs()
	anchor, err := MeasureAnchor(ctx, addrs.Anchor, runs[0], log)
	if err != nil {
		return Summary{}, err
	}
	n, err := gopline.New(gopline.WithLogger(log), gopline.WithListen(gopline.SubscriberAddr))
	if err != nil {
		return Summary{}, err
	}
	var results []Result
	for _, r := range runs {
		var link *actor.PID
		if link, err = n.Remote().Dial(addrs.Node, r.Topic); err != nil {
			break
		}
		var res Result
		if res, err = Measure(ctx, n.System(), link, r); err != nil {
			break
		}
		if done != nil {
			done(res)
		}
		results = append(results, res)
	}
	var late LateJoinResult
	if err == nil {
		// Last: the publishing node's camera starts with its first viewer.
		if late, err = MeasureLateJoin(ctx, n, addrs.Node, cfg, log); err == nil && joined != nil {
			joined(late)
		}
	}
	sum := NewSummary(results, late)
	sum.SetAnchor(anchor)
	return sum, errors.Join(err, n.Close())
}

// ServeNode is the publishing side of the benchmark, the child process
// that StartPublisher starts: a node listening at listen, publishing the
// runs' topics (Serve) and the camera (ServeCamera), and the anchor
// (StartAnchor) on the same host, until stdin ends (the measuring process
// is done, or gone) or ctx ends. It prints their addresses on stdout as
// its first line (Addrs).
func ServeNode(ctx context.Context, listen string, cfg Config, stdin io.Reader, stdout io.Writer, log zerolog.Logger) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// A read of stdin cannot be cancelled; this goroutine ends with stdin,
	// or with the process.
	go func() {
		io.Copy(io.Discard, stdin)
		cancel()
	}()
	n, err := gopline.New(gopline.WithLogger(log), gopline.WithListen(listen))
	if err != nil {
		return err
	}
	host, _, _ := net.SplitHostPort(n.Addr())
	anchor, err := StartAnchor(host, cfg.withDefaults().PacketBytes, log)
	if err != nil {
		return errors.Join(err, n.Close())
	}
	defer anchor.Close()
	fmt.Fprintln(stdout, Addrs{Node: n.Addr(), Anchor: anchor.Addr()})
	camera := make(chan error, 1)
	go func() { camera <- ServeCamera(ctx, n) }()
	err = Serve(ctx, n, cfg.Runs())
	return errors.Join(err, <-camera, n.Close())
}
