package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/pipeline/syntax"
	"github.com/gopline/gopline/storage"
)

// maxCaretLine is the longest line parseLine shows with a caret under a
// mistake; a longer one (pasted, or generated) is not echoed back.
const maxCaretLine = 1000

// parseLine builds a pipeline from the one-line syntax, printing a caret
// under a mistake.
func parseLine(n *gopline.Node, line string, stderr io.Writer) (*pipeline.Pipeline, error) {
	reg, err := elements.Registry()
	if err != nil {
		return nil, err
	}
	p, err := n.Parse(line, reg)
	if err == nil {
		err = p.Check() // a node nothing feeds, an output nothing takes
	}
	return p, lineError(line, err, stderr)
}

// checkLine parses line alone, before the node starts: a line that does
// not parse is said, as parseLine says it, before the node listens,
// announces itself or prints its viewer's URL.
func checkLine(line string, stderr io.Writer) error {
	if line == "" {
		return nil
	}
	reg, err := elements.Registry()
	if err != nil {
		return err
	}
	p, err := pipeline.Parse(line, reg)
	if err == nil {
		err = p.Check()
	}
	return lineError(line, err, stderr)
}

// lineError is err, the parse or check of line, as the command says it: a
// usage error with a caret under the column (printed to stderr), or the
// error of the line's file when the line is right and its file is not.
func lineError(line string, err error, stderr io.Writer) error {
	var serr *syntax.Error
	if errors.As(err, &serr) && serr.Err != nil && fileError(serr.Err) {
		return serr.Err // the line is right; its file is missing or damaged
	}
	if errors.As(err, &serr) {
		if len(line) <= maxCaretLine {
			fmt.Fprintln(stderr, serr.Caret())
			return fmt.Errorf("%w: %s", errUsage, serr.Msg)
		}
		return fmt.Errorf("%w: %s at column %d", errUsage, serr.Msg, serr.Column())
	}
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// fileError reports whether err is about a file rather than a command
// line: the file is missing, unreadable, or not a recording gopline reads.
func fileError(err error) bool {
	var perr *fs.PathError
	return errors.As(err, &perr) || errors.Is(err, storage.ErrNotRecording) || errors.Is(err, storage.ErrCorruptFile) ||
		errors.Is(err, storage.ErrCorruptRecord) || errors.Is(err, storage.ErrNewerVersion) ||
		errors.Is(err, storage.ErrOlderVersion) || errors.Is(err, storage.ErrLocked)
}
