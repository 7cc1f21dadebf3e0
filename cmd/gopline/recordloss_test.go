package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/pipeline"
)

func TestARecordingThatFellBehindFailsWhereverItsSubscriptionIs(t *testing.T) {
	for _, c := range []struct {
		name     string
		line     string
		stats    []pipeline.NodeStats
		fails    string              // "" for a clean run
		recorded map[string][]string // gopline record's recorder
	}{
		{"the recorder's own subscription (gopline record)", "videosrc location=a.mp4 ! publish topic=/c",
			[]pipeline.NodeStats{{Node: "recorder", Element: "record", In: 16, Dropped: 84}},
			"recorder (record) lost 84 packets: it fell behind its topic (" + fellBehindAdvice + ")", map[string][]string{"recorder": {"/c"}}},
		{"the recorder's own subscription to another node's topic (gopline record without a pipeline)", "",
			[]pipeline.NodeStats{{Node: "recorder", Element: "record", In: 16, Dropped: 84}},
			"recorder (record) lost 84 packets: it fell behind its topic (" + stalledAdvice + ")", map[string][]string{"recorder": {"/c"}}},
		{"a subscribe node in front of the recorder", "videosrc location=a.mp4 ! publish topic=/c  subscribe topic=/c ! record path=x.gopline",
			[]pipeline.NodeStats{{Node: "subscribe0", Element: "subscribe", Out: 32, Dropped: 68}, {Node: "record0", Element: "record", In: 32}},
			"record0 (record) lost 68 packets: its subscriber subscribe0 fell behind its topic /c (" + fellBehindAdvice + ")", nil},
		{"through a tee, by reference", "subscribe topic=/c ! tee name=t  t. ! fakesink  t. ! record path=x.gopline",
			[]pipeline.NodeStats{{Node: "subscribe0", Element: "subscribe", Out: 30, Dropped: 5}, {Node: "t", Element: "tee", In: 30},
				{Node: "record0", Element: "record", In: 30}},
			"record0 (record) lost 5 packets: its subscriber subscribe0 fell behind its topic /c (" + stalledAdvice + ")", nil},
		{"another node's topic relayed to gopline record's", "subscribe topic=/c4 remote=127.0.0.1:7400 ! publish topic=/c4",
			[]pipeline.NodeStats{{Node: "subscribe0", Element: "subscribe", Out: 500, Dropped: 339}, {Node: "publish0", Element: "publish", In: 500},
				{Node: "recorder", Element: "record", In: 500}},
			"recorder (record) lost 339 packets: its subscriber subscribe0 fell behind its topic /c4 (" + stalledAdvice + ")", map[string][]string{"recorder": {"/c4"}}},
		{"relayed to a recorder of topics", "subscribe topic=/c4 remote=127.0.0.1:7400 ! publish topic=/c5  record topics=/c5 path=x.gopline",
			[]pipeline.NodeStats{{Node: "subscribe0", Element: "subscribe", Out: 500, Dropped: 9}, {Node: "publish0", Element: "publish", In: 500},
				{Node: "record0", Element: "record", In: 500}},
			"record0 (record) lost 9 packets: its subscriber subscribe0 fell behind its topic /c4 (" + stalledAdvice + ")", nil},
		{"a relay of a topic not recorded", "subscribe topic=/c4 remote=127.0.0.1:7400 ! publish topic=/c5",
			[]pipeline.NodeStats{{Node: "subscribe0", Element: "subscribe", Out: 500, Dropped: 9}, {Node: "publish0", Element: "publish", In: 500},
				{Node: "recorder", Element: "record", In: 500}},
			"", map[string][]string{"recorder": {"/c4"}}},
		{"a remote subscriber in front of the recorder", "subscribe topic=/c remote=127.0.0.1:7400 ! record path=x.gopline",
			[]pipeline.NodeStats{{Node: "subscribe0", Element: "subscribe", Out: 30, Dropped: 341}, {Node: "record0", Element: "record", In: 30}},
			"record0 (record) lost 341 packets: its subscriber subscribe0 fell behind its topic /c (" + stalledAdvice + ")", nil},
		{"a subscriber that feeds no recorder", "subscribe topic=/c ! fakesink  testsrc ! h264enc ! record path=x.gopline",
			[]pipeline.NodeStats{{Node: "subscribe0", Element: "subscribe", Out: 30, Dropped: 5}, {Node: "record0", Element: "record", In: 30}},
			"", nil},
		{"a best-effort subscriber asked for a lossy recording", "subscribe topic=/c qos=best_effort ! record path=x.gopline",
			[]pipeline.NodeStats{{Node: "subscribe0", Element: "subscribe", Out: 30, Dropped: 5}, {Node: "record0", Element: "record", In: 30}},
			"", nil},
		{"sensor_data is best effort", "subscribe topic=/c qos=sensor_data,depth=2 ! record path=x.gopline",
			[]pipeline.NodeStats{{Node: "subscribe0", Element: "subscribe", Out: 30, Dropped: 5}, {Node: "record0", Element: "record", In: 30}},
			"", nil},
		{"a reliable subscriber did not", "subscribe topic=/c qos=durable_video ! record path=x.gopline",
			[]pipeline.NodeStats{{Node: "subscribe0", Element: "subscribe", Out: 30, Dropped: 5}, {Node: "record0", Element: "record", In: 30}},
			"lost 5 packets: its subscriber subscribe0", nil},
		{"a best-effort recorder of topics", "record topics=/c qos=best_effort path=x.gopline",
			[]pipeline.NodeStats{{Node: "record0", Element: "record", In: 30, Dropped: 50}}, "", nil},
		{"a recorder of topics", "record topics=/c path=x.gopline",
			[]pipeline.NodeStats{{Node: "record0", Element: "record", In: 30, Dropped: 50}}, "record0 (record) lost 50 packets: it fell behind its topic", nil},
		{"failed writes say their own why", "record topics=/c path=x.gopline",
			[]pipeline.NodeStats{{Node: "record0", Element: "record", In: 90, Errors: 1, Dropped: 12}}, "1 error, lost 12 packets", nil},
	} {
		rules := judgeRules{sources: isSource, losses: recordingLosses(c.line, c.stats, c.recorded)}
		r := judge(c.stats, runEnd{ended: true}, rules)
		switch {
		case c.fails == "" && r.Err != nil:
			t.Errorf("%s: %v, want a clean run", c.name, r.Err)
		case c.fails != "" && (r.Err == nil || !strings.Contains(r.Err.Error(), c.fails)):
			t.Errorf("%s: %v, want %q", c.name, r.Err, c.fails)
		case c.fails != "" && !strings.Contains(c.fails, "error") && !strings.Contains(r.Err.Error(), fellBehindAdvice) &&
			!strings.Contains(r.Err.Error(), stalledAdvice):
			t.Errorf("%s: %v gives no advice", c.name, r.Err)
		}
	}
}

// TestRunReportsARecordingThatFellBehind runs recordings of a real MP4
// read faster than real time, through subscriptions whose window takes one
// packet (so that they fall behind): a subscribe node in front of the
// recorder, and the recorder's own subscription (as gopline record's). A
// run whose recording's subscription dropped packets exits 1 saying how
// many and why, and one asked to be lossy (best effort) exits 0 with its
// drops counted.
func TestRunReportsARecordingThatFellBehind(t *testing.T) {
	clip := testclip.Make(t, "base.mp4", 100, 25, "-c:v", "libx264", "-g", "25", "-pix_fmt", "yuv420p")
	dir := t.TempDir()
	source := "videosrc location=" + clip + " passthrough=true ! publish topic=/c"
	for _, c := range []struct {
		args  []string
		drops string // the node whose drops are the recording's losses
		lossy bool
	}{
		{[]string{"run", "--json", source + "  subscribe topic=/c window=1 ! record path=" + filepath.Join(dir, "run.gopline")}, "subscribe0", false},
		{[]string{"run", "--json", source + "  subscribe topic=/c window=1 qos=best_effort ! record path=" + filepath.Join(dir, "lossy.gopline")}, "subscribe0", true},
		{[]string{"run", "--json", source + "  record topics=/c window=1 path=" + filepath.Join(dir, "topics.gopline")}, "record0", false},
	} {
		code, stdout, stderr := runCmd(c.args...)
		var nodes []nodeReport
		if err := json.Unmarshal([]byte(stdout), &nodes); err != nil {
			t.Fatalf("gopline %q: %v: %s %s", c.args, err, stdout, stderr)
		}
		at := slices.IndexFunc(nodes, func(n nodeReport) bool { return n.Node == c.drops })
		rec := slices.IndexFunc(nodes, func(n nodeReport) bool { return n.Node == "record0" })
		if at < 0 || rec < 0 {
			t.Fatalf("gopline %q: no %s or record0 in %s", c.args, c.drops, stdout)
		}
		dropped := nodes[at].Dropped
		t.Logf("gopline %s ...: %s dropped %d, exit %d", c.args[0], c.drops, dropped, code)
		want := fmt.Sprintf("lost %s", plural(dropped, "packet"))
		switch {
		case dropped == 0 || c.lossy:
			if code != 0 || nodes[rec].Error != "" {
				t.Errorf("gopline %q: exit %d, record0 %q; want exit 0 (%d dropped)", c.args, code, nodes[rec].Error, dropped)
			}
		case code != 1 || !strings.Contains(nodes[rec].Error, want) || !strings.Contains(nodes[rec].Error, "is-live=true"):
			t.Errorf("gopline %q: exit %d, record0 %q; want exit 1 and %q with the advice", c.args, code, nodes[rec].Error, want)
		}
	}
}
