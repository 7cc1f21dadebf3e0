package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/pipeline"
)

func TestJudgeDecidesTheExit(t *testing.T) {
	sources := func(e string) bool { return e == "testsrc" || e == "play" }
	stopErr := errors.New("a stage did not stop")
	finalErr := &pipeline.FinalError{Node: "enc", Element: "h264enc", Err: errors.New("odd size; scale to 638x478")}
	for _, c := range []struct {
		name  string
		stats []pipeline.NodeStats
		end   runEnd
		rules judgeRules
		fails string // "" for a clean run
	}{
		{"clean", []pipeline.NodeStats{{Node: "src", Element: "testsrc", Out: 10}, {Node: "sink", Element: "fakesink", In: 10}}, runEnd{ended: true}, judgeRules{sources: sources}, ""},
		{"stage errors", []pipeline.NodeStats{{Node: "dec", Element: "h264dec", In: 5, Errors: 2}}, runEnd{ended: true}, judgeRules{}, "dec (h264dec) 2 errors"},
		{"stage errors said", []pipeline.NodeStats{{Node: "sub", Element: "subscribe", Errors: 1, LastError: "topic /c: qos: incompatible profiles"}},
			runEnd{}, judgeRules{}, "sub (subscribe) 1 error (the last: topic /c: qos: incompatible profiles)"},
		{"a long error clipped", []pipeline.NodeStats{{Node: "sub", Element: "subscribe", Errors: 1, LastError: strings.Repeat("é", 400)}},
			runEnd{}, judgeRules{}, "1 error (the last: " + strings.Repeat("é", maxErrorInSummary/2) + "…)"},
		{"restarts", []pipeline.NodeStats{{Node: "enc", Element: "h264enc", Restarts: 1, Panics: 1}}, runEnd{}, judgeRules{}, "1 restart after a panic"},
		{"reconnected", []pipeline.NodeStats{{Node: "cam", Element: "videosrc", Out: 10, Restarts: 2}}, runEnd{}, judgeRules{}, ""},
		{"empty source", []pipeline.NodeStats{{Node: "src", Element: "testsrc"}}, runEnd{ended: true}, judgeRules{sources: sources}, "src (testsrc) gave nothing"},
		{"empty source stopped early", []pipeline.NodeStats{{Node: "src", Element: "testsrc"}}, runEnd{}, judgeRules{sources: sources}, ""},
		{"recorded nothing", []pipeline.NodeStats{{Node: "recorder", Element: "record"}}, runEnd{}, judgeRules{}, "recorder (record) recorded nothing"},
		{"recorder fell behind", []pipeline.NodeStats{{Node: "recorder", Element: "record", In: 16, Dropped: 164}}, runEnd{ended: true}, judgeRules{}, "recorder (record) lost 164 packets"},
		{"recorder lost packets", []pipeline.NodeStats{{Node: "recorder", Element: "record", In: 90, Errors: 1, Dropped: 12}}, runEnd{}, judgeRules{}, "1 error, lost 12 packets"},
		{"damage skipped", []pipeline.NodeStats{{Node: "play0", Element: "play", Out: 80, Dropped: 7}}, runEnd{ended: true}, judgeRules{sources: sources}, "skipped 7 packets"},
		{"damage allowed", []pipeline.NodeStats{{Node: "play0", Element: "play", Out: 80, Dropped: 7}}, runEnd{ended: true}, judgeRules{sources: sources, allowDamage: true}, ""},
		{"no publisher found", []pipeline.NodeStats{{Node: "subscribe0", Element: "subscribe"}}, runEnd{},
			judgeRules{sources: sources, unpublished: map[string]string{"subscribe0": elements.Silence{Topic: "/nobody"}.Summary()}}, "subscribe0 (subscribe) got nothing: no publisher of /nobody was found"},
		{"source damage", []pipeline.NodeStats{{Node: "src", Element: "videosrc", Out: 13, Skipped: map[string]uint64{"undecodable": 1, "damaged": 26}}}, runEnd{ended: true}, judgeRules{sources: sources}, "src (videosrc) skipped 27 packets of a damaged input (1 undecodable packet, 26 left out"},
		{"source damage allowed", []pipeline.NodeStats{{Node: "src", Element: "videosrc", Out: 13, Skipped: map[string]uint64{"damaged": 26}}}, runEnd{ended: true}, judgeRules{sources: sources, allowDamage: true}, ""},
		{"concealment is no failure", []pipeline.NodeStats{{Node: "src", Element: "videosrc", Out: 40, Skipped: map[string]uint64{"concealed": 26, "other_streams": 9}}}, runEnd{ended: true}, judgeRules{sources: sources}, ""},
		{"a chain ended", []pipeline.NodeStats{{Node: "src", Element: "testsrc", Out: 1}, {Node: "enc", Element: "h264enc", In: 1, Errors: 1, LastError: "odd size; scale to 638x478"}},
			runEnd{err: errors.Join(finalErr)}, judgeRules{sources: sources}, "enc (h264enc) ended its chain: odd size; scale to 638x478"},
		{"a chain ended, and more errors", []pipeline.NodeStats{{Node: "enc", Element: "h264enc", In: 9, Errors: 3, LastError: "other"}},
			runEnd{err: finalErr}, judgeRules{}, "enc (h264enc) 3 errors (the last: other)"},
		{"run error", []pipeline.NodeStats{{Node: "src", Element: "testsrc", Out: 3}}, runEnd{err: stopErr}, judgeRules{}, "a stage did not stop"},
	} {
		r := judge(c.stats, c.end, c.rules)
		switch {
		case c.fails == "" && r.Err != nil:
			t.Errorf("%s: %v, want a clean run", c.name, r.Err)
		case c.fails != "" && (r.Err == nil || !strings.Contains(r.Err.Error(), c.fails)):
			t.Errorf("%s: %v, want %q", c.name, r.Err, c.fails)
		}
		if c.end.err != nil && !errors.Is(r.Err, c.end.err) {
			t.Errorf("%s: %v does not wrap the run's error", c.name, r.Err)
		}
		if r.Err != nil && strings.Count(r.Err.Error(), "scale to 638x478") > 1 {
			t.Errorf("%s: %v says the same error twice", c.name, r.Err)
		}
	}
}

func TestRunExitsOneWhenASourceFailsAndSaysSoInJSON(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.h264")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.mp4")
	for _, c := range []struct {
		args []string
		says string
		node string // the node whose entry carries the error
	}{
		{[]string{"run", "--json", "testsrc num-frames=0 ! fakesink"}, "gave nothing", "testsrc0"},
		{[]string{"run", "--json", "videosrc location=" + empty + " ! fakesink"}, "empty.h264", "videosrc0"},
		// A source that cannot start: its error is its node's, not only
		// the run's.
		{[]string{"run", "--json", "videosrc location=" + missing + " ! fakesink"}, "missing.mp4", "videosrc0"},
	} {
		code, stdout, stderr := runCmd(c.args...)
		if code != 1 || !strings.Contains(stderr, c.says) {
			t.Errorf("gopline %q: exit %d, %q; want exit 1 and %q", c.args, code, stderr, c.says)
		}
		var nodes []nodeReport
		if err := json.Unmarshal([]byte(stdout), &nodes); err != nil || len(nodes) == 0 {
			t.Errorf("gopline %q: --json printed %q (%v), want the stats list", c.args, stdout, err)
			continue
		}
		var failed []string
		for _, n := range nodes {
			if n.Error != "" {
				failed = append(failed, n.Node)
			}
		}
		if !slices.Equal(failed, []string{c.node}) {
			t.Errorf("gopline %q: the nodes with an error are %q, want %s alone, in %s", c.args, failed, c.node, stdout)
		}
	}
}

func TestRecordOfATopicNobodyPublishesFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "typo.gopline")
	code, _, stderr := runCmd("record", "--topic", "/typo", "--out", path, "--duration", "1s",
		"testsrc size=160x120 num-frames=20 ! h264enc ! publish topic=/camera")
	if code != 1 || !strings.Contains(stderr, "recorder (record) recorded nothing") {
		t.Errorf("exit %d, %s", code, stderr)
	}
}

// An encoder that can never take its camera's size ends the run by itself
// (no --duration here), exit 1, with one error naming the node and the
// size to scale to, said once in the summary.
func TestRunOfAnOddSizeEndsAtOnceNamingTheEncoder(t *testing.T) {
	code, _, stderr := runCmd("run", "-q", "testsrc is-live=true size=639x479 ! h264enc ! fakesink")
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	summary := stderr[strings.Index(stderr, "gopline run:"):]
	if !strings.Contains(summary, "h264enc0 (h264enc) ended its chain") || strings.Count(summary, "scale the frames to 638x478") != 1 {
		t.Fatalf("want the encoder named once with the size to scale to:\n%s", stderr)
	}
	if n := strings.Count(stderr, " ERR "); n != 1 {
		t.Fatalf("%d error lines, want one:\n%s", n, stderr)
	}
}

// What running a pipeline returned is judged without the nodes' failures
// it joins, which judge says from their counters: once each.
func TestJudgeLeavesOutThePipelinesFailedError(t *testing.T) {
	failed := &pipeline.FailedError{Nodes: []pipeline.NodeFailure{{Node: "cam", Element: "videosrc", Errors: 1, Err: errors.New("down")}}}
	stop := fmt.Errorf("%w: a stage did not stop", pipeline.ErrStopTimeout)
	for _, c := range []struct {
		err, want error
	}{
		{failed, nil},
		{errors.Join(stop, failed), stop},
		{errors.Join(errors.Join(stop, failed), nil), stop},
		{stop, stop},
		{nil, nil},
	} {
		got := runsOwn(c.err)
		if (got == nil) != (c.want == nil) || (got != nil && got.Error() != c.want.Error()) {
			t.Errorf("runsOwn(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	r := judge([]pipeline.NodeStats{{Node: "cam", Element: "videosrc", Errors: 1, LastError: "down"}}, runEnd{err: failed}, judgeRules{})
	if n := strings.Count(r.Err.Error(), "down"); n != 1 {
		t.Errorf("judge: %v, want the node's error said once", r.Err)
	}
}
