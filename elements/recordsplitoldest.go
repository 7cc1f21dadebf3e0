package elements

import (
	"os"
	"slices"

	"github.com/gopline/gopline/storage"
)

// deletedFile is a file of a split set that a full disk cost the
// recording (overwrite-oldest), with the GOPs and payload bytes it held.
type deletedFile struct {
	path        string
	gops, bytes int64
}

// deleteOldest makes room on a full disk from the oldest file of the set,
// as a loop recorder (splitmuxsink's max-files, a dashcam) does: the file
// of the lowest number in the set's naming that this run does not have
// open and no other recorder writes, a run's before it among them. Its
// GOPs and bytes count as overwritten. A file that does not open as a
// recording is left. It reports whether it deleted one.
func (s *splitRecording) deleteOldest() bool {
	if s.set == "" {
		return false
	}
	numbers, err := SplitFiles(s.set)
	if err != nil {
		return false
	}
	for _, n := range numbers {
		path := SplitPath(s.set, n)
		if slices.Contains(s.openPaths(), path) {
			continue
		}
		held, ok := heldIn(path)
		if !ok || os.Remove(path) != nil {
			continue
		}
		s.doneGOPs, s.doneBytes = s.doneGOPs+held.gops, s.doneBytes+held.bytes
		s.deleted = append(s.deleted, held)
		return true
	}
	return false
}

// openPaths are the paths of the files the split recording has open.
func (s *splitRecording) openPaths() []string {
	var paths []string
	for f := range s.files {
		paths = append(paths, s.paths[f])
	}
	return paths
}

// heldIn is what the recording at path holds, read without writing; not
// ok when it does not open as a recording, or a recorder has it open.
func heldIn(path string) (deletedFile, bool) {
	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		return deletedFile{}, false
	}
	defer rec.Close()
	st, err := rec.RecordingStats()
	if err != nil {
		return deletedFile{}, false
	}
	return deletedFile{path: path, gops: st.GOPs, bytes: st.PayloadBytes}, true
}

// takeDeleted returns the files deleted since it was last called.
func (s *splitRecording) takeDeleted() []deletedFile {
	out := s.deleted
	s.deleted = nil
	return out
}
