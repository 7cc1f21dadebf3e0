package pipeline

import "errors"

// Sentinel errors of the pipeline package; returned errors wrap them with
// the names of the nodes involved.
var (
	// ErrMismatch means a link joins an output to an input that cannot take
	// it: raw frames into a packet input, H.264 packets into a JPEG decoder.
	ErrMismatch = errors.New("pipeline: link type mismatch")
	// ErrUnknownNode means a link or a lookup names no node of the graph.
	ErrUnknownNode = errors.New("pipeline: unknown node")
	// ErrDuplicateNode means two nodes share one name.
	ErrDuplicateNode = errors.New("pipeline: duplicate node name")
	// ErrBadGraph means the graph cannot run as built: a node without the
	// input or output its element needs, two inputs into one node, a cycle.
	ErrBadGraph = errors.New("pipeline: invalid graph")
	// ErrStarted means the graph was changed or started again after Start.
	ErrStarted = errors.New("pipeline: already started")
	// ErrNodeFailed means a node kept failing and was stopped by its
	// supervisor; the pipeline stops with it.
	ErrNodeFailed = errors.New("pipeline: node failed")
	// ErrStopTimeout means that during Stop end of stream did not reach every
	// sink in time (the actors were stopped anyway), or a stage stuck in a
	// call did not stop in time (it was left behind). The drain's error
	// names each chain that did not drain ("cam → disk") and what it
	// waited for.
	ErrStopTimeout = errors.New("pipeline: end of stream did not drain in time")
	// ErrLossSummary marks a Flusher's error that sums up what its stage
	// lost over the run (a recorder's packets lost to failed writes) rather
	// than a failure of the flush itself (LossSummary).
	ErrLossSummary = errors.New("pipeline: what a stage lost over its run")
)

// LossSummary marks err, returned by a Flusher, as the summary of what
// the stage lost over its run: the node fails with it as with any error
// of Flush, but logs it as that summary, not as a flush that failed. Its
// message is err's.
func LossSummary(err error) error { return lossSummary{err} }

type lossSummary struct{ error }

func (e lossSummary) Unwrap() error      { return e.error }
func (lossSummary) Is(target error) bool { return target == ErrLossSummary }

// StartError is the error of a node whose stage could not start (a source
// whose file cannot be opened, an encoder FFmpeg refused): Start returns
// it, and a report can put it on the node.
type StartError struct {
	Node, Element string
	Err           error
}

func (e *StartError) Error() string { return e.Node + " (" + e.Element + "): " + e.Err.Error() }
func (e *StartError) Unwrap() error { return e.Err }
