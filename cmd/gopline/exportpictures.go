package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/export"
)

// pictures writes the PNG pictures one at a time, so that the bar moves.
// Times that fall in the same millisecond share a file, which is counted
// once.
func (r *exportRequest) pictures(ctx context.Context, recs []*storage.Recording, bar *progressBar, stdout, stderr io.Writer) error {
	_, statErr := os.Stat(r.out)
	made := !r.pictureFile && errors.Is(statErr, os.ErrNotExist) // the directory is export's to remove
	var paths []string
	written := map[string]bool{}
	var missing []error
	for i, t := range r.times {
		var p []string
		var err error
		if r.pictureFile {
			if err = export.PNGFileFiles(ctx, recs, r.stream, t, r.out); err == nil {
				p = []string{r.out}
			}
		} else {
			p, err = export.PNGFiles(ctx, recs, r.stream, []time.Time{t}, r.out)
		}
		for _, path := range p {
			if !written[path] {
				written[path] = true
				paths = append(paths, path)
			}
		}
		switch {
		case errors.Is(err, export.ErrNoPicture):
			missing = append(missing, err) // the others are still written
		case err != nil && ctx.Err() != nil:
			bar.clear()
			return r.interrupted(len(paths), made)
		case err != nil:
			bar.clear()
			if len(paths) == 0 && made {
				_ = os.Remove(r.out) // only when empty: a full disk leaves no directory of nothing
			}
			return err
		}
		bar.update(i+1, len(r.times))
	}
	bar.clear()
	for _, err := range missing {
		fmt.Fprintf(stderr, "gopline export: %v\n", err)
	}
	switch {
	case len(paths) == 1 && len(missing) == 0:
		fmt.Fprintf(stdout, "wrote %s\n", paths[0])
	default:
		fmt.Fprintf(stdout, "wrote %d pictures of %s to %s%s\n", len(paths), r.stream, r.out, missingNote(len(missing), len(r.times)))
	}
	if len(missing) > 0 && !r.allowDamage {
		return fmt.Errorf("%d of %d times have no picture: the packets leading to them are damaged (--allow-damage accepts it)", len(missing), len(r.times))
	}
	return nil
}

// interrupted is the error of a PNG export that Ctrl-C ended after it
// wrote n pictures, each whole: a picture being written when it came was
// finished or removed. A directory export made and left empty is removed.
func (r *exportRequest) interrupted(n int, made bool) error {
	if r.pictureFile {
		return fmt.Errorf("interrupted: %s was not written", r.out)
	}
	if n == 0 && made {
		_ = os.Remove(r.out) // only when empty
	}
	return fmt.Errorf("interrupted: %d of %d pictures of %s written to %s, each whole; no partial picture is left", n, len(r.times), r.stream, r.out)
}

func missingNote(missing, times int) string {
	if missing == 0 {
		return ""
	}
	return fmt.Sprintf("; %d of %d times have no picture (damaged packets)", missing, times)
}
