package main

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// recordingsIn are the recordings in dir: its .gopline and .db files,
// grouped by recording (groupRecordings).
func recordingsIn(dir string) ([]recordingGroup, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		ext := strings.TrimPrefix(filepath.Ext(e.Name()), ".")
		if !e.IsDir() && slices.Contains(recordingExtensions, ext) {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	if len(files) == 0 {
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
