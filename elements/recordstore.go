package elements

import (
	"errors"
	"fmt"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// recording is what the recorder's store asks of its storage.Recording
// (tests give it one whose writes fail when they say).
type recording interface {
	CreateStream(info storage.StreamInfo) error
	Append(stream string, p *media.Packet) error
	Flush() error
	Close() error
	Lost() int64
	Overwritten() (gops, bytes int64)
}

// recordingStore writes the recorder's packets to its recording, on the
// cache's writer goroutine: it creates each stream on its first packet,
// and judges what storage answers (see writeOutcome), as far as that
// needs no more than the recording.
type recordingStore struct {
	rec         recording
	now         func() time.Time
	overwrite   bool
	beforeWrite func() // tests: a slow disk
	streams     map[string]bool
	health      writeHealth
	unstreamed  int64 // packets lost because their stream, or their file, could not be created
	overwritten int64 // GOPs overwritten when last reported
}

// newRecordingStore returns the store of rec.
func newRecordingStore(rec recording, now func() time.Time, overwrite bool) *recordingStore {
	return &recordingStore{rec: rec, now: now, overwrite: overwrite, streams: map[string]bool{},
		health: writeHealth{interval: failingReportInterval}}
}

// Write stores one packet, creating its stream on first sight. A stream
// that cannot be created for a failed write costs its packet, counted as
// lost and told as a failure; a later packet tries again.
func (s *recordingStore) Write(stream string, p *media.Packet) writeOutcome {
	if s.beforeWrite != nil {
		s.beforeWrite()
	}
	var created writeOutcome
	if !s.streams[stream] {
		err := s.rec.CreateStream(storage.StreamInfo{Name: stream, Codec: p.Codec, Width: p.Width, Height: p.Height,
			Format: p.Format, Created: s.now(), Source: "gopline record"})
		switch {
		case errors.Is(err, storage.ErrDiskFull) || errors.Is(err, storage.ErrWriteFailed):
			s.unstreamed++
			o := writeOutcome{dropped: 1}
			s.tell(&o, s.health.notCreated(s.now()), err)
			return o
		case err == nil:
			s.tell(&created, s.health.created(), nil)
		case !errors.Is(err, storage.ErrStreamExists):
			return writeOutcome{err: fmt.Errorf("recording %s: %w", stream, err)}
		}
		s.streams[stream] = true
	}
	err := s.rec.Append(stream, p)
	var opened []begunFile
	if split, ok := s.rec.(*splitRecording); ok {
		if opened = split.takeOpened(); len(opened) > 0 {
			// A file begun fresh has no failure to retry: what it took
			// is committed at its next flush, as in any file.
			s.health.newFile()
		}
	}
	o := s.stored(err, true)
	if o.err != nil {
		o.err = fmt.Errorf("recording %s: %w", stream, o.err)
	}
	if created.resumed {
		o.resumed = true
		o.lost = s.lost()
	}
	o.opened = opened
	s.takeDeleted(&o)
	return o
}

// Flush commits what the recording holds.
func (s *recordingStore) Flush() writeOutcome {
	o := s.stored(s.rec.Flush(), false)
	o.lost = s.lost()
	s.takeDeleted(&o)
	return o
}

// takeDeleted puts into o the files of a split set that a full disk cost
// the recording since it last did.
func (s *recordingStore) takeDeleted(o *writeOutcome) {
	if split, ok := s.rec.(*splitRecording); ok {
		o.deleted = split.takeDeleted()
	}
}

// Close commits and closes the recording.
func (s *recordingStore) Close() error { return s.rec.Close() }

// lost is how many packets failed writes cost the recording.
func (s *recordingStore) lost() int64 { return s.rec.Lost() + s.unstreamed }

// stored judges what storage answered to an append (appended) or a
// commit. A delta it cannot chain to its keyframe (after a drop), or one it
// already has, is counted and skipped. A write that failed (a full disk, an
// I/O error) is counted and left behind: storage tries again with each
// stream's next keyframe, and s.health says when to tell (the failure at
// once, then every few seconds while it lasts, and its end once a commit
// has succeeded). Only a failure storage does not recover from, and a
// packet of another format than its stream's, are the stage's errors.
func (s *recordingStore) stored(err error, appended bool) writeOutcome {
	var werr *storage.WriteError
	switch {
	case err == nil:
		var o writeOutcome
		if appended {
			s.tell(&o, s.health.accepted(), nil)
		} else {
			s.tell(&o, s.health.flushed(), nil)
		}
		if s.overwrite { // only then: no lock taken per packet for it
			if gops, bytes := s.rec.Overwritten(); gops != s.overwritten {
				s.overwritten = gops
				o.overwrittenGOPs, o.overwrittenBytes = gops, bytes
			}
		}
		return o
	case errors.Is(err, storage.ErrNeedKeyframe) || errors.Is(err, storage.ErrDuplicate):
		return writeOutcome{dropped: 1}
	case errors.As(err, &werr) && !werr.Retry.IsZero():
		o := writeOutcome{dropped: werr.Dropped}
		s.tell(&o, s.health.dropped(s.now(), werr.First), err)
		return o
	case appended && (errors.Is(err, storage.ErrDiskFull) || errors.Is(err, storage.ErrWriteFailed)):
		// A split recording's next file could not be made (the disk is
		// full): the packet is lost, as to a failed commit, and the next
		// packet tries again.
		s.unstreamed++
		o := writeOutcome{dropped: 1}
		s.tell(&o, s.health.notCreated(s.now()), err)
		return o
	}
	return writeOutcome{err: err}
}

// tell puts what s.health noted into o, with err, the failed write's
// error, and the count of packets lost so far.
func (s *recordingStore) tell(o *writeOutcome, note healthNote, err error) {
	switch note {
	case healthFailed:
		o.failed = err
	case healthFailing:
		o.failed, o.failing = err, true
	case healthResumed:
		o.resumed = true
	default:
		return
	}
	o.lost = s.lost()
}
