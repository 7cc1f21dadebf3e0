package pipeline

import "errors"

// Sentinel errors of the pipeline package; returned errors wrap them with
// the names of the nodes involved.
var (
	// ErrMismatch means a link joins an output to an input that cannot take
	// it: raw frames into a packet input, H.264 packets into a JPEG decoder.
	ErrMismatch = errors.New("pipeline: link type mismatch")
	// ErrNilItem means a stage handed on a nil frame or packet, or a
	// source's Next returned one with no error (io.EOF ends a stream): the
	// item is left out and counted as the stage's error, and the source's
	// stream ends.
	ErrNilItem = errors.New("pipeline: nil item")
	// ErrUnknownNode means a link or a lookup names no node of the graph.
	ErrUnknownNode = errors.New("pipeline: unknown node")
	// ErrDuplicateNode means two nodes share one name.
	ErrDuplicateNode = errors.New("pipeline: duplicate node name")
	// ErrBadGraph means the graph cannot run as built: a node without the
	// input or output its element needs, two inputs into one node, a cycle.
	ErrBadGraph = errors.New("pipeline: invalid graph")
	// ErrStarted means the graph was changed or started again after Start:
	// a Pipeline runs once, stopped or not; make a new one to run again.
	ErrStarted = errors.New("pipeline: already started (a Pipeline runs once: make a new one to run it again)")
	// ErrNotStarted means Wait was called before Start: there is nothing
	// to wait for.
	ErrNotStarted = errors.New("pipeline: not started")
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
	// ErrStageFinal marks a stage's error after which the stage can never
	// process its input (Final): an encoder that can never take the
	// pictures' size. Its chain ends (see Final); Wait and Stop return a
	// *FinalError, which wraps it.
	ErrStageFinal = errors.New("pipeline: the stage can never process its input")
)

// LossSummary marks err, returned by a Flusher, as the summary of what
// the stage lost over its run: the node fails with it as with any error
// of Flush, but logs it as that summary, not as a flush that failed. Its
// message is err's.
func LossSummary(err error) error { return lossSummary{err} }

type lossSummary struct{ error }

func (e lossSummary) Unwrap() error      { return e.error }
func (lossSummary) Is(target error) bool { return target == ErrLossSummary }

// Final marks err, returned by a stage's Process (or Receive, or a call
// set with Env.After), as final for its stream: no later item can do
// better (an encoder that can never take the pictures' size). The node then counts err once, logs
// it as an error, takes no more input (the items that still come are
// dropped, counted, and credited back at once, so nothing upstream waits),
// flushes the stage and sends end of stream downstream, so that a recorder
// there closes its file; a node upstream that feeds nothing else takes no
// more input either, and a source whose every output has so ended stops
// (a push source is halted, or ends at once if it can: a topic subscriber
// leaves its topic). The rest of the pipeline goes on: another camera's
// chain keeps recording. Wait and Stop return a *FinalError.
// err's message should say what to do; Final's message is err's. An error
// that a later item may not meet (a damaged packet) is not final: the node
// counts it and goes on.
func Final(err error) error { return finalError{err} }

type finalError struct{ error }

func (e finalError) Unwrap() error      { return e.error }
func (finalError) Is(target error) bool { return target == ErrStageFinal }

// FinalError is the error of a node whose stage could never process its
// input (Final): Wait and Stop return the first such, once the pipeline
// ends, and a report can put it on the node.
type FinalError struct {
	Node, Element string
	Err           error
}

func (e *FinalError) Error() string {
	return e.Node + " (" + e.Element + ") ended its chain: " + e.Err.Error()
}
func (e *FinalError) Unwrap() error { return e.Err }

// StartError is the error of a node whose stage could not start (a source
// whose file cannot be opened, an encoder FFmpeg refused): Start returns
// it, and a report can put it on the node.
type StartError struct {
	Node, Element string
	Err           error
}

func (e *StartError) Error() string { return e.Node + " (" + e.Element + "): " + e.Err.Error() }
func (e *StartError) Unwrap() error { return e.Err }
