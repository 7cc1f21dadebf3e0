package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testclip"
)

// readmeCommand finds a gopline command in a line of README.md's code: a
// line that starts with one, or one inside <(...).
var readmeCommand = regexp.MustCompile(`^(?:source <\()?(gopline [^#)]*)`)

// readmeCommands are the gopline commands of README.md's code blocks, in
// order, without their comments.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	text, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	inCode := false
	for _, line := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
			continue
		}
		if m := readmeCommand.FindStringSubmatch(line); inCode && m != nil {
			cmds = append(cmds, strings.TrimSpace(m[1]))
		}
	}
	return cmds
}

// shellWords splits a command line as sh does for the README's commands:
// words separated by spaces, single quotes keeping theirs.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	quoted, inWord := false, false
	for _, r := range line {
		switch {
		case r == '\'':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
			}
			inWord = false
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// Commands that run until Ctrl-C, as the README means them to.
var untilInterrupt = []string{"gopline serve ", "gopline run 'subscribe ", "gopline run --state "}

// Benchmarks that take half a minute and more as written (bench viewer:
// 90 browser joins, two minutes and more on a busy machine); their own
// tests run them with smaller settings.
// readmeCommandBound is how long one README command may take before the
// test calls it hung: gopline bench codecs takes 5 s alone and 30 s under
// the race detector, and several times that beside the rest of the suite
// on a loaded machine.
const readmeCommandBound = 5 * time.Minute

var longBenchmarks = []string{"gopline bench latejoin", "gopline bench remote", "gopline bench viewer"}

// readmeAddrs are the addresses README.md serves on: the default of
// serve's --listen and its --http. The test serves on free ports in their
// place, so that another process holding them fails nothing.
var readmeAddrs = []string{"127.0.0.1:7400", "127.0.0.1:8080"}

// TestReadmeCommandsWork runs every gopline command of README.md as
// written, each as its own process: 0 for each, and 0 after Ctrl-C for
// those that serve. The commands run in chains (readmeChains), side by
// side, each chain in order in a directory of its own with the clip it
// names and a host directory of its own for its nodes: a command runs
// after the one whose recording or node it uses, as a user runs them.
// Each serve runs until the next of its chain starts, or its chain ends,
// as a user stops one with Ctrl-C to run the next; the README's addresses
// become free ports as the commands run, and the nodes found on the host
// are the chain's own.
func TestReadmeCommandsWork(t *testing.T) {
	if testing.Short() {
		t.Skip("a minute of commands")
	}
	t.Parallel()
	cmds := readmeCommands(t)
	if len(cmds) < 15 {
		t.Fatalf("found %d commands in README.md: %q", len(cmds), cmds)
	}
	addrs := readmePorts(t, strings.Join(cmds, "\n"))
	var lines []string
	for _, readme := range cmds {
		if !hasPrefix(readme, longBenchmarks) {
			lines = append(lines, readme)
		}
	}
	if !slices.ContainsFunc(lines, isServe) {
		t.Fatal("README.md serves nothing")
	}
	clip := testclip.Make(t, "clip.mp4", 150, 30, "-c:v", "libx264", "-g", "30", "-pix_fmt", "yuv420p")
	for _, chain := range readmeChains(lines) {
		t.Run(chain[0], func(t *testing.T) {
			t.Parallel()
			sh := readmeShell{dir: t.TempDir(), runtime: t.TempDir()}
			if err := os.Link(clip, filepath.Join(sh.dir, "clip.mp4")); err != nil {
				t.Fatal(err)
			}
			var serving *exec.Cmd
			var servingOut *bytes.Buffer
			for _, readme := range chain {
				line := addrs.Replace(readme)
				if isServe(line) {
					stopServing(t, serving, servingOut)
					serving, servingOut = sh.start(t, serveListening(line, addrs))
					time.Sleep(2 * time.Second) // it listens, its camera publishes
					continue
				}
				cmd, out := sh.start(t, line)
				if hasPrefix(line, untilInterrupt) {
					// 3 s of running from its start: on a loaded machine
					// loading its libraries alone can take seconds.
					catching(cmd.Process.Pid, syscall.SIGINT, readmeCommandBound)
					time.Sleep(3 * time.Second)
					cmd.Process.Signal(syscall.SIGINT)
				}
				if err := waitReadmeCommand(cmd, readmeCommandBound); err != nil {
					t.Errorf("%s: %v\n%s", readme, err, out)
				}
			}
			stopServing(t, serving, servingOut)
		})
	}
}

func isServe(line string) bool { return strings.HasPrefix(line, "gopline serve ") }

// readmeChains splits the README's commands into chains that may run side
// by side. A command joins the chain of the last command before it that
// it uses, and starts a chain of its own when it uses none: it uses a
// record's when it names a file of the record's --out (cam.gopline for
// --out cam.gopline, robot_0.gopline for -o robot.gopline), and the last
// serve's when it asks a node (topics, topic) or its pipeline starts by
// subscribing; a serve follows the serve before it, which it replaces.
// A command that used an earlier one's output without being told so here
// fails in a directory that lacks it, rather than passing by luck.
func readmeChains(lines []string) [][]string {
	var chains [][]string
	chainOf := map[string]int{} // a record's output stem, or "serve": its chain
	for _, line := range lines {
		words := shellWords(line)
		chain := -1
		for _, w := range words[1:] {
			for stem, c := range chainOf {
				if stem != "serve" && (strings.HasPrefix(w, stem+".") || strings.HasPrefix(w, stem+"_")) {
					chain = max(chain, c)
				}
			}
		}
		asksNode := len(words) > 1 && (words[1] == "topics" || words[1] == "topic" || words[1] == "serve") ||
			strings.HasPrefix(words[len(words)-1], "subscribe ")
		if c, ok := chainOf["serve"]; ok && asksNode {
			chain = max(chain, c)
		}
		if chain < 0 {
			chain = len(chains)
			chains = append(chains, nil)
		}
		chains[chain] = append(chains[chain], line)
		if isServe(line) {
			chainOf["serve"] = chain
		}
		if len(words) > 1 && words[1] == "record" {
			for i, w := range words[:len(words)-1] {
				if w == "--out" || w == "-o" {
					chainOf[strings.TrimSuffix(words[i+1], filepath.Ext(words[i+1]))] = chain
				}
			}
		}
	}
	return chains
}

// readmePorts is a replacer of readmeAddrs, each of which cmds must name,
// by free ports of loopback.
func readmePorts(t *testing.T, cmds string) *strings.Replacer {
	t.Helper()
	var pairs []string
	for _, addr := range readmeAddrs {
		if !strings.Contains(cmds, addr) {
			t.Fatalf("README.md names %s no more: change readmeAddrs", addr)
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close() // held until all are chosen, so that each differs
		pairs = append(pairs, addr, l.Addr().String())
	}
	return strings.NewReplacer(pairs...)
}

// serveListening is a serve line with serve's default --listen, replaced,
// when it names none.
func serveListening(line string, addrs *strings.Replacer) string {
	if strings.Contains(line, "--listen") {
		return line
	}
	return "gopline serve --listen " + addrs.Replace(readmeAddrs[0]) + strings.TrimPrefix(line, "gopline serve")
}

// stopServing interrupts cmd, if any, which must exit 0.
func stopServing(t *testing.T, cmd *exec.Cmd, out *bytes.Buffer) {
	t.Helper()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGINT)
	if err := waitReadmeCommand(cmd, time.Minute); err != nil {
		t.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// readmeShell is where a chain of README commands runs: its working
// directory, and its XDG_RUNTIME_DIR, where its nodes announce themselves.
type readmeShell struct{ dir, runtime string }

// start starts line as a gopline process (this test binary, see TestMain)
// in the shell.
func (sh readmeShell) start(t *testing.T, line string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	words := shellWords(line)
	cmd := exec.Command(os.Args[0], words[1:]...)
	cmd.Dir = sh.dir
	cmd.Env = append(os.Environ(), "GOPLINE_TEST_MAIN=1", "XDG_RUNTIME_DIR="+sh.runtime)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A test that ends early leaves no process serving behind it.
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, &out
}

// catching waits, at most timeout, until process pid catches sig: a Go
// program does from the start of its runtime, once its shared libraries
// are loaded. Until then the signal would end it.
func catching(pid int, sig syscall.Signal, timeout time.Duration) {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return // gone
		}
		for _, l := range strings.Split(string(status), "\n") {
			if mask, ok := strings.CutPrefix(l, "SigCgt:"); ok {
				if m, err := strconv.ParseUint(strings.TrimSpace(mask), 16, 64); err == nil && m&(1<<(sig-1)) != 0 {
					return
				}
			}
		}
	}
}

// waitGopline waits for cmd, at most timeout, and kills it then.
func waitReadmeCommand(cmd *exec.Cmd, timeout time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		cmd.Process.Kill()
		return <-done
	}
}

func TestShellWords(t *testing.T) {
	got := shellWords(`gopline run --duration 5s 'testsrc ! publish topic=/cam  subscribe topic=/cam ! fakesink'`)
	want := []string{"gopline", "run", "--duration", "5s", "testsrc ! publish topic=/cam  subscribe topic=/cam ! fakesink"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q", got)
	}
}

// A command that uses a recording or a node runs after the command that
// made it, in its chain; the others run in chains of their own.
func TestReadmeChainsKeepEachCommandAfterWhatItUses(t *testing.T) {
	got := readmeChains([]string{
		"gopline demo",
		"gopline record --topic /camera --out cam.gopline --duration 10s 'testsrc ! h264enc ! publish topic=/camera'",
		"gopline record --topic /camera -o robot.gopline -d 2 --duration 5s 'testsrc ! h264enc ! publish topic=/camera'",
		"gopline info cam.gopline",
		"gopline serve --listen 127.0.0.1:7400 'testsrc ! h264enc ! publish topic=/camera'",
		"gopline export cam.gopline --stream /camera --out cam.mp4",
		"gopline info robot_0.gopline robot_1.gopline",
		"gopline topics",
		"gopline topic info /camera",
		"gopline run --duration 5s 'subscribe topic=/camera ! gate ! h264dec ! stats'",
		"gopline run 'testsrc num-frames=300 ! h264enc gop=30 ! publish topic=/camera  subscribe topic=/camera ! fakesink'",
		"gopline serve --listen 127.0.0.1:7401 'testsrc ! h264enc ! publish topic=/camera'",
		"gopline run 'subscribe topic=/camera remote=127.0.0.1:7401 ! fakesink'",
		"gopline elements",
	})
	want := [][]string{
		{"gopline demo"},
		{"gopline record --topic /camera --out cam.gopline --duration 10s 'testsrc ! h264enc ! publish topic=/camera'",
			"gopline info cam.gopline",
			"gopline export cam.gopline --stream /camera --out cam.mp4"},
		{"gopline record --topic /camera -o robot.gopline -d 2 --duration 5s 'testsrc ! h264enc ! publish topic=/camera'",
			"gopline info robot_0.gopline robot_1.gopline"},
		{"gopline serve --listen 127.0.0.1:7400 'testsrc ! h264enc ! publish topic=/camera'",
			"gopline topics",
			"gopline topic info /camera",
			"gopline run --duration 5s 'subscribe topic=/camera ! gate ! h264dec ! stats'",
			"gopline serve --listen 127.0.0.1:7401 'testsrc ! h264enc ! publish topic=/camera'",
			"gopline run 'subscribe topic=/camera remote=127.0.0.1:7401 ! fakesink'"},
		{"gopline run 'testsrc num-frames=300 ! h264enc gop=30 ! publish topic=/camera  subscribe topic=/camera ! fakesink'"},
		{"gopline elements"},
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("chains:\n%q\nwant:\n%q", got, want)
	}
}
