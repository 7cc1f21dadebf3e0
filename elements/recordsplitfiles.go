package elements

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// splitRecording is the recording of a split recorder: the files its
// splitPlan routes the packets to, opened as they begin and closed once
// no stream writes to them. It is the writer goroutine's alone.
type splitRecording struct {
	plan *splitPlan
	// path names the files in turn; file f is at path(f+skip), skip
	// counting the names found taken by another run's files (errTaken).
	path  func(n int) string
	skip  int
	paths map[int]string // the path of each file opened
	open  func(path string) (recording, error)
	files map[int]recording
	// infos are the streams as created; each file creates those it gets.
	infos   map[string]storage.StreamInfo
	created map[int]map[string]bool
	// done are what the closed files lost and overwritten.
	doneLost, doneGOPs, doneBytes int64
	opened                        []begunFile // files begun since takeOpened
	// formats are each stream's format as last appended (formatOf), to
	// say what a change of format changed.
	formats map[string]string
	// set is the path whose split naming the files take when a full disk
	// costs the set its oldest files (overwrite-oldest; "" otherwise);
	// deleted are the files it deleted since takeDeleted.
	set     string
	deleted []deletedFile
}

// begunFile is a file a split recording began: at a split, or, with
// change, for a stream whose format changed.
type begunFile struct {
	path   string
	change *formatSwitch
}

// formatSwitch is a stream's change of format (formatOf) that began a file,
// or, with stepped, the step back of its capture clock (why: the store's
// words) that began one.
type formatSwitch struct {
	stream, from, to string
	stepped          error
}

// formatOf describes p's format as storage compares it: codec, picture
// size, and a raw picture's pixel format.
func formatOf(p *media.Packet) string {
	if p.Codec == media.Raw {
		return fmt.Sprintf("%v %dx%d %v", p.Codec, p.Width, p.Height, p.Format)
	}
	return fmt.Sprintf("%v %dx%d", p.Codec, p.Width, p.Height)
}

// newSplitRecording returns the split recording whose file 0 is first.
func newSplitRecording(limit RecordSplit, first recording, path func(int) string, open func(string) (recording, error)) *splitRecording {
	return &splitRecording{plan: newSplitPlan(limit), path: path, paths: map[int]string{0: path(0)}, open: open, files: map[int]recording{0: first},
		infos: map[string]storage.StreamInfo{}, created: map[int]map[string]bool{0: {}}, formats: map[string]string{}}
}

// CreateStream creates the stream in the newest file, where its first
// packet goes, and keeps its info for the files after.
func (s *splitRecording) CreateStream(info storage.StreamInfo) error {
	rec, err := s.file(s.plan.newest)
	if err == nil {
		err = rec.CreateStream(info)
	}
	if err == nil || errors.Is(err, storage.ErrStreamExists) {
		s.infos[info.Name] = info
		s.created[s.plan.newest][info.Name] = true
	}
	return err
}

// Append writes p to the file the plan gives it, and closes the files no
// stream writes to any more. A packet of a stream that gave up its file
// waits for its keyframe (storage.ErrNeedKeyframe). A keyframe its file
// refuses for its format (storage.ErrFormatChanged: a camera that changed
// its picture size), or because its clock stepped back
// (storage.ErrTimeWentBack), goes on in a new file
// (splitPlan.formatChanged); a delta of the new format before it is
// refused, as it cannot be decoded.
func (s *splitRecording) Append(stream string, p *media.Packet) error {
	f := s.plan.route(stream, p)
	if f == waitKey {
		return fmt.Errorf("%s: its file is closed: %w", stream, storage.ErrNeedKeyframe)
	}
	// A file the packet's stream left is closed before the next is made:
	// on a full disk that overwrites, it is the set's oldest to delete.
	closed := s.closeDone()
	err := s.appendTo(f, stream, p)
	if p.Key && errors.Is(err, storage.ErrFormatChanged) {
		var stepped error
		if errors.Is(err, storage.ErrTimeWentBack) {
			stepped = err
		}
		f = s.plan.formatChanged(stream, p)
		if err = s.appendTo(f, stream, p); err == nil {
			s.noteChange(stream, p, f, stepped)
		}
	}
	if err == nil {
		s.formats[stream] = formatOf(p)
	}
	return errors.Join(err, closed, s.closeDone())
}

// appendTo writes p to file f, creating its stream there with p's format
// when the file does not have it yet.
func (s *splitRecording) appendTo(f int, stream string, p *media.Packet) error {
	rec, err := s.file(f)
	if err != nil {
		return err
	}
	if !s.created[f][stream] {
		info := s.infos[stream]
		info.Codec, info.Width, info.Height, info.Format = p.Codec, p.Width, p.Height, p.Format
		if err := rec.CreateStream(info); err != nil && !errors.Is(err, storage.ErrStreamExists) {
			return err
		}
		s.created[f][stream] = true
	}
	return rec.Append(stream, p)
}

// noteChange notes that stream went on in file f with p's format, or
// because its clock stepped back (stepped, the store's error), for the
// recorder to say so.
func (s *splitRecording) noteChange(stream string, p *media.Packet, f int, stepped error) {
	change := &formatSwitch{stream: stream, from: s.formats[stream], to: formatOf(p), stepped: stepped}
	for i := range s.opened {
		if s.opened[i].path == s.paths[f] {
			s.opened[i].change = change
			return
		}
	}
	s.opened = append(s.opened, begunFile{path: s.paths[f], change: change})
}

// errTaken is the error of open for a file that exists: a file that
// begins is a new one, never another run's (two recorders told to split
// into one set at once), which the split recording then numbers past.
var errTaken = errors.New("the file exists")

// maxTaken bounds how many taken names a split recording numbers past at
// one split.
const maxTaken = 1000

// file returns file f, opening it when it begins: at the first name of
// the set after the last file's that is not taken.
func (s *splitRecording) file(f int) (recording, error) {
	if rec := s.files[f]; rec != nil {
		return rec, nil
	}
	for taken := 0; ; taken++ {
		path := s.path(f + s.skip)
		rec, err := s.open(path)
		if errors.Is(err, errTaken) && taken < maxTaken {
			s.skip++
			continue
		}
		if errors.Is(err, storage.ErrDiskFull) && s.deleteOldest() {
			continue // each time one file fewer
		}
		if err != nil {
			return nil, err
		}
		s.files[f], s.created[f], s.paths[f] = rec, map[string]bool{}, path
		s.opened = append(s.opened, begunFile{path: path})
		return rec, nil
	}
}

// closeDone closes the files before the oldest a stream writes to.
func (s *splitRecording) closeDone() error {
	var errs []error
	for f := range s.files {
		if f < s.plan.oldest() {
			errs = append(errs, s.retire(f))
		}
	}
	return errors.Join(errs...)
}

// retire closes file f, keeping what it lost and had overwritten. A file
// the split recording began that holds no packet (every commit into it
// failed on a full disk) is removed, as the recorder removes its first.
func (s *splitRecording) retire(f int) error {
	rec := s.files[f]
	gops, bytes := rec.Overwritten()
	s.doneLost, s.doneGOPs, s.doneBytes = s.doneLost+rec.Lost(), s.doneGOPs+gops, s.doneBytes+bytes
	delete(s.files, f)
	delete(s.created, f)
	err := rec.Close()
	if path := s.paths[f]; f > 0 && err == nil && storage.HoldsNoPacket(path) {
		err = os.Remove(path)
	}
	return err
}

// Flush commits every open file.
func (s *splitRecording) Flush() error {
	var errs []error
	for _, rec := range s.files {
		errs = append(errs, rec.Flush())
	}
	return errors.Join(errs...)
}

// Close commits and closes every open file.
func (s *splitRecording) Close() error {
	var errs []error
	for f := range s.files {
		errs = append(errs, s.retire(f))
	}
	return errors.Join(errs...)
}

// Lost is what failed writes cost all the files.
func (s *splitRecording) Lost() int64 {
	n := s.doneLost
	for _, rec := range s.files {
		n += rec.Lost()
	}
	return n
}

// Overwritten is what full disks cost all the files.
func (s *splitRecording) Overwritten() (gops, bytes int64) {
	gops, bytes = s.doneGOPs, s.doneBytes
	for _, rec := range s.files {
		g, b := rec.Overwritten()
		gops, bytes = gops+g, bytes+b
	}
	return gops, bytes
}

// takeOpened returns the files begun since it was last called.
func (s *splitRecording) takeOpened() []begunFile {
	out := s.opened
	s.opened = nil
	return out
}

// openRecording opens what the recorder writes to: the recording at
// cfg.Path, or, split, its first file, and returns it with the path of
// the file opened and whether it was created. Either goes on in a new
// file when a stream's format changes (splitRecording.Append): a split
// recording in its next file, one at cfg.Path in the next of its set
// (FormatChangeFiles), from the set's last file on. With
// cfg.OverwriteOldest a full disk costs the recording its oldest: a split
// recording's oldest files first (splitRecording.deleteOldest), then the
// oldest GOPs of those it writes.
func openRecording(cfg RecordConfig, opts []storage.Option) (rec recording, path string, created bool, err error) {
	var split *splitRecording
	overwrite := cfg.OverwriteOldest && cfg.Split.enabled()
	if cfg.OverwriteOldest {
		opts = append(slices.Clip(opts), storage.WithOverwriteOldest())
	}
	if overwrite {
		// A full disk costs a split set its oldest files before the
		// oldest GOPs of the files it writes (split is set below, before
		// any commit).
		opts = append(opts, storage.WithRoomElsewhere(func() bool { return split.deleteOldest() }))
	}
	var file func(f int) string
	if cfg.Split.enabled() {
		first, err := FirstSplitIndex(cfg.Path)
		if err != nil {
			return nil, "", false, err
		}
		file = func(f int) string { return SplitPath(cfg.Path, first+f) }
	} else {
		set, err := FindFormatChangeFiles(cfg.Path)
		if err != nil {
			return nil, "", false, err
		}
		file = set.File
	}
	_, statErr := os.Stat(file(0))
	first, err := storage.Open(file(0), opts...)
	if err != nil {
		return nil, "", false, err
	}
	split = newSplitRecording(cfg.Split, first, file, openNew(opts))
	if overwrite {
		split.set = cfg.Path
	}
	return split, file(0), errors.Is(statErr, fs.ErrNotExist), nil
}

// openNew returns the open of a split recording's next files: a file that
// is there already, or that another recorder has open, is errTaken.
func openNew(opts []storage.Option) func(string) (recording, error) {
	return func(path string) (recording, error) {
		if _, err := os.Lstat(path); err == nil {
			return nil, fmt.Errorf("%s: %w", path, errTaken)
		}
		rec, err := storage.Open(path, opts...)
		if errors.Is(err, storage.ErrLocked) {
			return nil, fmt.Errorf("%s: %w: %w", path, errTaken, err)
		}
		return rec, err
	}
}
