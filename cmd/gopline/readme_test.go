package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
// written, in a directory of its own with the clip it names, each as its
// own process: 0 for each, and 0 after Ctrl-C for those that serve. Each
// serve runs until the next starts, as a user stops one with Ctrl-C to run
// the next; the README's addresses become free ports as the commands run,
// and the nodes found on the host are the test's own.
func TestReadmeCommandsWork(t *testing.T) {
	if testing.Short() {
		t.Skip("a minute of commands")
	}
	cmds := readmeCommands(t)
	if len(cmds) < 15 {
		t.Fatalf("found %d commands in README.md: %q", len(cmds), cmds)
	}
	addrs := readmePorts(t, strings.Join(cmds, "\n"))
	dir := t.TempDir()
	clip := testclip.Make(t, "clip.mp4", 150, 30, "-c:v", "libx264", "-g", "30", "-pix_fmt", "yuv420p")
	if err := os.Rename(clip, filepath.Join(dir, "clip.mp4")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	var serving *exec.Cmd
	var servingOut *bytes.Buffer
	for _, readme := range cmds {
		line := addrs.Replace(readme)
		switch {
		case hasPrefix(line, longBenchmarks):
			continue
		case strings.HasPrefix(line, "gopline serve "):
			stopServing(t, serving, servingOut)
			serving, servingOut = startReadmeCommand(t, dir, serveListening(line, addrs))
			time.Sleep(2 * time.Second) // it listens, its camera publishes
			continue
		}
		cmd, out := startReadmeCommand(t, dir, line)
		if hasPrefix(line, untilInterrupt) {
			time.Sleep(3 * time.Second)
			cmd.Process.Signal(syscall.SIGINT)
		}
		if err := waitReadmeCommand(cmd, readmeCommandBound); err != nil {
			t.Errorf("%s: %v\n%s", readme, err, out)
		}
	}
	if serving == nil {
		t.Fatal("README.md serves nothing")
	}
	stopServing(t, serving, servingOut)
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

// startGopline starts line as a gopline process (this test binary, see
// TestMain) in dir.
func startReadmeCommand(t *testing.T, dir, line string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	words := shellWords(line)
	cmd := exec.Command(os.Args[0], words[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPLINE_TEST_MAIN=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A test that ends early leaves no process serving behind it.
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, &out
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
