package netnstest

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testlog"
)

// Child is the test binary running one end of a test in a namespace, its
// lines read as they come: the test named runs again there, and tells
// itself apart by the environment it is given.
type Child struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	said   strings.Builder
	stderr testlog.Buffer // written by exec's goroutine as the child runs
}

// ChildCommand is the test binary running test name (verbose, so that
// its lines and PASS are seen) in namespace ns, with env added.
func ChildCommand(ns, name string, env ...string) *exec.Cmd {
	cmd := Command(ns, os.Args[0], "-test.run=^"+name+"$", "-test.v")
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// StartChild starts test name in namespace ns with env added; it is
// killed at the test's end if it has not ended.
func StartChild(t *testing.T, ns, name string, env ...string) *Child {
	t.Helper()
	c := &Child{t: t, cmd: ChildCommand(ns, name, env...), lines: make(chan string, 100)}
	c.stdin, _ = c.cmd.StdinPipe()
	out, _ := c.cmd.StdoutPipe()
	c.cmd.Stderr = &c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		close(done) // the reader of lines no one takes any more ends
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait()
	})
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case c.lines <- sc.Text():
			case <-done:
				return
			}
		}
	}()
	return c
}

// WaitFor waits up to 30 s for the child to say want on a line of its own.
func (c *Child) WaitFor(want string) {
	c.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				c.t.Fatalf("the child in its namespace ended before %q: %s%s", want, c.said.String(), c.stderr.String())
			}
			c.said.WriteString(line + "\n")
			if line == want {
				return
			}
		case <-deadline:
			c.t.Fatalf("the child in its namespace did not say %q in 30s: %s%s", want, c.said.String(), c.stderr.String())
		}
	}
}

// Finish closes the child's stdin, its sign to go on, and waits for it
// to pass.
func (c *Child) Finish() {
	c.t.Helper()
	c.stdin.Close()
	c.WaitFor("PASS")
	for range c.lines {
	}
	if err := c.cmd.Wait(); err != nil {
		c.t.Fatalf("the child in its namespace: %v: %s%s", err, c.said.String(), c.stderr.String())
	}
}

// AwaitParent is the child's side of Finish: it returns once the parent
// closed its stdin.
func AwaitParent() {
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
}
