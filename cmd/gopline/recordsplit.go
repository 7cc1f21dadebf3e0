package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gopline/gopline/internal/bytesize"

	"github.com/gopline/gopline/elements"
)

// splits reports whether the recording is split into files (-b, -d).
func (f *recordFlags) splits() bool { return f.maxBagSize > 0 || f.maxBagDuration > 0 }

// startSplit notes the number of the first file a split recording writes
// (elements.FirstSplitIndex), to name the files it wrote at the end.
func (f *recordFlags) startSplit() error {
	if !f.splits() {
		return nil
	}
	first, err := elements.FirstSplitIndex(f.out)
	f.firstSplit = first
	return err
}

// describeOut names where the recording goes.
func (f *recordFlags) describeOut() string {
	if !f.splits() {
		return f.out
	}
	var at []string
	if f.maxBagSize > 0 {
		at = append(at, "every "+bytesize.Format(f.maxBagSize)+" of payload")
	}
	if f.maxBagDuration > 0 {
		at = append(at, "every "+f.maxBagDuration.String())
	}
	return fmt.Sprintf("%s, %s, ... (split at the next keyframe %s)",
		elements.SplitPath(f.out, f.firstSplit), elements.SplitPath(f.out, f.firstSplit+1), strings.Join(at, " or "))
}

// recordedFiles are the files the recording wrote: OUT, or the split
// files from the first of this run on.
func (f *recordFlags) recordedFiles() []string {
	if !f.splits() {
		return []string{f.out}
	}
	var out []string
	for i := f.firstSplit; ; i++ {
		path := elements.SplitPath(f.out, i)
		if _, err := os.Stat(path); err != nil {
			return out
		}
		out = append(out, path)
	}
}

// printRecorded describes each file the recording wrote, as gopline info
// does.
func (f *recordFlags) printRecorded(w io.Writer) error {
	files := f.recordedFiles()
	if len(files) == 0 {
		return fmt.Errorf("%s: no file was recorded", elements.SplitPath(f.out, f.firstSplit))
	}
	var errs []error
	for i, path := range files {
		if i > 0 {
			fmt.Fprintln(w)
		}
		errs = append(errs, printInfo(w, path))
	}
	return errors.Join(errs...)
}
