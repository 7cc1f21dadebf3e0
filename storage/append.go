package storage

import (
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gopline/gopline/media"
)

// pendingPacket is an appended packet that waits for the next commit.
type pendingPacket struct {
	st      *streamState
	index   uint64
	record  []byte
	payload int // the packet's data bytes
	key     bool
	capture int64 // Unix nanoseconds
}

// Append adds p to the named stream. The packet is encoded (its Data copied)
// at once, so Append keeps no reference to p, and it is committed with the
// next group commit: when the batch is full, at the first Append after the
// batch interval has passed, or at Flush or Close. Until then readers do not
// see it, and a crash loses it.
//
// Append assigns the packet the stream's next index. It refuses a packet
// that does not fit the stream (ErrBadPacket), one of another codec,
// picture size or raw pixel format than the stream's (ErrFormatChanged), a
// delta that does not continue the stream's chain (ErrNeedKeyframe: the
// stream then takes packets again from its next keyframe), and a packet the
// stream already has (ErrDuplicate), by the chain rule of media.Chain.
//
// When the commit that Append triggers fails, Append returns a *WriteError
// (ErrDiskFull or ErrWriteFailed): the whole batch is dropped, its indexes
// are given out again, and every stream of the batch waits for a keyframe.
// Append then drops packets, each with a *WriteError, until the first
// keyframe after RetryInterval, which it commits at once to try writing
// again (see WriteError).
func (r *Recording) Append(stream string, p *media.Packet) error {
	if p == nil {
		return r.errorf(ErrBadPacket, "stream %q: nil packet", stream)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.writableLocked(); err != nil {
		return err
	}
	st := r.streams[stream]
	if st == nil {
		return r.errorf(ErrNoStream, "stream %q", stream)
	}
	if err := r.checkPacket(st, p); err != nil {
		return err
	}
	now := r.cfg.clock()
	if err := r.waitingLocked(st, p.Key, now); err != nil {
		return err
	}
	switch l := st.chain.Check(p); {
	case l == media.LinkDuplicate:
		return r.errorf(ErrDuplicate, "stream %q: seq %d, epoch %x", stream, p.Seq, p.Epoch)
	case !l.Decodes():
		st.chain.Take(p)
		return r.errorf(ErrNeedKeyframe, "stream %q: delta seq %d of GOP %d, epoch %x: %v", stream, p.Seq, p.GOP, p.Epoch, l)
	}
	if back := st.wentBack(p); back > 0 && !r.cfg.timeSteps {
		return fmt.Errorf("%w (%w, %w): %s: stream %q: a keyframe captured %v before the stream's latest packet (%s): its clock stepped back",
			ErrTimeWentBack, ErrFormatChanged, ErrBadPacket, r.path, stream, back, time.Unix(0, st.latest).UTC().Format(time.RFC3339Nano))
	}
	record := encodeRecord(p)
	if len(r.pending) == 0 {
		r.pendingSince = now
	}
	r.pending = append(r.pending, pendingPacket{
		st: st, index: st.next, record: record, payload: len(p.Data), key: p.Key, capture: p.CaptureTime.UnixNano(),
	})
	r.pendingBytes += len(record)
	st.next++
	st.chain.Take(p)
	st.latest = max(st.latest, p.CaptureTime.UnixNano())
	if st.width == 0 {
		st.width, st.height = p.Width, p.Height
	}
	if r.failing != nil || len(r.pending) >= r.cfg.batchPackets || r.pendingBytes >= maxBatchBytes ||
		(r.cfg.batchInterval > 0 && now.Sub(r.pendingSince) >= r.cfg.batchInterval) {
		return r.commitLocked()
	}
	return nil
}

// checkPacket returns an error wrapping ErrBadPacket when p cannot be stored
// in st.
func (r *Recording) checkPacket(st *streamState, p *media.Packet) error {
	name := st.info.Name
	if err := p.Validate(); err != nil {
		return r.errorf(ErrBadPacket, "stream %q: %v", name, err)
	}
	if p.Format != media.PixelFormatUnknown && !p.Format.Valid() {
		return r.errorf(ErrBadPacket, "stream %q: pixel format %v", name, p.Format)
	}
	if changed := st.formatChange(p); changed != "" {
		return fmt.Errorf("%w (%w): %s: stream %q: %s", ErrFormatChanged, ErrBadPacket, r.path, name, changed)
	}
	if t := p.CaptureTime; t.IsZero() || !time.Unix(0, t.UnixNano()).Equal(t) {
		return r.errorf(ErrBadPacket, "stream %q: capture time %v is not in Unix nanoseconds' range", name, t)
	}
	if int64(len(p.Data)) > bolt.MaxValueSize-chunkHeaderSize-maxRecordHeaderSize {
		return r.errorf(ErrBadPacket, "stream %q: %d bytes of data, more than bbolt stores in a value", name, len(p.Data))
	}
	return nil
}

// TimeStepTolerance is how far before its stream's latest packet a
// keyframe may be captured before it counts as a clock that stepped back
// (ErrTimeWentBack): a clock that NTP corrects by less is slewed, or
// stepped too little to matter to a recording's index.
const TimeStepTolerance = time.Second

// wentBack returns how long before st's latest packet p, a keyframe, was
// captured, when by more than TimeStepTolerance; else 0. Deltas are not
// checked: with B-frames they present earlier pictures after later ones.
func (st *streamState) wentBack(p *media.Packet) time.Duration {
	if !p.Key || st.latest == 0 {
		return 0
	}
	if back := time.Duration(st.latest - p.CaptureTime.UnixNano()); back > TimeStepTolerance {
		return back
	}
	return 0
}

// formatChange says how p's format differs from st's, or returns "" when
// it does not.
func (st *streamState) formatChange(p *media.Packet) string {
	switch {
	case p.Codec != st.info.Codec:
		return fmt.Sprintf("the stream is %v, the packet %v", st.info.Codec, p.Codec)
	case st.width != 0 && (p.Width != st.width || p.Height != st.height):
		return fmt.Sprintf("the stream's pictures are %dx%d, the packet's %dx%d", st.width, st.height, p.Width, p.Height)
	case st.info.Codec == media.Raw && p.Format != st.info.Format:
		return fmt.Sprintf("the stream's pixel format is %v, the packet's %v", st.info.Format, p.Format)
	}
	return ""
}

// Flush commits the pending packets now. The owner of a Recording calls it
// on a timer (the recorder actor does, on a timer message), so that packets
// are committed within the batch interval even when no further Append comes.
// A failed commit drops the batch as described at Append; while writes
// fail, nothing is pending and Flush returns nil.
func (r *Recording) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.writableLocked(); err != nil {
		return err
	}
	return r.commitLocked()
}

// batchStream is one stream's share of a commit.
type batchStream struct {
	st         *streamState
	sb         streamBuckets
	counters   streamCounters
	packets    []pendingPacket // in the order they were appended
	newSegment bool            // the batch opens the stream's segment of this session
}

// commitLocked writes the pending packets in one bbolt transaction, then
// applies retention in the same transaction.
func (r *Recording) commitLocked() error {
	batch := r.pending
	if len(batch) == 0 {
		return nil
	}
	defer func() {
		clear(batch) // drop the records
		r.pending, r.pendingBytes = batch[:0], 0
	}()
	now := r.cfg.clock()
	var streams []*batchStream // in the order of their first packets
	byState := make(map[*streamState]*batchStream)
	newest := int64(math.MinInt64) // the batch's newest capture time
	for _, pp := range batch {
		newest = max(newest, pp.capture)
		bs := byState[pp.st]
		if bs == nil {
			bs = &batchStream{st: pp.st}
			byState[pp.st] = bs
			streams = append(streams, bs)
		}
		bs.packets = append(bs.packets, pp)
	}
	var k kept
	write := func() error {
		return r.update(func(tx *bolt.Tx) error {
			for _, bs := range streams {
				if err := r.writeStream(tx, bs); err != nil {
					return err
				}
			}
			if err := r.retain(tx, ageEnd(now, newest)); err != nil {
				return err
			}
			var err error
			k, err = r.countKept(tx)
			return err
		})
	}
	err := write()
	// With WithOverwriteOldest a full disk costs the oldest GOPs: room
	// for twice the batch, then four times, in case the first was not
	// enough for bbolt's pages around it.
	need := 2 * int64(r.pendingBytes)
	for try := 0; err != nil && try < makeRoomTries && r.mayMakeRoom(err); try++ {
		unsegment(streams)
		if !r.makeRoomLocked(need << try) {
			break
		}
		err = write()
	}
	if err == nil {
		r.kept, r.failing = k, nil
		return nil
	}
	unsegment(streams)
	for _, bs := range streams {
		bs.st.next = bs.packets[0].index
		bs.st.chain.Break()
	}
	return r.failLocked(err, len(batch), now, r.unmapped())
}

// makeRoomTries is how many times a commit that found no room makes more
// and is tried again (WithOverwriteOldest).
const makeRoomTries = 2

// unsegment undoes what a failed commit's writeStream noted of the
// segments it opened, which the transaction's rollback took back.
func unsegment(streams []*batchStream) {
	for _, bs := range streams {
		if bs.newSegment {
			bs.st.sessionSegmented, bs.newSegment = false, false
		}
	}
}

// mayMakeRoom reports whether a commit that failed with err may make room
// from the oldest GOPs and try again: the recording overwrites its oldest
// (WithOverwriteOldest), the disk is full, and bbolt still maps the file.
func (r *Recording) mayMakeRoom(err error) bool {
	return r.cfg.overwrite && writeErrorKind(err) == ErrDiskFull && !r.unmapped()
}

// makeRoomLocked makes room elsewhere when it can (WithRoomElsewhere), or
// else deletes the oldest GOPs of all streams, at least bytes of
// payload, in a transaction of its own: bbolt reuses their pages for the
// commits after it, so the file needs no more room on the disk. It reports
// whether it deleted any; the deletion needs a few pages itself, and finds
// none when the file has no free page and the disk no room.
func (r *Recording) makeRoomLocked(bytes int64) bool {
	if r.cfg.roomElsewhere != nil && r.cfg.roomElsewhere() {
		return true
	}
	var gops, freed int64
	err := r.update(func(tx *bolt.Tx) error {
		buckets, names, err := r.streamBucketsOf(tx)
		if err != nil {
			return err
		}
		gops, freed, err = r.deleteOldest(buckets, names, bytes)
		return err
	})
	if err != nil || gops == 0 {
		return false
	}
	r.overwritten.gops += gops
	r.overwritten.bytes += freed
	return true
}

// Overwritten returns the GOPs, and their payload bytes, that a full disk
// cost the recording since it was opened (WithOverwriteOldest): deleted
// to make room for newer packets.
func (r *Recording) Overwritten() (gops, bytes int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.overwritten.gops, r.overwritten.bytes
}

// writeStream writes one stream's share of a commit: its packets into
// chunks, its index entries, its segment entry when the batch opens this
// session's segment, and its counters.
func (r *Recording) writeStream(tx *bolt.Tx, bs *batchStream) error {
	name := bs.st.info.Name
	sb, ok := openStreamBuckets(tx, name)
	if !ok {
		return r.errorf(ErrCorruptFile, "stream %q: missing buckets", name)
	}
	sb.appendOnly()
	c, err := sb.counters()
	if err != nil {
		return r.errorf(ErrCorruptFile, "stream %q: %v", name, err)
	}
	bs.sb, bs.counters = sb, c
	if !bs.st.sessionSegmented {
		if err := sb.segments.Put(indexKey(bs.packets[0].index), nanosValue(r.opened.UnixNano())); err != nil {
			return err
		}
		bs.counters.segments++
		bs.newSegment, bs.st.sessionSegmented = true, true
	}
	open, err := openChunk(sb.root, bs.packets)
	if err != nil {
		return r.errorf(ErrCorruptFile, "stream %q: %v", name, err)
	}
	if err := writeChunks(sb.root, open, bs.packets); err != nil {
		return err
	}
	for _, pp := range bs.packets {
		if err := bs.index(pp); err != nil {
			return err
		}
	}
	return sb.root.Put([]byte(keyCounters), bs.counters.encode())
}

// openChunk returns a copy of the stream's last chunk when the first of the
// packets of a commit may join it: the packet is a delta, the chunk ends just
// before it and decodes to its end, and it is small enough to write over
// again (rewriteRatio, maxRewriteBytes). Otherwise it returns a chunk with a
// nil b: the packets start a new chunk.
func openChunk(stream *bolt.Bucket, packets []pendingPacket) (storedChunk, error) {
	if packets[0].key {
		return storedChunk{}, nil
	}
	adding := 0
	for _, pp := range packets {
		adding += len(pp.record)
	}
	last, ok, err := newChunkCursor(stream).last()
	if err != nil || !ok || len(last.b) > min(rewriteRatio*adding, maxRewriteBytes) {
		return storedChunk{}, err
	}
	if s := summarizeChunk(last.b); s.broken || last.first+uint64(s.records) != packets[0].index {
		return storedChunk{}, nil
	}
	// Room for this commit's records and no more: the chunk is written
	// over again at every commit, and a copy sized at maxChunkBytes would
	// be 64 KiB of garbage each time.
	b := make([]byte, len(last.b), min(len(last.b)+adding, maxChunkBytes))
	copy(b, last.b)
	return storedChunk{first: last.first, b: b}, nil
}

// writeChunks puts a stream's packets of one commit into chunks: into open,
// the stream's open chunk, while they may join it, and into new chunks
// after, each closed at a keyframe or at maxChunkBytes.
func writeChunks(stream *bolt.Bucket, open storedChunk, packets []pendingPacket) error {
	changed := false // open holds packets of this commit
	for _, pp := range packets {
		if open.b == nil || pp.key || !chunkTakes(len(open.b), len(pp.record)) {
			if changed {
				if err := putChunk(stream, open.first, open.b); err != nil {
					return err
				}
			}
			open = storedChunk{first: pp.index, b: newChunk(pp.record)}
		} else {
			open.b = append(open.b, pp.record...)
		}
		changed = true
	}
	return putChunk(stream, open.first, open.b)
}

// index adds a packet's index entries and counts it. Index entries have
// empty values: their keys say it all.
func (bs *batchStream) index(pp pendingPacket) error {
	if pp.key {
		if err := bs.sb.keys.Put(timeKey(pp.capture, pp.index), []byte{}); err != nil {
			return err
		}
		if err := bs.sb.gops.Put(indexKey(pp.index), nanosValue(pp.capture)); err != nil {
			return err
		}
		bs.counters.gops++
	}
	bs.counters.packets++
	bs.counters.payload += int64(pp.payload)
	return nil
}
