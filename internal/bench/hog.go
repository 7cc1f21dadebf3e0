package bench

import (
	"errors"
	"fmt"
	"os/exec"
)

// Hog is a busy loop in a process of its own, which keeps one core busy
// beside a benchmark: what a robot's other work does to it. It is a shell
// loop rather than a goroutine, so that it takes a core from the machine
// and not a processor from the Go scheduler of the process measured.
type Hog struct {
	cmd *exec.Cmd
}

// StartHog starts the busy loop. Stop it when done.
func StartHog() (*Hog, error) {
	cmd := exec.Command("sh", "-c", "while :; do :; done")
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: starting the busy loop: %w", err)
	}
	return &Hog{cmd: cmd}, nil
}

// Stop ends the busy loop and waits for its process.
func (h *Hog) Stop() error {
	if err := h.cmd.Process.Kill(); err != nil {
		return fmt.Errorf("bench: stopping the busy loop: %w", err)
	}
	var exit *exec.ExitError
	if err := h.cmd.Wait(); err != nil && !errors.As(err, &exit) {
		return err
	}
	return nil
}
