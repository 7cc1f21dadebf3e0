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
// sees it: a child that prints the address it listens on as its first line
// and runs Serve until its stdin ends.
type Publisher struct {
	cmd    *exec.Cmd
	stdin  io.Closer
	exited chan error
}

// StartPublisher starts cmd, which must not have its Stdin or Stdout set
// yet, and returns it with the address it prints first. cmd.Stderr is
// left to the caller.
func StartPublisher(cmd *exec.Cmd) (*Publisher, string, error) {
	out := &firstLine{line: make(chan string, 1)}
	cmd.Stdout = out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("remotebench: starting the publishing process: %w", err)
	}
	p := &Publisher{cmd: cmd, stdin: stdin, exited: make(chan error, 1)}
	go func() { p.exited <- cmd.Wait() }() // ends with the process; Stop makes sure it does
	select {
	case addr := <-out.line:
		return p, addr, nil
	case err := <-p.exited:
		p.exited <- err
		return nil, "", fmt.Errorf("remotebench: the publishing process ended before it listened: %v", err)
	case <-time.After(FirstPacketTimeout):
		return nil, "", errors.Join(errors.New("remotebench: the publishing process did not listen in time"), p.Stop())
	}
}

// publisherStopWait bounds the publishing process's exit: it stops its
// node and writes its CPU profile, a second alone and several times that
// under the race detector on a loaded machine.
const publisherStopWait = 15 * time.Second

// Stop ends the process: its stdin closes, and it stops publishing and
// exits. One that does not within publisherStopWait is killed. Stop
// returns how the process ended.
func (p *Publisher) Stop() error {
	p.stdin.Close()
	select {
	case err := <-p.exited:
		p.exited <- err
		if err != nil {
			return fmt.Errorf("remotebench: the publishing process: %w", err)
		}
		return nil
	case <-time.After(publisherStopWait):
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
