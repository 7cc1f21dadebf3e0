package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gopline/gopline/storage"
)

// cutBeforeFirstWrite says where a file that holds no packet comes from:
// a recorder killed after it began a file (a split recording's next one)
// and before it committed a packet there.
const cutBeforeFirstWrite = "a recording cut before its first write"

// errHoldsNothing is the error of files given that all hold no packet.
var errHoldsNothing = errors.New("none of them holds a packet (" + cutBeforeFirstWrite + "): there is nothing in them to read")

// leaveOutEmpty returns files without those that hold no packet
// (storage.HoldsNoPacket), warning of each on warn: such a file has nothing to
// lose, and a set of split files that ends in one (the recorder was
// killed as it began it) stays readable. A file given alone that holds
// no packet, or a set of only such files, is an error saying so.
func leaveOutEmpty(files []string, warn io.Writer) ([]string, error) {
	if len(files) == 1 {
		// A file of no bytes is left to the open, which says it is empty:
		// nothing was ever recorded in it.
		if st, err := os.Stat(files[0]); err == nil && st.Size() > 0 && storage.HoldsNoPacket(files[0]) {
			return nil, fmt.Errorf("%s holds no packet (%s): there is nothing in it to read", files[0], cutBeforeFirstWrite)
		}
		return files, nil
	}
	kept := dropEmpty(files, warn)
	if len(kept) == 0 {
		return nil, fmt.Errorf("%s: %w", strings.Join(files, ", "), errHoldsNothing)
	}
	return kept, nil
}

// dropEmpty returns files without those that hold no packet, warning of
// each on warn.
func dropEmpty(files []string, warn io.Writer) []string {
	var kept []string
	for _, f := range files {
		if storage.HoldsNoPacket(f) {
			fmt.Fprintf(warn, "warning: %s left out: holds no packet (%s)\n", f, cutBeforeFirstWrite)
			continue
		}
		kept = append(kept, f)
	}
	return kept
}
