package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/pipeline"
)

// runCmd runs gopline in this process. Its outputs are safe for concurrent
// writes: the logger and a command's own lines write from many goroutines,
// as they may to a process's stdout and stderr.
func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errOut testlog.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCommandLineErrorsExitWithUsageCode(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "Usage:"},
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"bench", "codecs", "-size", "640"}, "want WIDTHxHEIGHT"},
		{[]string{"bench", "codecs", "-frames", "0"}, "-frames 0"},
		{[]string{"bench"}, "which benchmark"},
		{[]string{"demo", "-no-such-flag"}, "unknown flag: -no-such-flag (see gopline demo --help)"},
		{[]string{"rn", "testsrc ! fakesink"}, "unknown command \"rn\" (did you mean run?)"},
		{[]string{"bench", "codec"}, "unknown benchmark \"codec\" (did you mean codecs?)"},
		{[]string{"topic", "lst"}, `unknown topic command "lst" (did you mean list?)`},
		{[]string{"topic", "list", "extra"}, `unexpected argument "extra"`},
		{[]string{"topic"}, "which topic command? gopline topic hz|bw|delay|info|echo TOPIC"},
		{[]string{"topic", "infoo", "/camera"}, `unknown topic command "infoo" (did you mean info?)`},
		{[]string{"demo", "extra"}, `unexpected argument "extra"`},
		{[]string{"run"}, "no pipeline given"},
		{[]string{"run", "testsrc ! h264encc ! fakesink"}, `unknown element "h264encc" (did you mean h264enc?)`},
		{[]string{"run", "testsrc ! h264enc gop=10x ! fakesink"}, "                      ^~~\n"},
		{[]string{"run", "--duration", "soon", "testsrc ! fakesink"}, `invalid argument "soon" for "--duration" flag`},
		{[]string{"run", "testsrc ! h264enc"}, "          ^~~~~~~\n"},
		{[]string{"run", "h264enc ! fakesink"}, "h264enc0 (h264enc) needs an input of raw frames"},
		{[]string{"elements", "nosuch"}, `unknown element "nosuch"`},
		{[]string{"run", "--duration", "-1s", "testsrc ! fakesink"}, "a negative duration"},
		{[]string{"record", "--duration", "-5m", "--topic", "/a", "--out", "x", "testsrc ! fakesink"}, "a negative duration"},
		{[]string{"topics", "--timeout", "-1s", "--remote", "127.0.0.1:7400"}, "a negative duration"},
		{[]string{"demo", "--duration", "0s"}, "-duration 0s"},
		{[]string{"play", "--rate", "NaN", "x.gopline"}, "not a finite number"},
		{[]string{"play", "--rate", "-Inf", "x.gopline"}, "not a finite number"},
		{[]string{"bench", "remote", "--seconds", "NaN"}, "not a finite number"},
		{[]string{"bench", "remote", "--rate", "+Inf"}, "not a finite number"},
		{[]string{"bench", "remote", "--rate", "1e400"}, "not a number"},
		{[]string{"serve", "--listen", "127.0.0.1:99999"}, "listen address"},
		{[]string{"serve", "--listen", ":7400"}, "listen address"},
		{[]string{"run", "--listen", "localhost", "testsrc ! fakesink"}, "listen address"},
		{[]string{"run", "--http", ":8080", "testsrc ! fakesink"}, "HTTP address"},
		{[]string{"serve", "--http", "127.0.0.1:0", "--tls-cert", "/no/cert.pem", "--tls-key", "/no/key.pem"}, "--tls-cert/--tls-key"},
	} {
		code, _, stderr := runCmd(c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("gopline %v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, exitUsage, c.want)
		}
	}
}

func TestMissingInputNamesIt(t *testing.T) {
	code, _, stderr := runCmd("bench", "codecs", "-input", "/no/such/clip.mp4", "-frames", "2")
	if code != 1 || !strings.Contains(stderr, "/no/such/clip.mp4") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestBenchCodecsReportsEveryCodec(t *testing.T) {
	code, stdout, stderr := runCmd("bench", "codecs", "-input", "testsrc", "-size", "160x120", "-frames", "20", "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var results []struct {
		Codec string  `json:"codec"`
		Bytes int     `json:"payload_bytes"`
		PSNR  float64 `json:"psnr_db"`
	}
	if err := json.Unmarshal([]byte(stdout), &results); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if len(results) != 3 || results[0].Codec != "h264" || results[1].Codec != "jpeg" {
		t.Fatalf("results %+v", results)
	}
	if results[2].PSNR < results[0].PSNR || results[0].Bytes >= results[2].Bytes {
		t.Errorf("H.264 %+v vs matching JPEG %+v", results[0], results[2])
	}
}

func TestVersionNamesFFmpeg(t *testing.T) {
	code, stdout, _ := runCmd("version")
	if code != 0 || !strings.Contains(stdout, "libavcodec") {
		t.Errorf("exit %d: %q", code, stdout)
	}
}

// nodeStats is a node of a run's --json stats.
type nodeStats = pipeline.NodeStats

func TestRunEndsWithTheSourcesAndPrintsJSONStats(t *testing.T) {
	// Flags may come after the pipeline, as with gst-launch.
	code, stdout, stderr := runCmd("run", "testsrc size=160x120 num-frames=40 is-live=false ! h264enc gop=10 ! publish topic=/cam "+
		"subscribe topic=/cam window=64 ! gate ! h264dec ! fakesink name=sink", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var stats []nodeStats
	if err := json.Unmarshal([]byte(stdout), &stats); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	byNode := map[string]nodeStats{}
	for _, s := range stats {
		byNode[s.Node] = s
	}
	if s := byNode["testsrc0"]; s.Element != "testsrc" || s.Out != 40 {
		t.Errorf("source %+v", s)
	}
	if s := byNode["sink"]; s.In != 40 {
		t.Errorf("sink %+v: want all 40 frames", s)
	}
}

func TestRunStopsAfterDuration(t *testing.T) {
	start := time.Now()
	code, _, stderr := runCmd("run", "--duration", "300ms", "testsrc size=160x120 ! fakesink")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// Far less than for ever, with room for a loaded machine.
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %v", d)
	}
	if !strings.Contains(stderr, "testsrc0") {
		t.Errorf("no summary table: %s", stderr)
	}
}

// A value pasted by mistake (or by an attacker) is quoted back cut, not
// whole: in the flag package's own message, in the error, and in a
// pipeline's syntax error.
func TestLongValuesAreQuotedBackShortened(t *testing.T) {
	long := strings.Repeat("x", 100_000)
	for _, args := range [][]string{
		{"run", "--duration", long, "testsrc ! fakesink"},
		{"serve", "--listen", long},
		{"run", long},
		{"run", "testsrc ! h264enc gop=" + long + " ! fakesink"},
		{long},
	} {
		code, stdout, stderr := runCmd(args...)
		if code != exitUsage || len(stdout)+len(stderr) > 10_000 || !strings.Contains(stderr, "(100000 bytes)") {
			t.Errorf("gopline %.40q...: exit %d, %d bytes of output: want exit %d and the value cut: %.300s",
				args, code, len(stdout)+len(stderr), exitUsage, stderr)
		}
	}
}

func TestElementsListsAndDescribes(t *testing.T) {
	code, stdout, _ := runCmd("elements")
	if code != 0 || !strings.Contains(stdout, "h264enc") || !strings.Contains(stdout, "subscribe") {
		t.Fatalf("exit %d: %s", code, stdout)
	}
	code, stdout, _ = runCmd("elements", "h264enc")
	if code != 0 || !strings.Contains(stdout, "gop") || !strings.Contains(stdout, "takes: raw frames") {
		t.Fatalf("exit %d: %s", code, stdout)
	}
}

func TestDemoRunsTheRobotGraph(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCmd("demo", "-input", "testsrc", "-duration", "1500ms", "-out", out, "-json", "--http", "127.0.0.1:0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "in a browser while the demo runs: http://127.0.0.1:") {
		t.Errorf("the demo does not say where to see the camera: %s", stderr)
	}
	var stats []nodeStats
	if err := json.Unmarshal([]byte(stdout), &stats); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	byNode := map[string]nodeStats{}
	for _, s := range stats {
		byNode[s.Node] = s
	}
	// A loaded machine makes the live camera drop frames (counted) and a
	// subscriber fall behind (its drops counted); every frame the camera
	// sent is encoded, and every packet published reaches the counter or
	// is counted as dropped.
	cam, enc, pub := byNode["testsrc0"], byNode["encoder"], byNode["publish0"]
	counter, counted := byNode["counter"], byNode["counter-sink"]
	if cam.Out == 0 || enc.In != cam.Out || enc.Out != enc.In || pub.In != enc.Out ||
		counted.In == 0 || counted.In+counter.Dropped != pub.In || byNode["viewer-decoder"].Out == 0 {
		t.Errorf("stats %+v", stats)
	}
	if snaps, _ := filepath.Glob(filepath.Join(out, "*.png")); len(snaps) == 0 {
		t.Error("no snapshot written")
	}
}

func TestStatsTableShowsBytes(t *testing.T) {
	for n, want := range map[uint64]string{0: "0", 812: "812 B", 41_300: "41.3 kB", 2_061_000: "2.06 MB", 1_204_000_000: "1.20 GB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
	var out strings.Builder
	printStats(&out, []nodeReport{{NodeStats: pipeline.NodeStats{Node: "encoder", Element: "h264enc", In: 30, Out: 30, Bytes: 41_300, Elapsed: time.Second}}})
	if !strings.Contains(out.String(), "bytes") || !strings.Contains(out.String(), "41.3 kB") || !strings.Contains(out.String(), "330") {
		t.Errorf("table:\n%s", out.String())
	}
}

func TestStatsTableCountsWhatNodesSkippedAndWhy(t *testing.T) {
	var out strings.Builder
	printStats(&out, []nodeReport{
		{NodeStats: pipeline.NodeStats{Node: "videosrc0", Element: "videosrc", In: 90, Out: 84, Skipped: map[string]uint64{"undecodable": 2, "damaged": 4}}},
		{NodeStats: pipeline.NodeStats{Node: "h264enc0", Element: "h264enc", In: 84, Out: 84}},
	})
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("want a header, two nodes and one line of reasons:\n%s", out.String())
	}
	header, src := strings.Fields(lines[0]), strings.Fields(lines[1])
	col := slices.Index(header, "skipped")
	if col < 0 || col >= len(src) || src[col] != "6" {
		t.Errorf("the videosrc's skipped column is not 6:\n%s", out.String())
	}
	if want := "videosrc0 skipped 4 damaged, 2 undecodable"; lines[3] != want {
		t.Errorf("reasons %q, want %q", lines[3], want)
	}
}

// Packets of recorded capture times (play --keep-time) are older than the
// stats tell apart: the table says so rather than print an hour's
// milliseconds as a delay.
func TestStatsTableSaysALatencyBeyondAnHour(t *testing.T) {
	var out strings.Builder
	printStats(&out, []nodeReport{
		{NodeStats: pipeline.NodeStats{Node: "publish0", Element: "publish", In: 60, LatencyP50: pipeline.LatencyMaxMs, LatencyP99: pipeline.LatencyMaxMs}},
		{NodeStats: pipeline.NodeStats{Node: "fakesink0", Element: "fakesink", In: 60, LatencyP50: 12.5, LatencyP99: 40}},
	})
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[1], "> 1h    > 1h") || !strings.HasSuffix(lines[2], "12.5    40.0") {
		t.Errorf("table:\n%s", out.String())
	}
}

func TestRunServesTheViewerWithHTTP(t *testing.T) {
	code, _, stderr := runCmd("run", "--http", "127.0.0.1:0", "testsrc num-frames=5 size=160x96 ! h264enc ! publish topic=/cam")
	if code != 0 || !strings.Contains(stderr, "viewer: http://127.0.0.1:") {
		t.Errorf("exit %d, stderr %q; want the viewer's URL", code, stderr)
	}
}

func TestRecordRefusesANegativeRetention(t *testing.T) {
	code, _, stderr := runCmd("record", "--topic", "/cam", "--out", filepath.Join(t.TempDir(), "c.gopline"), "--max-bytes", "-1",
		"testsrc num-frames=5 size=160x96 ! h264enc ! publish topic=/cam")
	if code != 2 || !strings.Contains(stderr, "--max-bytes") {
		t.Errorf("exit %d, stderr %q; want 2 and the flag named", code, stderr)
	}
}

func TestRecordTakesRetentionAndOverwriteOldest(t *testing.T) {
	out := filepath.Join(t.TempDir(), "c.gopline")
	code, _, stderr := runCmd("record", "--topic", "/cam", "--out", out, "--max-bytes", "1000000", "--max-age", "1h", "--overwrite-oldest",
		"testsrc num-frames=30 size=160x96 ! h264enc ! publish topic=/cam")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

// TestGStreamerHabitsGetGoplinesNames runs lines as a gst-launch user would
// write them: each is a usage error (exit 2) that names gopline's way.
func TestGStreamerHabitsGetGoplinesNames(t *testing.T) {
	for line, says := range map[string]string{
		"videotestsrc num-buffers=10 ! fakesink":                      "testsrc",
		"testsrc num-buffers=10 ! fakesink":                           "num-frames",
		"testsrc ! video/x-raw,width=640,height=480 ! fakesink":       "size=640x480",
		"testsrc num-frames=5 ! x264enc ! fakesink":                   "h264enc",
		"testsrc num-frames=5 ! h264enc bitrate=2000 ! fakesink":      "bitrate=2000000",
		"testsrc num-frames=5 ! h264enc ! avdec_h264 ! autovideosink": "h264dec",
	} {
		code, _, stderr := runCmd("run", line)
		if code != 2 || !strings.Contains(stderr, says) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", line, code, stderr, says)
		}
	}
}

func TestStopTimeoutMustBePositive(t *testing.T) {
	code, _, stderr := runCmd("run", "--stop-timeout", "0s", "testsrc num-frames=3 ! fakesink")
	if code != 2 || !strings.Contains(stderr, "stop timeout 0s: want a positive duration") {
		t.Errorf("exit %d, stderr %q; want 2 and the reason", code, stderr)
	}
	if code, _, stderr := runCmd("run", "--stop-timeout", "30s", "testsrc num-frames=3 ! fakesink"); code != 0 {
		t.Errorf("with --stop-timeout 30s: exit %d, stderr %q", code, stderr)
	}
}
