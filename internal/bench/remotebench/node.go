package remotebench

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/internal/bench"
)

// MeasureNode is the measuring side of the benchmark: from a node of its
// own, it measures the anchor of the node at addr with the first run's
// packet size and window (MeasureAnchor), subscribes to the runs of cfg on
// that node, one run after another, then lets viewers join its camera
// (MeasureLateJoin), and sums it all up. done and joined, when not nil,
// are told of each run's result as it comes.
func MeasureNode(ctx context.Context, addr string, cfg Config, log zerolog.Logger,
	done func(Result), joined func(LateJoinResult)) (Summary, error) {
	n, err := gopline.New(gopline.WithLogger(log), gopline.WithListen(gopline.SubscriberAddr))
	if err != nil {
		return Summary{}, err
	}
	runs := cfg.Runs()
	anchor, err := MeasureAnchor(ctx, n.System(), addr, runs[0])
	if err != nil {
		return Summary{}, errors.Join(err, n.Close())
	}
	var results []Result
	progress := bench.NewProgress(len(runs)+1, cfg.Progress)
	for _, r := range runs {
		var link *actor.PID
		if link, err = n.Remote().Dial(addr, r.Topic); err != nil {
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
		progress.Step()
	}
	var late LateJoinResult
	if err == nil {
		// Last: the publishing node's camera starts with its first viewer.
		if late, err = MeasureLateJoin(ctx, n, addr, cfg, log); err == nil && joined != nil {
			joined(late)
		}
		progress.Step()
	}
	sum := NewSummary(results, late)
	sum.SetAnchor(anchor)
	return sum, errors.Join(err, n.Close())
}

// ServeNode is the publishing side of the benchmark, the child process
// that StartPublisher starts: a node listening at listen, whose address it
// prints on stdout as its first line, publishing the runs' topics (Serve)
// and the camera (ServeCamera), with the anchor's sender (ServeAnchor),
// until stdin ends (the measuring process is done, or gone) or ctx ends.
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
	if err := ServeAnchor(n.System(), cfg.withDefaults().PacketBytes); err != nil {
		return errors.Join(err, n.Close())
	}
	fmt.Fprintln(stdout, n.Addr())
	camera := make(chan error, 1)
	go func() { camera <- ServeCamera(ctx, n) }()
	err = Serve(ctx, n, cfg.Runs())
	return errors.Join(err, <-camera, n.Close())
}
