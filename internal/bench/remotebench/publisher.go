package remotebench

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// Publisher is the publishing node's process, as the measuring process
// sees it: a child that prints the addresses it listens on as its first
// line (Addrs) and runs Serve until its stdin ends.
type Publisher struct {
	cmd    *exec.Cmd
	stdin  io.Closer
	exited chan error
}

// Addrs are the addresses of the publishing process: its node's and its
// anchor's (protoactor remote alone, StartAnchor).
type Addrs struct{ Node, Anchor string }

// String is Addrs as the publishing process prints them: the node's
// address, a space, the anchor's.
func (a Addrs) String() string { return a.Node + " " + a.Anchor }

// parseAddrs reads what Addrs.String wrote.
func parseAddrs(line string) (Addrs, error) {
	node, anchor, ok := strings.Cut(strings.TrimSpace(line), " ")
	if !ok || node == "" || anchor == "" {
		return Addrs{}, fmt.Errorf("remotebench: the publishing process printed %q, want two addresses", line)
	}
	return Addrs{Node: node, Anchor: anchor}, nil
}

// StartPublisher starts cmd, which must not have its Stdin or Stdout set
// yet, and returns it with the addresses it prints first. cmd.Stderr is
// left to the caller.
func StartPublisher(cmd *exec.Cmd) (*Publisher, Addrs, error) {
	out := &firstLine{line: make(chan string, 1)}
	cmd.Stdout = out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, Addrs{}, err
	}
	if err := cmd.Start(); err != nil {
		return nil, Addrs{}, fmt.Errorf("remotebench: starting the publishing process: %w", err)
	}
	p := &Publisher{cmd: cmd, stdin: stdin, exited: make(chan error, 1)}
	go func() { p.exited <- cmd.Wait() }() // ends with the process; Stop makes sure it does
	select {
	case line := <-out.line:
		addrs, err := parseAddrs(line)
		if err != nil {
			return nil, Addrs{}, errors.Join(err, p.Stop())
		}
		return p, addrs, nil
	case err := <-p.exited:
		p.exited <- err
		return nil, Addrs{}, fmt.Errorf("remotebench: the publishing process ended before it listened: %v", err)
	case <-time.After(FirstPacketTimeout):
		return nil, Addrs{}, errors.Join(errors.New("remotebench: the publishing process did not listen in time"), p.Stop())
	}
}

// Stop ends the process: its stdin closes, and it stops publishing and
// exits. One that does not within a few seconds is killed. Stop returns
// how the process ended.
func (p *Publisher) Stop() error {
	p.stdin.Close()
	select {
	case err := <-p.exited:
		p.exited <- err
		if err != nil {
			return fmt.Errorf("remotebench: the publishing process: %w", err)
		}
		return nil
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		p.exited <- <-p.exited
		return errors.New("remotebench: the publishing process did not stop; killed")
	}
}

// firstLine is a child's stdout: it hands over the first line and drops
// the rest. exec writes to it from one goroutine.
type firstLine struct {
	buf  []byte
	line chan string
	sent bool
}

func (w *firstLine) Write(b []byte) (int, error) {
	if !w.sent {
		w.buf = append(w.buf, b...)
		if i := bytes.IndexByte(w.buf, '\n'); i >= 0 {
			w.line <- strings.TrimSpace(string(w.buf[:i]))
			w.sent, w.buf = true, nil
		}
	}
	return len(b), nil
}
