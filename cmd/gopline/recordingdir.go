package main

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gopline/gopline/storage"
)

// recordingGroup is one recording among the files of a directory: STEM.EXT
// and its split files STEM_N.EXT, in the order of their numbers.
type recordingGroup struct {
	// Name is the recording's stem and extension in its directory
	// (runs/cam.gopline), whether or not a file of that name is there.
	Name  string
	Files []string
}

// groupRecordings groups files by the recording each is a file of: one
// directory, stem and extension (splitNumber). The groups come in the
// order of their names, the files of each in the order of their numbers.
func groupRecordings(files []string) []recordingGroup {
	byName := map[string]*recordingGroup{}
	numbers := map[string]int{}
	var names []string
	for _, f := range files {
		ext := filepath.Ext(f)
		stem, n, _ := splitNumber(strings.TrimSuffix(f, ext))
		name := stem + ext
		if byName[name] == nil {
			byName[name] = &recordingGroup{Name: name}
			names = append(names, name)
		}
		byName[name].Files = append(byName[name].Files, f)
		numbers[f] = n
	}
	slices.Sort(names)
	groups := make([]recordingGroup, len(names))
	for i, name := range names {
		g := *byName[name]
		slices.SortStableFunc(g.Files, func(a, b string) int { return cmp.Compare(numbers[a], numbers[b]) })
		groups[i] = g
	}
	return groups
}

// scanDir returns what dir holds: its recordings' paths (.gopline and
// .db files), the names of a ROS 2 bag's files (metadata.yaml first, its
// .mcap and .db3 files, perhaps compressed) and of ROS 1 bags.
func scanDir(dir string) (files, bag, ros1 []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, e := range entries {
		_, ext := storage.SplitBagName(e.Name())
		ext = strings.TrimPrefix(ext, ".")
		if !e.IsDir() && slices.Contains(recordingExtensions, ext) {
			files = append(files, filepath.Join(dir, e.Name()))
		}
		switch {
		case e.Name() == "metadata.yaml":
			bag = append([]string{e.Name()}, bag...)
		case ext == "mcap" || ext == "db3":
			bag = append(bag, e.Name())
		case ext == "bag":
			ros1 = append(ros1, e.Name())
		}
	}
	return files, bag, ros1, nil
}

// recordingsIn are the recordings in dir: its .gopline and .db files,
// grouped by recording (groupRecordings).
func recordingsIn(dir string) ([]recordingGroup, error) {
	files, bag, ros1, err := scanDir(dir)
	if err != nil {
		return nil, err
	}
	name := filepath.Base(filepath.Clean(dir))
	switch {
	case len(files) == 0 && len(bag) > 0:
		return nil, fmt.Errorf("%s is a ROS 2 bag (%s), not a recording: gopline import %s --out %s.gopline makes one of its pictures",
			dir, strings.Join(bag[:min(len(bag), 2)], ", "), dir, name)
	case len(files) == 0 && len(ros1) > 0:
		return nil, fmt.Errorf("%s holds ROS 1 bags (%s), not a recording: gopline import %s --out %s.gopline makes one of their pictures, "+
			"the files of a split bag as one", dir, strings.Join(ros1[:min(len(ros1), 2)], ", "), dir, name)
	case len(files) == 0:
		return nil, fmt.Errorf("%s holds no recording (a .gopline or .db file)", dir)
	}
	return groupRecordings(files), nil
}

// groupNames are the names of groups, comma-separated.
func groupNames(groups []recordingGroup) string {
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.Name
	}
	return strings.Join(names, ", ")
}

// recordingFiles are the files that play and export take for args: each
// file as given, and for a directory the files of the one recording it
// holds. A directory that holds several recordings is an error naming
// them, as they are not one recording.
func recordingFiles(cmd string, args []string) ([]string, error) {
	var files []string
	for _, arg := range args {
		fi, err := os.Stat(arg)
		if err != nil || !fi.IsDir() {
			files = append(files, arg) // opening it names what is wrong
			continue
		}
		groups, err := recordingsIn(arg)
		if err != nil {
			return nil, err
		}
		if len(groups) > 1 {
			return nil, fmt.Errorf("%s holds %d recordings (%s), not one: name one, as in gopline %s %s",
				arg, len(groups), groupNames(groups), cmd, strings.Join(groups[0].Files, " "))
		}
		files = append(files, groups[0].Files...)
	}
	return files, nil
}

// laterFiles are the files of args's recording that go on after it in its
// directory, when args is one recording file: STEM_N.EXT after STEM.EXT (a
// camera that changed its picture size goes on in CAM_1.gopline) or after
// STEM_M.EXT with M < N (a split recording); else none.
func laterFiles(args []string) []string {
	if len(args) != 1 {
		return nil
	}
	file := args[0]
	if fi, err := os.Stat(file); err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	groups, err := recordingsIn(filepath.Dir(file))
	if err != nil {
		return nil
	}
	ext := filepath.Ext(file)
	stem, _, _ := splitNumber(strings.TrimSuffix(file, ext))
	for _, g := range groups {
		if g.Name != stem+ext {
			continue
		}
		for i, f := range g.Files {
			if sameFile(f, file) {
				return g.Files[i+1:]
			}
		}
	}
	return nil
}

// sameFile reports whether paths a and b name one file.
func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// noteLaterFiles says on w that the recording file args names goes on in
// later files (laterFiles) that gopline cmd leaves out, and how to take
// them all.
func noteLaterFiles(w io.Writer, cmd string, args []string) {
	later := laterFiles(args)
	if len(later) == 0 {
		return
	}
	fmt.Fprintf(w, "note: the recording goes on in %s, which gopline %s leaves out: give all its files to take it whole (gopline %s %s %s ...)\n",
		strings.Join(later, ", "), cmd, cmd, args[0], strings.Join(later, " "))
}
