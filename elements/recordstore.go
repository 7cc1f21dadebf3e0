package elements

import (
	"errors"
	"fmt"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// recordingStore writes the recorder's packets to its recording, on the
// cache's writer goroutine: it creates each stream on its first packet,
// and judges what storage answers (see writeOutcome), as far as that
// needs no more than the recording.
type recordingStore struct {
	rec         *storage.Recording
	now         func() time.Time
	overwrite   bool
	beforeWrite func() // tests: a slow disk
	streams     map[string]bool
	failing     bool  // writes fail
	overwritten int64 // GOPs overwritten when last reported
}

// Write stores one packet, creating its stream on first sight.
func (s *recordingStore) Write(stream string, p *media.Packet) writeOutcome {
	if s.beforeWrite != nil {
		s.beforeWrite()
	}
	if !s.streams[stream] {
		err := s.rec.CreateStream(storage.StreamInfo{Name: stream, Codec: p.Codec, Width: p.Width, Height: p.Height,
			Format: p.Format, Created: s.now(), Source: "gopline record"})
		switch {
		case errors.Is(err, storage.ErrDiskFull) || errors.Is(err, storage.ErrWriteFailed):
			return writeOutcome{dropped: 1} // the stream is made with a later packet
		case err != nil && !errors.Is(err, storage.ErrStreamExists):
			return writeOutcome{err: fmt.Errorf("recording %s: %w", stream, err)}
		}
		s.streams[stream] = true
	}
	o := s.stored(s.rec.Append(stream, p))
	if o.err != nil {
		o.err = fmt.Errorf("recording %s: %w", stream, o.err)
	}
	return o
}

// Flush commits what the recording holds.
func (s *recordingStore) Flush() writeOutcome {
	o := s.stored(s.rec.Flush())
	o.lost = s.rec.Lost()
	return o
}

// Close commits and closes the recording.
func (s *recordingStore) Close() error { return s.rec.Close() }

// stored judges what storage answered to an append or a commit. A delta it
// cannot chain to its keyframe (after a drop), or one it already has, is
// counted and skipped. A write that failed (a full disk, an I/O error) is
// counted, reported once when the failure begins and again when recording
// resumes, and left behind: storage tries again with each stream's next
// keyframe. Only a failure storage does not recover from, and a packet of
// another format than its stream's, are the stage's errors.
func (s *recordingStore) stored(err error) writeOutcome {
	var werr *storage.WriteError
	switch {
	case err == nil:
		var o writeOutcome
		if s.failing {
			s.failing = false
			o.resumed, o.lost = true, s.rec.Lost()
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
		if werr.First {
			s.failing = true
			o.failed = err
		}
		return o
	}
	return writeOutcome{err: err}
}
