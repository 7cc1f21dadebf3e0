package main

import (
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
// (elements.FirstSplitIndex), or, for a recording not split, the files of
// its set it goes on in (elements.FormatChangeFiles), to name the files
// it wrote at the end.
func (f *recordFlags) startSplit() error {
	var err error
	if f.splits() {
		f.firstSplit, err = elements.FirstSplitIndex(f.out)
	} else {
		f.changeFiles, err = elements.FindFormatChangeFiles(f.out)
	}
	if err != nil {
		return fmt.Errorf("cannot record to %s: %w", f.out, err)
	}
	return nil
}

// describeOut names where the recording goes: a recording not split goes
// on where the set of OUT's files ends.
func (f *recordFlags) describeOut() string {
	if !f.splits() {
		out := f.out
		if f.changeFiles.Last > 0 {
			out = fmt.Sprintf("%s (the last file of %s's recording)", f.outFile(0), f.out)
		}
		if f.held != "" {
			// A recording is appended to, as --out says; said, with what
			// it holds, since a ros2 bag's output directory is refused
			// instead. checkOut opened it already, so it is one the
			// recorder can use.
			out += ", appending to what it holds, " + f.held + " (another --out starts a new recording)"
		}
		return out + f.defaultedNote()
	}
	var at []string
	if f.maxBagSize > 0 {
		at = append(at, "every "+bytesize.Format(f.maxBagSize)+" of payload")
	}
	if f.maxBagDuration > 0 {
		at = append(at, "every "+f.maxBagDuration.String())
	}
	return fmt.Sprintf("%s, %s, ... (split at the next keyframe %s)%s",
		elements.SplitPath(f.out, f.firstSplit), elements.SplitPath(f.out, f.firstSplit+1), strings.Join(at, " or "), f.defaultedNote())
}

// defaultedNote says, when --out was not given, how the recording was
// named.
func (f *recordFlags) defaultedNote() string {
	if !f.outDefaulted {
		return ""
	}
	return " (no --out: named after the time it began, as ros2 bag record names its bag)"
}

// recordedFiles are the files the recording wrote: OUT (or the last file
// of its set), or the split files from the first of this run on, those a
// full disk deleted (--overwrite-oldest) and names another run took
// left out; after it, the files that the recording went on in when a
// stream's format changed (outFile).
func (f *recordFlags) recordedFiles() []string {
	var out []string
	if f.splits() {
		numbers, _ := elements.SplitFiles(f.out)
		for _, n := range numbers {
			if n >= f.firstSplit {
				out = append(out, elements.SplitPath(f.out, n))
			}
		}
		return out
	}
	for i := 0; ; i++ {
		if _, err := os.Stat(f.outFile(i)); err != nil {
			return out
		}
		out = append(out, f.outFile(i))
	}
}

// outFile is the path of the recording's file i of this run.
func (f *recordFlags) outFile(i int) string {
	if f.splits() {
		return elements.SplitPath(f.out, f.firstSplit+i)
	}
	return f.changeFiles.File(i)
}

// printRecorded describes the files the recording wrote, as gopline info
// of them does: one file, or the files of a split recording as one.
func (f *recordFlags) printRecorded(w io.Writer) error {
	files := f.recordedFiles()
	switch len(files) {
	case 0:
		return fmt.Errorf("%s: no file was recorded", f.outFile(0))
	case 1:
		return printInfo(w, files[0])
	}
	return infoAll(w, io.Discard, []infoUnit{{name: files[0], files: files}}, false, false)
}
