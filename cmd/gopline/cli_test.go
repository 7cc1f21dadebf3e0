package main

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/gopline/gopline/elements"
)

// commandPaths lists every command of gopline ("run", "bench codecs"),
// cobra's own (help, completion) aside.
func commandPaths() [][]string {
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" || sub.Name() == "completion" {
				continue
			}
			p := append(slices.Clone(path), sub.Name())
			paths = append(paths, p)
			walk(sub, p)
		}
	}
	walk(rootCommand(io.Discard, io.Discard), nil)
	return paths
}

func TestEveryCommandHasHelpOnStdout(t *testing.T) {
	paths := commandPaths()
	if len(paths) < 15 {
		t.Fatalf("%d commands: %v", len(paths), paths)
	}
	for _, path := range paths {
		name := "gopline " + strings.Join(path, " ")
		code, stdout, stderr := runCmd(append(slices.Clone(path), "--help")...)
		if code != 0 || stderr != "" {
			t.Errorf("%s --help: exit %d, stderr %q", name, code, stderr)
			continue
		}
		for _, part := range []string{"Usage:\n  " + name, "Examples:\n  " + name, "Flags:\n", "-h, --help"} {
			if !strings.Contains(stdout, part) {
				t.Errorf("%s --help lacks %q:\n%s", name, part, stdout)
			}
		}
		if first, _, _ := strings.Cut(stdout, "\n"); len(first) < 20 || strings.HasPrefix(first, "Usage") {
			t.Errorf("%s --help does not open with a description:\n%s", name, stdout)
		}
		code, viaHelp, _ := runCmd(append([]string{"help"}, path...)...)
		if code != 0 || viaHelp != stdout {
			t.Errorf("gopline help %s: exit %d, and not the same text as %s --help", strings.Join(path, " "), code, name)
		}
	}
}

// Each command shows its own flags, and only those.
func TestHelpShowsOnlyACommandsOwnFlags(t *testing.T) {
	for _, c := range []struct {
		args      []string
		has, lacs []string
	}{
		{[]string{"run"}, []string{"--duration", "--json", "--listen", "--qos", "--state", "--token", "--tls-make"}, []string{"--serve", "--stream"}},
		{[]string{"serve"}, []string{"--listen string", `(default "` + "127.0.0.1:7400"}, nil},
		{[]string{"topics"}, []string{"--remote", "--timeout", "--token", "--tls-ca", "where other nodes' answers come back"}, []string{"--qos", "--state", "--duration"}},
		{[]string{"play"}, []string{"--rate", "--loop", "--stream", "--listen", "--name", "--no-mdns"}, []string{"--serve", "--out"}},
		{[]string{"topic", "hz"}, []string{"--remote", "--window", "--duration", "--no-mdns", "--wait"}, []string{"--once", "--qos", "--state"}},
		{[]string{"topic", "echo"}, []string{"--once", "--json"}, []string{"--window", "--qos"}},
		{[]string{"topic", "info"}, []string{"--remote", "--json"}, []string{"--window", "--once", "--duration"}},
		{[]string{"info"}, []string{"--json"}, []string{"--listen", "--duration", "--stream"}},
		{[]string{"export"}, []string{"--at", "--every", "--format"}, []string{"--json", "--listen"}},
		{[]string{"elements"}, nil, []string{"--json", "--listen"}},
		{[]string{"bench", "remote"}, []string{"--seconds", "--keyframe-size"}, []string{"--serve", "--listen"}},
		{[]string{"bench", "codecs"}, []string{"--input", "--frames"}, []string{"--joins"}},
	} {
		_, stdout, _ := runCmd(append(c.args, "--help")...)
		for _, f := range c.has {
			if !strings.Contains(stdout, f) {
				t.Errorf("gopline %v --help lacks %s", c.args, f)
			}
		}
		for _, f := range c.lacs {
			if strings.Contains(stdout, f) {
				t.Errorf("gopline %v --help shows %s, which is not its flag", c.args, f)
			}
		}
	}
}

func TestAFlagErrorIsOneLineWithAHint(t *testing.T) {
	for _, path := range commandPaths() {
		if path[0] == "bench" && len(path) == 1 {
			continue // bench only picks a benchmark
		}
		name := "gopline " + strings.Join(path, " ")
		for _, bad := range []string{"--no-such-flag", "-no-such-flag"} {
			code, stdout, stderr := runCmd(append(slices.Clone(path), bad)...)
			want := name + ": usage: unknown flag: " + bad + " (see " + name + " --help)\n"
			if code != exitUsage || stdout != "" || stderr != want {
				t.Errorf("%s %s: exit %d, stdout %q, stderr %q; want exit 2 and %q", name, bad, code, stdout, stderr, want)
			}
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"play", "--rate", "NaN", "x.gopline"}, `gopline play: usage: invalid argument "NaN" for "-r, --rate" flag: not a finite number (see gopline play --help)` + "\n"},
		{[]string{"demo", "-duration", "-1s"}, `gopline demo: usage: invalid argument "-1s" for "--duration" flag: a negative duration (see gopline demo --help)` + "\n"},
		{[]string{"version", "extra"}, `gopline version: usage: unexpected argument "extra" (see gopline version --help)` + "\n"},
	} {
		if code, _, stderr := runCmd(c.args...); code != exitUsage || stderr != c.want {
			t.Errorf("gopline %v: exit %d, %q; want %q", c.args, code, stderr, c.want)
		}
	}
}

// gst-launch's -e (--eos-on-shutdown), alone or with -v, is refused on the
// commands that run pipelines saying why gopline needs none (on record,
// whose -e is ros2 bag record's --regex, the long form alone); elsewhere,
// and for other letters, the refusal is the usual one.
func TestEOSOnShutdownIsRefusedSayingCtrlCEndsCleanly(t *testing.T) {
	const why = "; gopline needs no -e (gst-launch's --eos-on-shutdown): Ctrl-C already ends the stream cleanly, " +
		"end of stream flowing through the pipeline first (encoders and recorders flush) (see "
	line := "testsrc num-frames=3 ! fakesink"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "-e", line}, "gopline run: usage: unknown shorthand flag: 'e' in -e" + why + "gopline run --help)\n"},
		{[]string{"run", "--eos-on-shutdown", line}, "gopline run: usage: unknown flag: --eos-on-shutdown" + why + "gopline run --help)\n"},
		{[]string{"run", "-ev", line}, "gopline run: usage: unknown flag: -ev" + why + "gopline run --help)\n"},
		{[]string{"serve", "-e", line}, "gopline serve: usage: unknown shorthand flag: 'e' in -e" + why + "gopline serve --help)\n"},
		{[]string{"play", "-e", "c.gopline"}, "gopline play: usage: unknown shorthand flag: 'e' in -e" + why + "gopline play --help)\n"},
		// record's -e is ros2 bag record's --regex; its long form is answered.
		{[]string{"record", "--eos-on-shutdown", "--topic", "/c", "--out", "c.gopline", line}, "gopline record: usage: unknown flag: --eos-on-shutdown" + why + "gopline record --help)\n"},
		{[]string{"run", "-ex", line}, "gopline run: usage: unknown flag: -ex (see gopline run --help)\n"},
		{[]string{"info", "-e", "c.gopline"}, "gopline info: usage: unknown shorthand flag: 'e' in -e (see gopline info --help)\n"},
	} {
		if code, _, stderr := runCmd(c.args...); code != exitUsage || stderr != c.want {
			t.Errorf("gopline %v: exit %d, %q; want %q", c.args, code, stderr, c.want)
		}
	}
}

// Flags may take one dash, as with Go's flag package; a value that begins
// with a dash stays a value.
func TestLongFlagsTakeOneDash(t *testing.T) {
	root := rootCommand(io.Discard, io.Discard)
	got := longFlags(root, []string{"export", "a.gopline", "-stream", "/c", "-out=x.mp4", "--start", "-1s", "-h", "--token", "-x", "--", "-end"})
	want := []string{"export", "a.gopline", "--stream", "/c", "--out=x.mp4", "--start", "-1s", "-h", "--token", "-x", "--", "-end"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	got = longFlags(root, []string{"run", "-verbose", "-v", "--token", "-secret", "-json"})
	want = []string{"run", "--verbose", "-v", "--token", "-secret", "--json"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestVersionFlag(t *testing.T) {
	code, stdout, _ := runCmd("--version")
	if code != 0 || !strings.HasPrefix(stdout, "gopline ") || !strings.Contains(stdout, "libavcodec") {
		t.Errorf("exit %d: %q", code, stdout)
	}
}

func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		code, stdout, stderr := runCmd("completion", shell)
		if code != 0 || !strings.Contains(stdout, "gopline") || len(stdout) < 1000 {
			t.Errorf("completion %s: exit %d, %d bytes, %s", shell, code, len(stdout), stderr)
		}
	}
}

func TestCompletionOfPipelines(t *testing.T) {
	reg, err := elements.Registry()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args       []string
		toComplete string
		has, lacks []string
	}{
		{nil, "h264e", []string{"h264enc"}, []string{"h264dec"}},
		{nil, "'testsrc ! h264e", []string{"'testsrc ! h264enc"}, nil},
		{[]string{"testsrc", "!"}, "h264", []string{"h264enc", "h264dec"}, []string{"gop="}},
		{[]string{"testsrc", "!", "h264enc"}, "go", []string{"gop="}, nil},
		{nil, "testsrc size=160x120 ! h264enc g", []string{"testsrc size=160x120 ! h264enc gop=", "testsrc size=160x120 ! h264enc gate"}, nil},
		{[]string{"testsrc"}, "", []string{"size=", "name=", "h264enc"}, nil},
		{[]string{"testsrc", "!"}, "", []string{"h264enc"}, []string{"size="}},
		{[]string{"testsrc", "is-live=true", "!", "h264enc", "gop=30"}, "preset=very", []string{"preset=veryfast", "preset=veryslow"}, []string{"preset=fast"}},
		{[]string{"testsrc"}, "is-live=", []string{"is-live=true", "is-live=false"}, nil},
		{[]string{"nosuch"}, "x", nil, []string{"x="}},
	} {
		got := pipelineCompletions(reg, c.args, c.toComplete)
		for _, w := range c.has {
			if !slices.Contains(got, w) {
				t.Errorf("%q + %q: %q lacks %q", c.args, c.toComplete, got, w)
			}
		}
		for _, w := range c.lacks {
			if slices.Contains(got, w) {
				t.Errorf("%q + %q: %q has %q", c.args, c.toComplete, got, w)
			}
		}
	}
	// The shell asks gopline itself.
	code, stdout, _ := runCmd("__complete", "run", "testsrc", "!", "h264enc", "go")
	if code != 0 || !strings.Contains(stdout, "gop=\n") || !strings.Contains(stdout, ":6\n") {
		t.Errorf("exit %d: %q; want gop= and no space, no files (:6)", code, stdout)
	}
	code, stdout, _ = runCmd("__complete", "elements", "h264")
	if code != 0 || !strings.Contains(stdout, "h264enc\n") || !strings.Contains(stdout, "h264dec\n") {
		t.Errorf("exit %d: %q", code, stdout)
	}
	// info, play and export take bags too, and several files: they offer
	// both kinds of file, filtered by extension (:8), after a first file too.
	for _, cmd := range []string{"info", "play", "export"} {
		code, stdout, _ = runCmd("__complete", cmd, "robot_0.gopline", "")
		if code != 0 || !strings.Contains(stdout, "gopline\n") || !strings.Contains(stdout, "mcap\n") || !strings.Contains(stdout, ":8\n") {
			t.Errorf("%s: exit %d: %q", cmd, code, stdout)
		}
	}
}

// A pipeline given as several arguments takes each as one word, as
// gst-launch does: a property whose value the shell kept whole, spaces,
// "!" and quotes in it, stays whole; a pipeline in one argument, and a
// value quoted already, are taken as written.
func TestAPipelineOfSeveralArgumentsKeepsEachWhole(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"videosrc", "location=my clip.mp4", "!", "fakesink"}, `videosrc location="my clip.mp4" ! fakesink`},
		{[]string{"videosrc", `location=a!b "c" \d.mp4`, "!", "fakesink"}, `videosrc location="a!b \"c\" \\d.mp4" ! fakesink`},
		{[]string{"videosrc", `location="my clip.mp4"`, "!", "fakesink"}, `videosrc location="my clip.mp4" ! fakesink`},
		{[]string{"testsrc ! h264enc bitrate=1000000", "!", "fakesink"}, "testsrc ! h264enc bitrate=1000000 ! fakesink"},
		{[]string{" videosrc location=a b.mp4 ! fakesink "}, "videosrc location=a b.mp4 ! fakesink"},
	} {
		if got := pipelineLine(c.args); got != c.want {
			t.Errorf("%q: %s, want %s", c.args, got, c.want)
		}
	}

	dir := filepath.Join(t.TempDir(), "snap shots")
	if code, _, stderr := runCmd("run", "-q", "--no-mdns", "testsrc", "size=64x48", "num-frames=2", "!", "snapshot", "dir="+dir, "every=1"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 2 {
		t.Errorf("%s: %v, %v; want the two pictures", dir, entries, err)
	}
}

// Values a command cannot take are usage errors (exit 2) that say what it
// takes, whichever layer would refuse them: help of an unknown command, a
// player's speed out of its range, a rate measured over fewer than two
// packets (ros2 topic hz's -w taken too).
func TestValuesOutOfRangeAreUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"help", "recrod"}, `gopline help: unknown command "recrod" (did you mean record?)`},
		{[]string{"play", "x.gopline", "--rate", "1e6"}, "--rate 1e+06: a speed factor from 0.01 to 1000"},
		// --duration: were the window taken, the watch would end, not hang.
		{[]string{"topic", "hz", "/camera", "--no-mdns", "--duration", "1s", "--window", "1"}, "--window 1: a rate is measured over at least 2 packets"},
		{[]string{"topic", "bw", "/camera", "--no-mdns", "--duration", "1s", "-w", "0"}, "--window 0: a rate is measured over at least 2 packets"},
	} {
		if code, _, stderr := runCmd(c.args...); code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d: %s", strings.Join(c.args, " "), code, stderr)
		}
	}
}

// A line that does not parse is said before the node starts: serve and
// record do not listen, announce themselves or print the viewer's URL for
// a run that cannot begin.
func TestALineThatDoesNotParseIsSaidBeforeTheNodeStarts(t *testing.T) {
	const line = "testsrc width=320 ! h264enc ! publish topic=/c"
	for _, args := range [][]string{
		{"serve", "--no-mdns", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", line},
		{"record", "--no-mdns", "--listen", "127.0.0.1:0", "--topic", "/c", "-o", filepath.Join(t.TempDir(), "c.gopline"), line},
	} {
		code, _, stderr := runCmd(args...)
		if code != exitUsage || !strings.Contains(stderr, `testsrc has no property "width"`) ||
			strings.Contains(stderr, "viewer:") || strings.Contains(stderr, "listening") || strings.Contains(stderr, "announced") {
			t.Errorf("%s: exit %d, %q; want exit 2 naming the property, and nothing started", args[0], code, stderr)
		}
	}
}

// gst-launch's -v comes before its pipeline: gopline -v run LINE gets the
// command line with the command first (cobra took -v for --version, then
// the line for a command's name, and exited 1).
func TestFlagsBeforeTheCommandAreAUsageError(t *testing.T) {
	code, _, stderr := runCmd("-v", "run", "testsrc num-frames=3 ! fakesink")
	want := "gopline: usage: flags go after the command: gopline run -v 'testsrc num-frames=3 ! fakesink' (see gopline run --help)\n"
	if code != exitUsage || stderr != want {
		t.Errorf("gopline -v run LINE: exit %d, %q; want exit 2 and %q", code, stderr, want)
	}
	if code, stdout, _ := runCmd("-v"); code != 0 || !strings.HasPrefix(stdout, "gopline ") {
		t.Errorf("gopline -v: exit %d, %q; want the version", code, stdout)
	}
}
