package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// infoUnit is one recording that `gopline info` describes: the files
// given as arguments, taken as one, or one recording in a directory.
type infoUnit struct {
	name  string
	files []string
	// inDir is set for a recording found in a directory: a file of it
	// that does not open is warned of and left out, not fatal.
	inDir bool
}

// infoUnits are the recordings that `gopline info` describes for args:
// the files given, as one recording, then each recording in each
// directory given (recordingsIn), in turn.
func infoUnits(args []string) ([]infoUnit, error) {
	var given infoUnit
	var units []infoUnit
	for _, arg := range args {
		fi, err := os.Stat(arg)
		if err != nil || !fi.IsDir() {
			given.files = append(given.files, arg) // opening it names what is wrong
			continue
		}
		groups, err := recordingsIn(arg)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			units = append(units, infoUnit{name: g.Name, files: g.Files, inDir: true})
		}
	}
	if len(given.files) > 0 {
		given.files = splitOrder(given.files)
		given.name = given.files[0]
		units = append([]infoUnit{given}, units...)
	}
	return units, nil
}

// infoAll describes each of units, one after the other; with several,
// each under a line naming it (in JSON: a list of their sets).
func infoAll(w, stderr io.Writer, units []infoUnit, asJSON, allowDamage bool) error {
	if len(units) == 1 && !units[0].inDir && len(units[0].files) == 1 {
		return infoOne(w, units[0].files[0], asJSON, allowDamage)
	}
	var sets []*setSummary
	var errs []error
	for _, u := range units {
		set, err := summarizeUnit(stderr, u, allowDamage)
		if set != nil {
			sets = append(sets, set)
		}
		errs = append(errs, err)
	}
	if len(sets) == 0 {
		return errors.Join(append(errs, errors.New("no recording there opens"))...)
	}
	return errors.Join(append(errs, writeSets(w, sets, asJSON))...)
}

// writeSets writes sets: one as a set, several each under a line naming
// it, or in JSON a list of them.
func writeSets(w io.Writer, sets []*setSummary, asJSON bool) error {
	switch {
	case asJSON && len(sets) == 1:
		return writeJSON(w, sets[0])
	case asJSON:
		return writeJSON(w, sets)
	case len(sets) == 1:
		return writeSetInfo(w, *sets[0])
	}
	fmt.Fprintf(w, "Recordings: %d (%s)\n", len(sets), setNames(sets))
	for _, set := range sets {
		fmt.Fprintf(w, "\nRecording: %s\n", set.Recording)
		if err := writeSetInfo(w, *set); err != nil {
			return err
		}
	}
	return nil
}

// setNames are the recordings of sets, comma-separated.
func setNames(sets []*setSummary) string {
	names := make([]string, len(sets))
	for i, set := range sets {
		names[i] = set.Recording
	}
	return strings.Join(names, ", ")
}

// summarizeUnit summarizes u's files as one recording, leaving out with a
// warning on stderr those that hold no packet (leaveOutEmpty) and those of
// a directory that do not open; set is nil when none opens.
func summarizeUnit(stderr io.Writer, u infoUnit, allowDamage bool) (*setSummary, error) {
	// A directory's files are each left out on their own; files given
	// that all hold nothing are an error.
	given := dropEmpty(u.files, stderr)
	if !u.inDir && len(given) == 0 {
		return nil, fmt.Errorf("%s: %w", strings.Join(u.files, ", "), errHoldsNothing)
	}
	var files []string
	var sums []summary
	for _, file := range given {
		sum, err := summarize(file)
		if err != nil && u.inDir {
			fmt.Fprintf(stderr, "warning: %v: left out of %s\n", err, u.name)
			continue
		}
		if err != nil {
			return nil, err
		}
		files, sums = append(files, file), append(sums, sum)
	}
	if len(files) == 0 {
		return nil, nil // each warned of
	}
	set := combineSet(files, sums)
	set.Recording = u.name
	return &set, judgeSet(files, sums, allowDamage)
}
