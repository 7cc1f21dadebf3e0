package storage

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gopline/gopline/media"
)

// pendingPacket is an appended packet that waits for the next commit.
type pendingPacket struct {
	st      *streamState
	index   uint64
	record  []byte
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
// that does not fit the stream (ErrBadPacket) and a delta that does not
// continue the stream's chain (ErrNeedKeyframe): the stream then takes
// packets again from its next keyframe. When the commit that Append triggers
// fails, Append returns that error: the whole batch is dropped, its indexes
// are given out again, and every stream of the batch waits for a keyframe.
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
	if !p.Key && !(st.chain && p.Epoch == st.epoch && p.GOP == st.gop && p.Seq == st.seq+1) {
		st.chain = false
		return r.errorf(ErrNeedKeyframe, "stream %q: delta seq %d of GOP %d, epoch %x", stream, p.Seq, p.GOP, p.Epoch)
	}
	record := encodeRecord(p)
	now := r.cfg.clock()
	if len(r.pending) == 0 {
		r.pendingSince = now
	}
	r.pending = append(r.pending, pendingPacket{
		st: st, index: st.next, record: record, key: p.Key, capture: p.CaptureTime.UnixNano(),
	})
	r.pendingBytes += len(record)
	st.next++
	st.chain, st.epoch, st.gop, st.seq = true, p.Epoch, p.GOP, p.Seq
	if len(r.pending) >= r.cfg.batchPackets || r.pendingBytes >= maxBatchBytes ||
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
	if p.Codec != st.info.Codec {
		return r.errorf(ErrBadPacket, "stream %q is %v, packet is %v", name, st.info.Codec, p.Codec)
	}
	if p.Format != media.PixelFormatUnknown && !p.Format.Valid() {
		return r.errorf(ErrBadPacket, "stream %q: pixel format %v", name, p.Format)
	}
	if t := p.CaptureTime; t.IsZero() || !time.Unix(0, t.UnixNano()).Equal(t) {
		return r.errorf(ErrBadPacket, "stream %q: capture time %v is not in Unix nanoseconds' range", name, t)
	}
	if int64(len(p.Data)) > bolt.MaxValueSize-recordHeaderSize {
		return r.errorf(ErrBadPacket, "stream %q: %d bytes of data, more than bbolt stores in a value", name, len(p.Data))
	}
	return nil
}

// Flush commits the pending packets now. The owner of a Recording calls it
// on a timer (the recorder actor does, on a timer message), so that packets
// are committed within the batch interval even when no further Append comes.
// A failed commit drops the batch as described at Append.
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
	sb         streamBuckets
	counters   streamCounters
	newSegment bool // the batch opens the stream's segment of this session
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
	streams := make(map[*streamState]*batchStream)
	err := r.update(func(tx *bolt.Tx) error {
		for _, pp := range batch {
			bs, err := r.batchStreamFor(tx, streams, pp)
			if err != nil {
				return err
			}
			if err := writePacket(bs, pp); err != nil {
				return err
			}
		}
		for _, bs := range streams {
			if err := bs.sb.root.Put([]byte(keyCounters), bs.counters.encode()); err != nil {
				return err
			}
		}
		return r.retain(tx, now)
	})
	if err == nil {
		return nil
	}
	seen := make(map[*streamState]bool)
	for _, pp := range batch {
		if !seen[pp.st] {
			seen[pp.st] = true
			pp.st.next, pp.st.chain = pp.index, false
		}
	}
	for st, bs := range streams {
		if bs.newSegment {
			st.sessionSegmented = false
		}
	}
	return fmt.Errorf("storage: %s: commit of %d packets failed; they are dropped and their streams wait for a keyframe: %w", r.path, len(batch), err)
}

// batchStreamFor returns the batch's state of pp's stream, opening its
// buckets at the stream's first packet in the batch.
func (r *Recording) batchStreamFor(tx *bolt.Tx, streams map[*streamState]*batchStream, pp pendingPacket) (*batchStream, error) {
	if bs := streams[pp.st]; bs != nil {
		return bs, nil
	}
	name := pp.st.info.Name
	sb, ok := openStreamBuckets(tx, name)
	if !ok {
		return nil, r.errorf(ErrCorruptFile, "stream %q: missing buckets", name)
	}
	sb.appendOnly()
	c, err := sb.counters()
	if err != nil {
		return nil, r.errorf(ErrCorruptFile, "stream %q: %v", name, err)
	}
	bs := &batchStream{sb: sb, counters: c}
	streams[pp.st] = bs
	if !pp.st.sessionSegmented {
		if err := sb.segments.Put(indexKey(pp.index), nanosValue(r.opened.UnixNano())); err != nil {
			return nil, err
		}
		bs.counters.segments++
		bs.newSegment, pp.st.sessionSegmented = true, true
	}
	return bs, nil
}

// writePacket puts one packet and its index entries. Index entries have
// empty values: their keys say it all.
func writePacket(bs *batchStream, pp pendingPacket) error {
	if err := bs.sb.packets.Put(indexKey(pp.index), pp.record); err != nil {
		return err
	}
	if err := bs.sb.time.Put(timeKey(pp.capture, pp.index), []byte{}); err != nil {
		return err
	}
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
	bs.counters.payload += payloadOf(pp.record)
	return nil
}
