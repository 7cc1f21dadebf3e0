package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A node's state file (gopline.WithStateFile, gopline run --state) holds the
// GOP caches of its persistent topics: what its publishers sent last, which
// they replace as they publish again. A damaged one must not keep the node,
// and the cameras of the robot it runs on, from starting: OpenState sets it
// aside, beside its path, for a look, and starts a new one in its place,
// as systemd-journald does with a journal it finds damaged. What is lost is
// the stored GOP of each persistent topic. A file that is something else
// (another program's bbolt database, a video, a file in use by another
// node) is refused as Open refuses it: it is no state file of gopline's.

// SetAside says what OpenState did with a damaged state file.
type SetAside struct {
	// Path is where the damaged file is now: its path, ".damaged-" and the
	// time it was set aside in UTC (node.db.damaged-20261205T062638Z).
	Path string
	// Cause is the damage found.
	Cause error
}

// Why says why the file was set aside, as a phrase: "was damaged", "is of
// a format version this gopline does not read".
func (a *SetAside) Why() string {
	if errors.Is(a.Cause, ErrNewerVersion) || errors.Is(a.Cause, ErrOlderVersion) {
		return "is of a format version this gopline does not read"
	}
	return "was damaged"
}

// OpenState opens the state file at path as Open does, and reads every page
// of its tree: bbolt trusts its pages, and a damaged one fails the write
// that meets it, long after the start. A file that is damaged (truncated,
// pages that are not what the tree says, both meta pages unreadable) is
// renamed aside and a new state file made at path; the SetAside says where
// the old one went and why. So is a state file of a format version this
// gopline does not read (one an upgrade or downgrade left): its stored
// GOPs are no use to it either. It returns the error of Open for anything
// else; a recording (a file with streams) given as the state file, damaged
// or not, is refused, not written to: the state file is the node's alone.
// It returns an error when the file to set aside cannot be moved.
func OpenState(path string, opts ...Option) (*Recording, *SetAside, error) {
	rec, err := Open(path, opts...)
	if err == nil {
		err = rec.walk()
		if streams := rec.streams; len(streams) > 0 {
			rec.abandon()
			// Someone's recording given as the state file: its damage is
			// gopline recover's to salvage, not a cache to start anew.
			return nil, nil, notState(path, streams, err)
		}
		if err == nil {
			return rec, nil, nil
		}
		rec.abandon()
	}
	what := "damaged"
	switch {
	case errors.Is(err, ErrNewerVersion) || errors.Is(err, ErrOlderVersion):
		what = "other-version"
	case !damagedState(path, err):
		return nil, nil, err
	}
	damage := err
	aside, err := setAside(path, what, time.Now())
	if err != nil {
		return nil, nil, fmt.Errorf("%w; setting the state file aside failed: %w", damage, err)
	}
	if rec, err = Open(path, opts...); err != nil {
		return nil, nil, fmt.Errorf("%w (the damaged state file was set aside as %s)", err, aside)
	}
	return rec, &SetAside{Path: aside, Cause: stateDamage{damage, path}}, nil
}

// notState is the error of a recording, with streams, given as a state
// file (damaged: with its damage).
func notState(path string, streams map[string]*streamState, damage error) error {
	names := make([]string, 0, len(streams))
	for name := range streams {
		names = append(names, name)
	}
	slices.Sort(names)
	if len(names) > 3 {
		names = append(names[:3], "...")
	}
	err := fmt.Errorf("%w: %s is a recording (of %s), not a state file: a node's state file is its own (--state node.db), and a recording is left as it is",
		ErrOtherFormat, path, strings.Join(names, ", "))
	if damage != nil {
		return fmt.Errorf("%w; it is damaged: %w", err, damage)
	}
	return err
}

// stateDamage is the damage found in a state file, said without the hint
// to recover it that the errors of a recording end in: a state file holds
// no streams for gopline recover to salvage.
type stateDamage struct {
	err  error
	path string
}

func (d stateDamage) Error() string {
	return strings.TrimSuffix(d.err.Error(), "; "+recoverHint(d.path))
}

func (d stateDamage) Unwrap() error { return d.err }

// walk reads every branch and leaf page of the recording's tree, each of
// which bbolt checks is the page its parent points to (a panic that guard
// turns into ErrCorruptFile when it is not). Packet records are checked by
// their own checksums as they are read.
func (r *Recording) walk() error {
	return r.view(func(tx *bolt.Tx) error {
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error { return walkBucket(b) })
	})
}

func walkBucket(b *bolt.Bucket) error {
	return b.ForEach(func(k, v []byte) error {
		if v != nil {
			return nil
		}
		if child := b.Bucket(k); child != nil {
			return walkBucket(child)
		}
		return nil
	})
}

// abandon closes a recording found damaged without writing to it: no
// commit, no trim, the file left as it was found for the one who looks at
// it.
func (r *Recording) abandon() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed.Store(true)
	_ = r.db.Close()
}

// damagedState reports whether err, Open's or walk's for the file at path,
// says that the file is a state file that is damaged rather than some other
// file: ErrCorruptFile; or a file bbolt does not know as its own (neither
// meta page readable) whose first bytes are of no known kind and whose size
// is a whole number of a recording's pages, at least four, as bbolt's files
// are.
func damagedState(path string, err error) bool {
	switch {
	case errors.Is(err, ErrCorruptFile):
		return true
	case !errors.Is(err, ErrNotRecording), errors.Is(err, ErrOtherFormat), errors.Is(err, ErrNeverWritten),
		errors.Is(err, ErrNotAFile):
		return false
	}
	kind, size, serr := SniffFile(path)
	return serr == nil && kind == KindUnknown && size >= 4*pageSize && size%pageSize == 0
}

// setAside renames the file at path to path.WHAT-TIME (WHAT says why:
// damaged, other-version), TIME now in UTC to the second, with -2, -3, ...
// after it when that name is taken, and returns the new name.
func setAside(path, what string, now time.Time) (string, error) {
	base := path + "." + what + "-" + now.UTC().Format("20060102T150405Z")
	name := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			break
		}
		name = fmt.Sprintf("%s-%d", base, i)
	}
	return name, os.Rename(path, name)
}
