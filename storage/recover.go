package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gopline/gopline/media"
)

// ErrNothingRecovered means Recover found no packet it could salvage: the
// file is empty, is not a recording, or none of its chunks holds a
// keyframe whose records decode. The error says what the scan found.
var ErrNothingRecovered = errors.New("storage: nothing could be recovered")

// RecoverResult is what Recover salvaged.
type RecoverResult struct {
	// PageSize is the damaged file's page size, as its meta page says or as
	// the scan found it; Pages counts the pages scanned.
	PageSize int
	Pages    int64
	// Streams are the streams written to the new file, with what each
	// salvaged and lost.
	Streams []RecoveredStream
	// Lost names the streams found in the damaged file of which no packet
	// could be salvaged.
	Lost []string
}

// Packets is the number of packets written, in all streams.
func (r RecoverResult) Packets() int64 {
	var n int64
	for _, s := range r.Streams {
		n += s.Packets
	}
	return n
}

// RecoveredStream is one stream of a recovered recording.
type RecoveredStream struct {
	// Name is the stream's name in the new file. Renamed is set when the
	// damaged file lost it: the stream is then named recovered-1,
	// recovered-2, ..., and its codec and size come from its packets.
	Name    string
	Renamed bool
	Codec   media.Codec
	// Packets and GOPs are what was written, from the keyframe of each
	// GOP kept on.
	Packets, GOPs int64
	// First and Last are the capture times of the first and the last
	// packet written.
	First, Last time.Time
	// Counted is the number of packets the damaged file's newest readable
	// counters held for the stream, or 0 when they were not found.
	Counted int64
	// Damaged counts the records that failed to decode (checksum, framing);
	// Dropped counts packets that decoded but were left out: the rest of a
	// GOP whose keyframe is lost, or a packet that does not follow the one
	// before. Missing counts the packets that no chunk found: when Counted
	// is known, those it counts that were neither written, damaged nor
	// dropped, so that the four add up to Counted (unless Counted is older
	// than the chunks found); else the indexes between the chunks found
	// that no chunk held. All three count packets, and only packets lost:
	// a packet found twice (in two copies of a chunk) is written once and
	// counted nowhere.
	Damaged, Dropped, Missing int64
	// UnreadableChunks counts the chunks whose pages were lost or hold
	// nothing that decodes: their packets are among the Missing.
	UnreadableChunks int64
	// Uncommitted counts the packets written that the damaged file's last
	// complete commit did not hold: a commit cut short (a full disk, a
	// kill) wrote them to pages before it failed, and the recorder counted
	// them lost. They are among Packets but not among what Counted counts;
	// the records of such a commit that do not decode are counted nowhere,
	// as the file never held them.
	Uncommitted int64
}

// Lost is the number of packets the damaged file counted for the stream
// that were not written, or 0 when it is not known.
func (s RecoveredStream) Lost() int64 { return max(0, s.Counted-s.Committed()) }

// Committed is the number of packets written that the damaged file's last
// complete commit held: Packets but the Uncommitted.
func (s RecoveredStream) Committed() int64 { return s.Packets - s.Uncommitted }

// Recover salvages what is intact of a damaged or truncated recording at
// src into a new recording at dst. It reads src's pages directly, not
// through bbolt, which trusts them: it finds the streams' buckets and their
// chunks wherever they lie (a truncated file's meta pages may point at
// pages it no longer holds), decodes every chunk's records strictly (each
// carries its CRC), and appends the packets that decode to dst through the
// writer, in index order and from a keyframe on, so that every stream of
// dst decodes from its first packet: the rest of a GOP whose keyframe is
// lost is left out.
//
// bbolt copies on write, so a file holds older copies of rewritten pages: of
// the copies of a chunk, Recover takes the one the newest meta page's tree
// reaches, else the one with the most records that decode, takes a record
// that copy lost from another copy that holds it whole, and writes no
// index twice. A stream whose name is lost but whose chunks remain is
// written as recovered-1 (and so on): such chunks are gathered by codec,
// picture size and encoder epoch, and those of a known stream's epoch are
// given back to it.
//
// Recover refuses a dst that exists (fs.ErrExist), and one named as another
// format's file (CheckName: ErrOtherFormat); and a src that is another
// format's file (a video, an MCAP file) with ErrNothingRecovered wrapping
// ErrNotRecording and ErrOtherFormat. It writes dst.*.tmp next
// to dst, and puts it in place only when something was salvaged;
// otherwise it returns an error wrapping ErrNothingRecovered. It holds a
// few dozen bytes per chunk found and one chunk's bytes at a time, not the
// packets.
func Recover(src, dst string) (RecoverResult, error) {
	var res RecoverResult
	if _, err := os.Lstat(dst); err == nil {
		return res, fmt.Errorf("storage: recover into %s: %w", dst, fs.ErrExist)
	}
	if err := CheckName(dst); err != nil {
		return res, err
	}
	f, err := os.Open(src)
	if err != nil {
		return res, fmt.Errorf("storage: recover: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	switch {
	case err != nil:
		return res, fmt.Errorf("storage: recover: %w", err)
	case fi.IsDir():
		return res, fmt.Errorf("%w: %s is a directory", ErrNothingRecovered, src)
	case fi.Size() == 0:
		return res, fmt.Errorf("%w: %s is an empty file", ErrNothingRecovered, src)
	}
	if kind, _, err := SniffFile(src); err == nil && kind.IsOther() {
		return res, fmt.Errorf("%w: %w: %w: %s: this is %s, not a recording", ErrNothingRecovered, ErrNotRecording, ErrOtherFormat, src, kind)
	}
	scan, err := scanPages(f, fi.Size())
	if err != nil {
		return res, fmt.Errorf("storage: recover: %s: %w", src, err)
	}
	res.PageSize, res.Pages = int(scan.pageSize), scan.pages
	cr := &chunkReader{r: f}
	plan, err := planSalvage(scan, cr)
	if err != nil {
		return res, fmt.Errorf("storage: recover: %s: %w", src, err)
	}
	switch {
	case len(plan.streams) == 0 && len(scan.metas) == 0 && scan.found() == 0:
		return res, fmt.Errorf("%w: %w: %s: no page of a recording found (%s)", ErrNothingRecovered, ErrNotRecording, src, scan.describe())
	case len(plan.streams) == 0:
		res.Lost = plan.lost
		return res, fmt.Errorf("%w: %s: no chunk that decodes (%s)", ErrNothingRecovered, src, scan.describe())
	}
	clock := time.Now
	if !scan.created.IsZero() {
		created := scan.created
		clock = func() time.Time { return created }
	}
	tmp, err := reserveTemp(dst)
	if err != nil {
		return res, err
	}
	res.Streams, err = writeSalvage(tmp, plan, cr, clock)
	res.Lost = plan.lost
	if err == nil && res.Packets() == 0 {
		err = fmt.Errorf("%w: %s: its chunks hold no keyframe that decodes", ErrNothingRecovered, src)
	}
	if err == nil {
		err = syncFile(tmp)
	}
	if err == nil {
		err = publish(tmp, dst)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return res, err
	}
	return res, nil
}

// recoverHint ends the error of a file that Open finds truncated or
// damaged: what salvages it.
func recoverHint(path string) string {
	return "gopline recover " + shellWord(path) + " --out NEW salvages what is intact"
}

// shellWord is path as a hint's command line writes it: quoted when a
// shell would split it or read its characters.
func shellWord(path string) string {
	if strings.ContainsAny(path, " \t\n'\"\\$`") {
		return strconv.Quote(path)
	}
	return path
}

// writeSalvage writes the plan's streams into a new recording at path.
func writeSalvage(path string, plan *salvagePlan, cr *chunkReader, clock func() time.Time) ([]RecoveredStream, error) {
	// A batch of whole GOPs per commit, with one fsync of the file at the
	// end rather than two per commit: the new file is not in place until
	// it is complete.
	rec, err := Open(path, WithBatch(256, 0), WithSync(SyncNone), WithClock(clock))
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
	w := &streamWriter{rec: rec, rs: RecoveredStream{Name: ps.name, Renamed: ps.renamed, Counted: ps.counted, UnreadableChunks: ps.damaged}}
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
	w.rs.countMissing()
	return w.rs, nil
}

// committedEnd returns the index after the last packet that the damaged
// file's last complete commit held for the stream, or 0 when it is not
// known: the newest meta's tree was not found, or the copy of its last
// chunk that the tree reaches is lost or broken. Records past it were
// written by a commit cut short.
func committedEnd(ps plannedStream, cr *chunkReader) (uint64, error) {
	if !ps.committed {
		return 0, nil
	}
	for _, c := range ps.chunks {
		if c.first != ps.lastCommitted || c.rank != 2 {
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

// countMissing makes Missing, when the damaged file's counters are found,
// the packets they count that were neither written, damaged nor dropped:
// those of chunks lost before the first chunk found or after the last, as
// well as between. The indexes between the chunks found tell only when
// the counters are lost, and may tell more than was lost: the Seq of a
// chunk found without its key places it, and the Seq skips the packets
// that the recorder missed.
func (s *RecoveredStream) countMissing() {
	if s.Counted == 0 {
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

// reserveTemp creates a new empty file beside dst for Recover to write, and
// returns its name: Open starts a recording in an empty file.
func reserveTemp(dst string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("storage: recover: %w", err)
	}
	name := f.Name()
	if err := f.Close(); err != nil {
		_ = os.Remove(name)
		return "", fmt.Errorf("storage: recover: %w", err)
	}
	return name, nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("storage: recover: %w", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("storage: recover: %s: %w", path, err)
	}
	return nil
}

// publish puts the written file at dst, unless something appeared there
// meanwhile: a hard link fails when dst exists. A file system without hard
// links gets a rename after a last look.
func publish(tmp, dst string) error {
	err := os.Link(tmp, dst)
	switch {
	case err == nil:
		_ = os.Remove(tmp)
		return nil
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("storage: recover into %s: %w", dst, fs.ErrExist)
	}
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("storage: recover into %s: %w", dst, fs.ErrExist)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("storage: recover: %w", err)
	}
	return nil
}
