package storage

import (
	"errors"
	"math"
	"slices"
	"time"

	"github.com/gopline/gopline/media"
)

// Recover's second half: it writes the salvage plan's chunks into the new
// file, a stream at a time and in index order, and counts what each stream
// lost against what the damaged file held.

// writeSalvage writes the plan's streams into a new recording at path.
func writeSalvage(path string, plan *salvagePlan, cr *chunkReader, clock func() time.Time) ([]RecoveredStream, error) {
	// A batch of whole GOPs per commit, with one fsync of the file at the
	// end rather than two per commit: the new file is not in place until
	// it is complete.
	rec, err := Open(path, WithBatch(256, 0), WithSync(SyncNone), WithClock(clock), keepingTimeSteps)
	if err != nil {
		return nil, err
	}
	var out []RecoveredStream
	for _, ps := range plan.streams {
		rs, err := writeStream(rec, ps, cr)
		if err != nil {
			_ = rec.Close()
			return nil, err
		}
		if rs.Packets > 0 {
			out = append(out, rs)
		} else {
			plan.lost = append(plan.lost, ps.name)
		}
	}
	slices.Sort(plan.lost)
	return out, rec.Close()
}

// writeStream appends one stream's chunks. The stream is created at its
// first keyframe, so that a stream of which nothing decodes from a
// keyframe on is not written at all.
func writeStream(rec *Recording, ps plannedStream, cr *chunkReader) (RecoveredStream, error) {
	w := &streamWriter{rec: rec, rs: RecoveredStream{Name: ps.name, Renamed: ps.renamed, Counted: ps.counted, UnreadableChunks: ps.damaged, Overwritten: ps.overwritten}}
	w.info = ps.info
	if w.info == nil {
		h := ps.chunks[0].head
		w.info = &StreamInfo{Name: ps.name, Codec: h.codec, Width: h.width, Height: h.height}
		if h.codec == media.Raw {
			w.info.Format = h.format
		}
	}
	w.rs.Codec = w.info.Codec
	end, err := committedEnd(ps, cr)
	if err != nil {
		return w.rs, err
	}
	w.committedEnd = end
	w.rs.count(ps, end)
	for i := 0; i < len(ps.chunks); {
		j := i + 1
		for j < len(ps.chunks) && ps.chunks[j].first == ps.chunks[i].first {
			j++
		}
		until := uint64(math.MaxUint64) // where the next chunk starts
		if j < len(ps.chunks) {
			until = ps.chunks[j].first
		}
		if err := w.chunk(cr, ps.chunks[i:j], until); err != nil {
			return w.rs, err
		}
		i = j
	}
	w.rs.countMissing(ps)
	return w.rs, nil
}

// count says how many packets the damaged file held for the stream, and
// what tells it: its counters as the newest meta's tree reaches them, else
// the indexes of its first chunk and of the end of its last in that tree,
// end being 0 when not known. Else Uncounted says what was lost.
func (s *RecoveredStream) count(ps plannedStream, end uint64) {
	e := ps.newest
	switch {
	case ps.counted > 0:
		s.Counted, s.CountedBy = ps.counted, CountedByCounters
	case e.firstKnown && e.lastKnown && end > e.first:
		s.Counted, s.CountedBy = int64(end-e.first), CountedByIndexes
	case ps.renamed:
		s.Uncounted = "its name is lost, and with it what the file held of it"
	case e.lost != "":
		s.Uncounted = "its counters are lost, and " + e.lost
	default:
		s.Uncounted = "its counters are lost, and so is the last commit's copy of its last chunk"
	}
}

// committedEnd returns the index after the last packet that the damaged
// file's last complete commit held for the stream, or 0 when it is not
// known: the newest meta's tree, or its entry of the stream's last chunk,
// was not found, or the copy of that chunk it reaches is lost or broken.
// Records past it were written by a commit cut short.
func committedEnd(ps plannedStream, cr *chunkReader) (uint64, error) {
	if !ps.newest.lastKnown {
		return 0, nil
	}
	for _, c := range ps.chunks {
		if c.first != ps.newest.last || c.rank != 2 {
			continue
		}
		recs, broken, err := decodeCopy(cr, c)
		if err != nil || broken {
			return 0, err
		}
		return c.first + uint64(len(recs)), nil
	}
	return 0, nil
}

// countMissing makes Missing, when the damaged file's count is known, the
// packets it counts that were neither written, damaged nor dropped: those
// of chunks lost before the first chunk found or after the last, as well
// as between. The indexes between the chunks found tell only when the
// count is not known, and may tell more than was lost: the Seq of a chunk
// found without its key places it, and the Seq skips the packets that the
// recorder missed. Then the index of the newest tree's first chunk, when
// known, tells those lost before the first chunk found.
func (s *RecoveredStream) countMissing(ps plannedStream) {
	if s.Counted == 0 {
		if e := ps.newest; e.firstKnown && len(ps.chunks) > 0 && ps.chunks[0].first > e.first {
			s.Missing += int64(ps.chunks[0].first - e.first)
		}
		return
	}
	s.Missing = max(0, s.Counted-s.Committed()-s.Damaged-s.Dropped)
}

// streamWriter appends one stream's packets, in index order, and counts.
type streamWriter struct {
	rec     *Recording
	info    *StreamInfo
	rs      RecoveredStream
	created bool
	started bool   // a record was handled
	next    uint64 // the index after the last record handled
	// committedEnd is the index after the last packet of the damaged
	// file's last complete commit, 0 when unknown.
	committedEnd uint64
}

// uncommitted says whether the record of index idx was written by a commit
// cut short, one the file never completed.
func (w *streamWriter) uncommitted(idx uint64) bool {
	return w.committedEnd > 0 && idx >= w.committedEnd
}

// chunk writes the chunk that copies hold, the best copy first, up to the
// index until. A record the best copy lost is taken from another copy that
// holds it whole, and so are the records after a break in the best copy's
// framing.
func (w *streamWriter) chunk(cr *chunkReader, copies []salvage, until uint64) error {
	first := copies[0].first
	recs, broken, err := decodeCopy(cr, copies[0])
	if err != nil {
		return err
	}
	for _, c := range copies[1:] {
		if !broken && !slices.Contains(recs, nil) {
			break
		}
		more, _, err := decodeCopy(cr, c)
		if err != nil {
			return err
		}
		for k, p := range more {
			switch {
			case p == nil:
			case k < len(recs):
				if recs[k] == nil {
					recs[k] = p
				}
			case broken && first+uint64(k) < until:
				for len(recs) < k {
					recs = append(recs, nil)
				}
				recs = append(recs, p)
			}
		}
	}
	if end := first; w.started && !w.uncommitted(w.next) {
		if w.committedEnd > 0 {
			end = min(end, w.committedEnd)
		}
		if end > w.next {
			w.rs.Missing += int64(end - w.next)
		}
	}
	for k, p := range recs {
		if err := w.packet(first+uint64(k), p); err != nil {
			return err
		}
	}
	if broken {
		// The records after those found cannot be found: the next chunk's
		// index says how many were lost.
		if !w.uncommitted(first + uint64(len(recs))) {
			w.rs.Damaged++
		}
		if end := min(first+uint64(len(recs))+1, until); !w.started || end > w.next {
			w.started, w.next = true, end
		}
	}
	return nil
}

// packet writes the packet of index idx, or counts it damaged when p is
// nil. It writes no index twice, and nothing before the stream's first
// keyframe.
func (w *streamWriter) packet(idx uint64, p *media.Packet) error {
	if w.started && idx < w.next {
		return nil // written from another chunk already
	}
	w.started, w.next = true, idx+1
	uncommitted := w.uncommitted(idx)
	switch {
	case p == nil:
		if !uncommitted {
			w.rs.Damaged++
		}
		return nil
	case !w.created && !p.Key:
		if !uncommitted {
			w.rs.Dropped++
		}
		return nil
	case !w.created:
		if err := w.rec.CreateStream(*w.info); err != nil {
			return err
		}
		w.created = true
	}
	err := w.rec.Append(w.info.Name, p)
	switch {
	case err == nil:
	case errors.Is(err, ErrDuplicate):
		// A packet the new file holds already: the damaged file held it
		// at its own index too (its writer refused duplicates as this
		// one does), and a copy of its chunk was placed at another.
		// Nothing is lost.
		return nil
	case errors.Is(err, ErrNeedKeyframe), errors.Is(err, ErrBadPacket):
		if !uncommitted {
			w.rs.Dropped++
		}
		return nil
	default:
		return err
	}
	w.rs.Packets++
	if uncommitted {
		w.rs.Uncommitted++
	}
	if p.Key {
		w.rs.GOPs++
	}
	if w.rs.First.IsZero() {
		w.rs.First = p.CaptureTime
	}
	if p.CaptureTime.After(w.rs.Last) {
		w.rs.Last = p.CaptureTime
	}
	return nil
}

// decodeCopy decodes a copy of a chunk: its records' packets, nil for a
// record that does not decode, up to where its framing breaks (broken).
// The packets own their data.
func decodeCopy(cr *chunkReader, c salvage) (recs []*media.Packet, broken bool, err error) {
	b, err := cr.read(c.loc)
	if err != nil {
		return nil, false, err
	}
	_, framing := decodeChunk(b, 0, func(_, _ int, p *media.Packet, err error) bool {
		if err != nil {
			p = nil
		}
		recs = append(recs, p)
		return true
	})
	return recs, framing != nil, nil
}
