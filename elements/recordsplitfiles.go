package elements

import (
	"errors"
	"fmt"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// splitRecording is the recording of a split recorder: the files its
// splitPlan routes the packets to, opened as they begin and closed once
// no stream writes to them. It is the writer goroutine's alone.
type splitRecording struct {
	plan  *splitPlan
	path  func(file int) string
	open  func(path string) (recording, error)
	files map[int]recording
	// infos are the streams as created; each file creates those it gets.
	infos   map[string]storage.StreamInfo
	created map[int]map[string]bool
	// done are what the closed files lost and overwritten.
	doneLost, doneGOPs, doneBytes int64
	opened                        []string // files begun since takeOpened
}

// newSplitRecording returns the split recording whose file 0 is first.
func newSplitRecording(limit RecordSplit, first recording, path func(int) string, open func(string) (recording, error)) *splitRecording {
	return &splitRecording{plan: newSplitPlan(limit), path: path, open: open, files: map[int]recording{0: first},
		infos: map[string]storage.StreamInfo{}, created: map[int]map[string]bool{0: {}}}
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
// waits for its keyframe (storage.ErrNeedKeyframe).
func (s *splitRecording) Append(stream string, p *media.Packet) error {
	f := s.plan.route(stream, p)
	if f == waitKey {
		return fmt.Errorf("%s: its file is closed: %w", stream, storage.ErrNeedKeyframe)
	}
	rec, err := s.file(f)
	if err != nil {
		return err
	}
	if !s.created[f][stream] {
		if err := rec.CreateStream(s.infos[stream]); err != nil && !errors.Is(err, storage.ErrStreamExists) {
			return err
		}
		s.created[f][stream] = true
	}
	return errors.Join(rec.Append(stream, p), s.closeDone())
}

// file returns file f, opening it when it begins.
func (s *splitRecording) file(f int) (recording, error) {
	if rec := s.files[f]; rec != nil {
		return rec, nil
	}
	rec, err := s.open(s.path(f))
	if err != nil {
		return nil, err
	}
	s.files[f], s.created[f] = rec, map[string]bool{}
	s.opened = append(s.opened, s.path(f))
	return rec, nil
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

// retire closes file f, keeping what it lost and had overwritten.
func (s *splitRecording) retire(f int) error {
	rec := s.files[f]
	gops, bytes := rec.Overwritten()
	s.doneLost, s.doneGOPs, s.doneBytes = s.doneLost+rec.Lost(), s.doneGOPs+gops, s.doneBytes+bytes
	delete(s.files, f)
	delete(s.created, f)
	return rec.Close()
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
func (s *splitRecording) takeOpened() []string {
	out := s.opened
	s.opened = nil
	return out
}

// openRecording opens what the recorder writes to: the recording at
// cfg.Path, or, split, its first file, and returns it with the path of
// the file opened.
func openRecording(cfg RecordConfig, opts []storage.Option) (recording, string, error) {
	if !cfg.Split.enabled() {
		rec, err := storage.Open(cfg.Path, opts...)
		return rec, cfg.Path, err
	}
	first, err := FirstSplitIndex(cfg.Path)
	if err != nil {
		return nil, "", err
	}
	path := func(f int) string { return SplitPath(cfg.Path, first+f) }
	rec, err := storage.Open(path(0), opts...)
	if err != nil {
		return nil, "", err
	}
	open := func(p string) (recording, error) { return storage.Open(p, opts...) }
	return newSplitRecording(cfg.Split, rec, path, open), path(0), nil
}
