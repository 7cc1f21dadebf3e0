package main

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gopline/gopline/pipeline"
)

// nodeReport is one node of a run's report (--json): its counters and, when
// the node failed the run, why.
type nodeReport struct {
	pipeline.NodeStats
	Error string `json:"error,omitempty"`
}

// runReport is what a finished run's counters say of it.
type runReport struct {
	Nodes []nodeReport
	// Err is nil when every source ended cleanly and every stage did its
	// work; else it says which nodes failed and how, after the error the
	// run itself returned.
	Err error
}

// runEnd is how a run ended: what running it returned, and whether its
// sources ended by themselves (rather than at --duration or Ctrl-C).
type runEnd struct {
	err   error
	ended bool
}

// judgeRules are the rules a report holds a run's nodes to, beyond errors:
// a node is a source (sources(element)), the file a node reads, and damage
// a source skipped is accepted (allowDamage).
type judgeRules struct {
	sources     func(element string) bool
	allowDamage bool
	files       map[string]string // node name to the file it reads, to name it
	// unpublished is, by node, why a subscriber got nothing: no publisher
	// of its topic was found (unpublishedSubscribes).
	unpublished map[string]string
	// losses are, by record node, what its subscriptions dropped
	// (recordingLosses); a recorder not in it lost its own dropped.
	losses map[string]recordingLoss
}

// judge reads a finished run's counters. A node fails the run when its
// stage failed on an item or was restarted after a panic (Errors,
// Panics), when it is a recorder that recorded nothing or lost packets
// it was not asked to lose (recordingLoss), when it is a
// source or player that skipped damage (unless damage is allowed: see
// skippedDamage), when it is a subscriber that got nothing as no publisher
// was found, and, in a
// run whose sources ended by themselves, when it is a source that gave
// nothing (an empty file, a topic nobody published).
func judge(stats []pipeline.NodeStats, end runEnd, rules judgeRules) runReport {
	end.err = runsOwn(end.err)
	r := runReport{Nodes: make([]nodeReport, len(stats))}
	var failed []string
	var final *pipeline.FinalError
	errors.As(end.err, &final)
	for i, s := range stats {
		r.Nodes[i].NodeStats = s
		why := nodeFailure(s, end.ended, rules)
		if why == "" {
			continue
		}
		r.Nodes[i].Error = why
		if final != nil && final.Node == s.Node && why == onlyError(final.Err) {
			continue // end.err names the node that ended its chain, and why: once is enough
		}
		failed = append(failed, fmt.Sprintf("%s (%s) %s", s.Node, s.Element, why))
	}
	// A stage that could not start fails the run through end.err; its
	// node carries the error too, where a script reading the report by
	// node looks.
	var start *pipeline.StartError
	if errors.As(end.err, &start) {
		for i := range r.Nodes {
			if r.Nodes[i].Node == start.Node && r.Nodes[i].Error == "" {
				r.Nodes[i].Error = "could not start: " + start.Err.Error()
			}
		}
	}
	var nodes error
	if len(failed) > 0 {
		nodes = errors.New(strings.Join(failed, "; "))
	}
	r.Err = errors.Join(end.err, nodes)
	return r
}

// runsOwn is err, what running a pipeline returned, without the
// pipeline.FailedError it joins (errors.Join, at any depth): judge says
// each node's failure from its counters, by the command's rules.
func runsOwn(err error) error {
	if _, failed := err.(*pipeline.FailedError); failed {
		return nil
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok || !errors.As(err, new(*pipeline.FailedError)) {
		return err
	}
	var own []error
	for _, e := range joined.Unwrap() {
		own = append(own, runsOwn(e))
	}
	return errors.Join(own...)
}

// onlyError is nodeFailure's words for a node whose one failure is err.
func onlyError(err error) string {
	return "1 error (the last: " + clip(err.Error(), maxErrorInSummary) + ")"
}

// maxErrorInSummary bounds the bytes of a node's last error that the
// summary quotes: an error can carry what a peer sent.
const maxErrorInSummary = 300

// clip returns s cut to at most n bytes (on a rune boundary), marked with
// an ellipsis when cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// nodeFailure is why one node fails the run, or "".
func nodeFailure(s pipeline.NodeStats, ended bool, rules judgeRules) string {
	var why []string
	if s.Errors > 0 {
		e := plural(s.Errors, "error")
		if s.LastError != "" {
			e += " (the last: " + clip(s.LastError, maxErrorInSummary) + ")"
		}
		why = append(why, e)
	}
	if s.Panics > 0 { // a source's reconnections are restarts too, and no failure
		why = append(why, plural(s.Panics, "restart")+" after a panic")
	}
	if damage := skippedDamage(s); damage != "" && !rules.allowDamage {
		why = append(why, damage+" (--allow-damage accepts it)")
	}
	switch {
	case rules.unpublished[s.Node] != "":
		why = append(why, rules.unpublished[s.Node])
	case s.Element == "record" && s.In == 0:
		why = append(why, "recorded nothing")
	case s.Element == "record" && rules.recordingLoss(s).failure() != "":
		why = append(why, rules.recordingLoss(s).failure())
	case s.Errors > 0: // a source that gave nothing says so in its error (elements.ErrNothingDelivered)
	case ended && s.Out == 0 && rules.sources != nil && rules.sources(s.Element) && rules.files[s.Node] != "":
		why = append(why, "gave nothing: "+rules.files[s.Node]+" holds no picture it could read")
	case ended && s.Out == 0 && rules.sources != nil && rules.sources(s.Element):
		why = append(why, "gave nothing")
	}
	return strings.Join(why, ", ")
}

// skippedDamage says what damage a source skipped, or "": a player's
// packets at damage or gaps in the recording (Dropped), a video source's
// packets its decoder rejected and pictures it left out after damage
// until the next keyframe (Skipped "undecodable" and "damaged"). Pictures
// concealed by choice (conceal=true) are not skipped.
func skippedDamage(s pipeline.NodeStats) string {
	switch {
	case s.Element == "play" && s.Dropped > 0:
		return fmt.Sprintf("skipped %s at damage or gaps in the recording", plural(s.Dropped, "packet"))
	case s.Element == "videosrc" && s.Skipped["undecodable"]+s.Skipped["damaged"] > 0:
		return fmt.Sprintf("skipped %s of a damaged input (%s, %d left out until the next keyframe)",
			plural(s.Skipped["undecodable"]+s.Skipped["damaged"], "packet"), plural(s.Skipped["undecodable"], "undecodable packet"), s.Skipped["damaged"])
	}
	return ""
}

// plural is n things: "1 error", "3 errors".
func plural(n uint64, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
