package storage

import (
	"iter"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Stats describes a stream, or a whole recording, as committed: pending
// packets are not counted.
type Stats struct {
	// Streams is the number of streams: 1 for a stream's Stats.
	Streams int
	// Packets, GOPs (stored keyframes) and Segments (writing sessions that
	// appended packets) are counts of what the file holds now, after
	// retention.
	Packets, GOPs, Segments int64
	// PayloadBytes is the packets' data, without record headers or indexes.
	PayloadBytes int64
	// FileBytes is the size of the whole file on disk (shared by all
	// streams). While a writer has the file open it includes the room bbolt
	// grows the file by ahead of its data; Close trims that.
	FileBytes int64
	// First and Last are the earliest and the latest capture times; Duration
	// is the span between them. All are zero without packets.
	First, Last time.Time
	Duration    time.Duration
	// FPS is the mean packet rate, (Packets-1)/Duration for a stream and the
	// sum of the streams' rates for a recording; 0 when Duration is 0.
	FPS float64
	// MeanGOP is the mean GOP length in packets, Packets/GOPs; 0 without GOPs.
	MeanGOP float64
}

// Overhead returns FileBytes/PayloadBytes: how much larger the file is than
// the packets' data (0 without payload).
func (s Stats) Overhead() float64 {
	if s.PayloadBytes == 0 {
		return 0
	}
	return float64(s.FileBytes) / float64(s.PayloadBytes)
}

// Stats returns the named stream's statistics.
func (r *Recording) Stats(stream string) (Stats, error) {
	var s Stats
	err := r.view(func(tx *bolt.Tx) error {
		var err error
		s, err = r.streamStats(tx, stream)
		return err
	})
	if err != nil {
		return Stats{}, err
	}
	return s, r.statFile(&s)
}

// RecordingStats returns the statistics of all streams together.
func (r *Recording) RecordingStats() (Stats, error) {
	var total Stats
	err := r.view(func(tx *bolt.Tx) error {
		return forEachStream(tx, func(name string, b *bolt.Bucket) error {
			if b == nil {
				return nil // not a stream
			}
			s, err := r.streamStats(tx, name)
			if err != nil {
				return err
			}
			total.add(s)
			return nil
		})
	})
	if err != nil {
		return Stats{}, err
	}
	total.finish()
	return total, r.statFile(&total)
}

// add adds a stream's Stats to a recording's.
func (total *Stats) add(s Stats) {
	total.Streams++
	total.Packets += s.Packets
	total.GOPs += s.GOPs
	total.Segments += s.Segments
	total.PayloadBytes += s.PayloadBytes
	total.FPS += s.FPS
	if s.Packets > 0 {
		if total.First.IsZero() || s.First.Before(total.First) {
			total.First = s.First
		}
		if total.Last.IsZero() || s.Last.After(total.Last) {
			total.Last = s.Last
		}
	}
}

// finish sets the figures of a recording's Stats that follow from the sums.
func (total *Stats) finish() {
	total.Duration = total.Last.Sub(total.First)
	if total.GOPs > 0 {
		total.MeanGOP = float64(total.Packets) / float64(total.GOPs)
	}
}

func (r *Recording) statFile(s *Stats) error {
	fi, err := r.file.Stat()
	if err != nil {
		return r.errorf(ErrClosed, "%v", err)
	}
	s.FileBytes = fi.Size()
	return nil
}

func (r *Recording) streamStats(tx *bolt.Tx, stream string) (Stats, error) {
	sb, ok := openStreamBuckets(tx, stream)
	if !ok {
		return Stats{}, r.errorf(ErrNoStream, "stream %q", stream)
	}
	c, err := sb.counters()
	if err != nil {
		return Stats{}, r.errorf(ErrCorruptFile, "stream %q: %v", stream, err)
	}
	first, last, ok := span(sb)
	return streamStatsOf(c, first, last, ok), nil
}

// streamStatsOf is a stream's Stats from its counters and the capture times
// of its first and latest packets (ok is false without packets).
func streamStatsOf(c streamCounters, first, last time.Time, ok bool) Stats {
	s := Stats{Streams: 1, Packets: c.packets, GOPs: c.gops, Segments: c.segments, PayloadBytes: c.payload}
	if !ok {
		return s
	}
	s.First, s.Last, s.Duration = first, last, last.Sub(first)
	if s.Duration > 0 {
		s.FPS = float64(s.Packets-1) / s.Duration.Seconds()
	}
	if s.GOPs > 0 {
		s.MeanGOP = float64(s.Packets) / float64(s.GOPs)
	}
	return s
}

// maxReorder is the most pictures an H.264 stream may present after a
// later-decoded one (max_dec_frame_buffering is at most 16): the latest
// picture of a stream is among its last maxReorder packets.
const maxReorder = 16

// span returns the capture times of the stream's first packet and of its
// latest picture, read from its first and last chunks, skipping records
// whose headers do not read. ok is false without packets.
func span(sb streamBuckets) (first, last time.Time, ok bool) {
	cc := newChunkCursor(sb.root)
	forward := func(yield func([]byte) bool) {
		for ch, more, _ := cc.first(); more && yield(ch.b); ch, more, _ = cc.next() {
		}
	}
	backward := func(yield func([]byte) bool) {
		for ch, more, _ := cc.last(); more && yield(ch.b); ch, more, _ = cc.prev() {
		}
	}
	return spanOf(forward, backward)
}

// spanOf is span over a stream's chunks given as sequences of their bytes,
// first to last (forward) and last to first (backward); each is read only
// as far as needed. The latest picture is the last packet's unless B-frames
// come after it, so it is sought among the last maxReorder packets, back to
// the keyframe that opens their GOP: a recorder that commits often leaves a
// GOP's last packets in chunks of their own.
func spanOf(forward, backward iter.Seq[[]byte]) (first, last time.Time, ok bool) {
	var s chunkSummary
	for b := range forward {
		if s = summarizeChunk(b); s.readable {
			break
		}
	}
	if !s.readable {
		return first, last, false
	}
	first = time.Unix(0, s.first.capture)
	latest, seen := int64(0), 0
	for b := range backward {
		s = summarizeChunk(b)
		if !s.readable {
			continue
		}
		if seen == 0 || s.latest > latest {
			latest = s.latest
		}
		seen += s.records
		if s.first.key || seen >= maxReorder {
			break
		}
	}
	if seen == 0 {
		return first, first, true // a damaged page between the two ends
	}
	return first, time.Unix(0, latest), true
}

// First returns the earliest capture time of the named stream's committed
// packets, or ErrEmptyStream.
func (r *Recording) First(stream string) (time.Time, error) {
	first, _, err := r.span(stream)
	return first, err
}

// Last returns the latest capture time of the named stream's committed
// packets, or ErrEmptyStream.
func (r *Recording) Last(stream string) (time.Time, error) {
	_, last, err := r.span(stream)
	return last, err
}

func (r *Recording) span(stream string) (first, last time.Time, err error) {
	err = r.view(func(tx *bolt.Tx) error {
		sb, ok := openStreamBuckets(tx, stream)
		if !ok {
			return r.errorf(ErrNoStream, "stream %q", stream)
		}
		if first, last, ok = span(sb); !ok {
			return r.errorf(ErrEmptyStream, "stream %q", stream)
		}
		return nil
	})
	return first, last, err
}
