package mcapimport

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gopline/gopline/storage"
)

// zipMagic opens a zip archive (its first local file header).
var zipMagic = []byte("PK\x03\x04")

// isZip reports whether the file at path begins as a zip archive.
func isZip(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(zipMagic))
	n, _ := io.ReadFull(f, head)
	return bytes.Equal(head[:n], zipMagic)
}

// unzipBag extracts the bag a zip archive holds (a rosbag2 directory
// zipped to be shared: its metadata.yaml and its files; or a bag's files
// alone) into a new hidden directory in scratch, and returns what to
// import: the directory of its metadata.yaml, else the one directory its
// bag files are in. Only the bag's files are extracted (metadata.yaml,
// and .mcap, .db3 and .bag files, perhaps compressed whole); the caller
// removes dir, which holds them, when done, and it is removed here on an
// error. A damaged entry keeps what came out of it before the damage (the
// import reads a file up to its cut), and damaged says so.
func unzipBag(ctx context.Context, archive, scratch string) (src, dir string, damaged []string, err error) {
	r, err := zip.OpenReader(archive)
	if err != nil {
		return "", "", nil, fmt.Errorf("%w: %s: a zip archive that does not open (%v)", ErrNotMCAP, archive, err)
	}
	defer r.Close()
	var entries []*zip.File
	for _, e := range r.File {
		e.Name = strings.ReplaceAll(e.Name, `\`, "/") // as some Windows tools write them
		if e.FileInfo().IsDir() || !isBagFileName(path.Base(e.Name)) {
			continue
		}
		if !filepath.IsLocal(filepath.FromSlash(e.Name)) {
			return "", "", nil, fmt.Errorf("%w: %s: its entry %q lies outside the archive", ErrNotMCAP, archive, e.Name)
		}
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		return "", "", nil, fmt.Errorf("%w: %s: a zip archive that holds no bag (metadata.yaml, .mcap, .db3 or .bag files)", ErrNotMCAP, archive)
	}
	made, err := os.MkdirTemp(scratch, "."+filepath.Base(archive)+".*.unzipping")
	if err != nil {
		return "", "", nil, fmt.Errorf("mcapimport: unzipping %s: %w", archive, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(made)
		}
	}()
	dir = made
	var metadata, bagDirs []string
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return "", "", nil, err
		}
		to := filepath.Join(dir, filepath.FromSlash(e.Name))
		n, err := unzipEntry(ctx, e, to)
		var broken entryDamage
		switch {
		case errors.As(err, &broken):
			damaged = append(damaged, fmt.Sprintf("%s in %s is damaged past byte %d of its %d: %v", e.Name, filepath.Base(archive), n, e.UncompressedSize64, broken.err))
		case ctx.Err() != nil:
			return "", "", nil, ctx.Err()
		case err != nil:
			return "", "", nil, fmt.Errorf("mcapimport: unzipping %s into %s: %w", archive, scratch, err)
		}
		if path.Base(e.Name) == "metadata.yaml" {
			metadata = append(metadata, filepath.Dir(to))
		} else if !slices.Contains(bagDirs, filepath.Dir(to)) {
			bagDirs = append(bagDirs, filepath.Dir(to))
		}
	}
	switch {
	case len(metadata) == 1:
		return metadata[0], dir, damaged, nil
	case len(metadata) == 0 && len(bagDirs) == 1:
		return bagDirs[0], dir, damaged, nil
	}
	return "", "", nil, fmt.Errorf("%w: %s: a zip archive of several bags (in %d directories): unzip it, and import each", ErrNotMCAP, archive, max(len(metadata), len(bagDirs)))
}

// isBagFileName reports whether a file of name is one of a bag's:
// metadata.yaml, or an .mcap, .db3 or .bag file, perhaps compressed whole.
func isBagFileName(name string) bool {
	_, ext := storage.SplitBagName(name)
	return name == "metadata.yaml" || ext == ".mcap" || ext == ".db3" || ext == ".bag" ||
		strings.HasSuffix(name, ".bag.active")
}

// entryDamage is the error of an entry whose bytes do not decompress or
// fail their checksum.
type entryDamage struct{ err error }

func (d entryDamage) Error() string { return d.err.Error() }

// unzipEntry writes the file of e at to, and returns its bytes written: an
// entryDamage when the entry's own bytes are damaged, past what was
// written; any other error is the disk's, or ctx's when it is done.
func unzipEntry(ctx context.Context, e *zip.File, to string) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return 0, err
	}
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, err
	}
	in, err := e.Open()
	if err != nil {
		out.Close()
		return 0, entryDamage{err}
	}
	defer in.Close()
	w := &countingWriter{w: out, ctx: ctx}
	_, err = io.Copy(w, in)
	if cerr := out.Close(); err == nil && cerr != nil {
		return w.n, cerr
	}
	if err != nil && !w.failed {
		return w.n, entryDamage{err}
	}
	return w.n, err
}

// countingWriter counts the bytes written through it, and says whether
// the writer failed (not the reader io.Copy read from); it fails once ctx
// is done.
type countingWriter struct {
	w      io.Writer
	ctx    context.Context
	n      int64
	failed bool
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		c.failed = true
		return 0, err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.failed = c.failed || err != nil
	return n, err
}

// archiveError is an error about a file unzipped into dir, said of the
// archive's entry: archive/NAME.
type archiveError struct {
	err error
	msg string
}

func (e archiveError) Error() string { return e.msg }
func (e archiveError) Unwrap() error { return e.err }

// inArchive returns err, said of the archive the files in dir came from,
// with what was damaged in it.
func inArchive(err error, dir, archive string, damaged []string) error {
	msg := strings.ReplaceAll(err.Error(), dir, archive)
	if len(damaged) > 0 {
		msg += " (" + strings.Join(damaged, "; ") + ")"
	}
	return archiveError{err: err, msg: msg}
}
