package pipeline

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// NodeFailure is a node that failed its part of a run: its stage failed on
// items (or to stop), or panicked and was restarted.
type NodeFailure struct {
	Node    string
	Element string
	// Errors and Panics are the node's counts (NodeStats).
	Errors, Panics uint64
	// Err is the last of the errors Errors counts: nil when it has none.
	Err error
}

// FailedError is the error Wait and Stop return, beside any of the run
// itself, when nodes of a pipeline whose stream ended failed their part:
// a source that never opened (its stream ended with an error), a sink that
// failed on items, a stage that panicked. Its Unwrap gives each node's last
// error, so errors.Is finds what a stage failed with (a video source's
// elements.ErrNeverOpened, say). A run judged by more than its errors (a
// recording that got nothing, damage a source skipped) is judged by its
// counters, NodeStats, as the gopline command judges it.
type FailedError struct {
	Nodes []NodeFailure
}

// maxQuoted bounds the bytes of a node's last error that Error quotes: an
// error can carry what a peer sent.
const maxQuoted = 300

func (e *FailedError) Error() string {
	parts := make([]string, len(e.Nodes))
	for i, n := range e.Nodes {
		var why []string
		if n.Errors > 0 {
			w := count(n.Errors, "error")
			if n.Err != nil {
				w += " (the last: " + clipped(n.Err.Error(), maxQuoted) + ")"
			}
			why = append(why, w)
		}
		if n.Panics > 0 {
			why = append(why, count(n.Panics, "restart")+" after a panic")
		}
		parts[i] = fmt.Sprintf("%s (%s) %s", n.Node, n.Element, strings.Join(why, ", "))
	}
	return "pipeline: " + strings.Join(parts, "; ")
}

func (e *FailedError) Unwrap() []error {
	var errs []error
	for _, n := range e.Nodes {
		if n.Err != nil {
			errs = append(errs, n.Err)
		}
	}
	return errs
}

// failures is the FailedError of the nodes stats show failed, or nil.
func failures(stats []NodeStats) error {
	var failed []NodeFailure
	for _, s := range stats {
		if s.Errors > 0 || s.Panics > 0 {
			failed = append(failed, NodeFailure{Node: s.Node, Element: s.Element, Errors: s.Errors, Panics: s.Panics, Err: s.Err})
		}
	}
	if failed == nil {
		return nil
	}
	return &FailedError{Nodes: failed}
}

// count is n things: "1 error", "3 errors".
func count(n uint64, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// clipped returns s cut to at most n bytes, on a rune boundary, marked with
// an ellipsis when cut.
func clipped(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
