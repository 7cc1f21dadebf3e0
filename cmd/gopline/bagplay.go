package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/mcapimport"
)

// importToPlay imports the bags given to play (as ros2 bag play takes
// them) into a recording in a temporary directory, which cleanup removes,
// and returns its files: play then plays it as any recording. What it made
// is said on warn, with the import that keeps one.
func importToPlay(bags []string, warn io.Writer, quiet bool) (files []string, cleanup func(), err error) {
	cleanup = func() {}
	dir, err := os.MkdirTemp("", "gopline-play-")
	if err != nil {
		return nil, cleanup, fmt.Errorf("a temporary directory to import %s into: %w", strings.Join(bags, ", "), err)
	}
	cleanup = func() { _ = os.RemoveAll(dir) }
	stem := "bag"
	if len(bags) == 1 {
		stem, _ = storage.SplitBagName(filepath.Base(filepath.Clean(bags[0])))
	}
	dst := filepath.Join(dir, stem+".gopline")
	ctx, stop := stopContext(0)
	defer stop()
	src := strings.Join(bags, ", ")
	bar := newProgressBar(warn, quiet, "importing "+src+" to play", "MB")
	res, err := mcapimport.ImportFiles(ctx, bags, dst, mcapimport.Options{Transcode: transcoder, Progress: func(done, total int64) {
		bar.update(int(done>>20), int(max(total>>20, 1)))
	}})
	bar.clear()
	keep := "gopline import " + shellLine(bags) + " --out " + stem + ".gopline"
	switch {
	case ctx.Err() != nil && err != nil:
		return nil, cleanup, fmt.Errorf("interrupted while importing %s to play it", src)
	case errors.Is(err, mcapimport.ErrNoPictures):
		return nil, cleanup, fmt.Errorf("%s holds no pictures gopline takes: nothing to play (its topics: %s)", src, topicList(res, true))
	case errors.Is(err, syscall.ENOSPC):
		return nil, cleanup, fmt.Errorf("no room in %s for the recording play imports %s into (%w): "+
			"%s somewhere with room, then play that (or set TMPDIR)", os.TempDir(), src, err, keep)
	case err != nil:
		return nil, cleanup, err
	}
	if !quiet {
		var streams []string
		for _, t := range res.Topics {
			if t.Stream != "" {
				streams = append(streams, t.Stream)
			}
		}
		fmt.Fprintf(warn, "note: %s is a bag: its pictures (%s of %s) were imported into a temporary recording to play, "+
			"removed at the end (%s keeps one)\n", src, plural(uint64(res.Packets()), "packet"), strings.Join(streams, ", "), keep)
	}
	return res.Files, cleanup, nil
}
