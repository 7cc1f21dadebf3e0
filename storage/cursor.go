package storage

import (
	"errors"
	"fmt"
	"io"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gopline/gopline/media"
)

// A Cursor reads batches of at most cursorBatchPackets packets, or of about
// cursorBatchBytes, per read transaction: a transaction is short, so it never
// holds back a writer that needs to grow the file's mapping, and a batch
// amortizes the walk down the B-tree. The first batch after a seek holds one
// packet and each next one twice as many, so that a seek does not pay for
// read-ahead that a reader may not want.
const (
	cursorBatchPackets = 64
	cursorBatchBytes   = 4 << 20
)

// Cursor reads one stream's committed packets in index order (the order they
// were appended). Seek and Range return one.
//
// A Cursor holds no transaction between calls: each Next that runs out of
// read-ahead reads the next batch in a short read transaction and remembers
// where it stopped. It therefore sees packets committed after it was made,
// and when retention deletes GOPs under it, it continues at the oldest
// packet left, which is a keyframe.
//
// A Cursor is not safe for concurrent use.
type Cursor struct {
	rec    *Recording
	stream string
	next   uint64 // index of the first record not yet read into buf
	// end bounds a Range: Next stops at the first packet decoded at or
	// after end.
	end     int64
	bounded bool

	buf   []cursorItem
	pos   int
	batch int    // packets to read in the next batch
	index uint64 // index of the packet (or record) Next returned last
	done  bool   // a Range reached its end
	err   error  // sticky: ErrClosed, ErrCorruptFile
}

type cursorItem struct {
	index uint64
	p     *media.Packet
	err   error
}

// Seek returns a Cursor on the named stream positioned at the keyframe
// captured at or before t, the latest such keyframe, found in O(log n)
// through the keyframe index. Decoding from there up to t (and discarding
// the pictures before t) yields the picture at t. It returns ErrNoKeyframe
// when no keyframe was captured at or before t. The Cursor reads to the end
// of the stream.
func (r *Recording) Seek(stream string, t time.Time) (*Cursor, error) {
	start, err := r.keyframeAtOrBefore(stream, t)
	if err != nil {
		return nil, err
	}
	return &Cursor{rec: r, stream: stream, next: start}, nil
}

// Range returns a Cursor over the packets captured in [from, to) of the named
// stream. It starts, like Seek, at the keyframe at or before from, so its
// first packets may be older than from: they are needed to decode the
// picture at from. It stops at the first packet whose decode time
// (media.Packet.DecodeTime) is at or after to: every picture captured
// before to is decoded before it, since a picture is never presented before
// it is decoded. In a stream with reordering, the last packets before it
// may hold pictures captured at or after to, which their neighbours need.
// A range that begins before the stream's first keyframe starts at that
// keyframe, as ros2 bag play's start offset before a bag's start plays it
// from its start; one that ends before it too is ErrNoKeyframe.
func (r *Recording) Range(stream string, from, to time.Time) (*Cursor, error) {
	if !to.After(from) {
		return nil, r.errorf(ErrBadRange, "stream %q: [%v, %v)", stream, from, to)
	}
	start, err := r.keyframeAtOrBefore(stream, from)
	if errors.Is(err, ErrNoKeyframe) {
		start, err = r.keyframeAtOrBefore(stream, to.Add(-time.Nanosecond))
		if err == nil {
			start, err = r.firstKeyframe(stream)
		}
	}
	if err != nil {
		return nil, err
	}
	end, ok := clampNanos(to)
	return &Cursor{rec: r, stream: stream, next: start, end: end, bounded: ok}, nil
}

// clampNanos returns t in Unix nanoseconds; ok is false when t lies after
// the range of int64 nanoseconds (no packet can be that late).
func clampNanos(t time.Time) (int64, bool) {
	switch {
	case t.Before(time.Unix(0, minNanos)):
		return minNanos, true
	case t.After(time.Unix(0, maxNanos)):
		return 0, false
	}
	return t.UnixNano(), true
}

const (
	minNanos = -1 << 63
	maxNanos = 1<<63 - 1
)

// keyframeAtOrBefore finds, in the keyframe index, the index of the latest
// keyframe captured at or before t.
func (r *Recording) keyframeAtOrBefore(stream string, t time.Time) (uint64, error) {
	var index uint64
	err := r.view(func(tx *bolt.Tx) error {
		sb, ok := openStreamBuckets(tx, stream)
		if !ok {
			return r.errorf(ErrNoStream, "stream %q", stream)
		}
		nanos, ok := clampNanos(t)
		if !ok {
			nanos = maxNanos
		}
		c := sb.keys.Cursor()
		// The first entry after (t, any index); the one before it is ours.
		k, _ := c.Seek(timeKey(nanos, 1<<64-1))
		if k == nil {
			k, _ = c.Last()
		} else if kt, _, _ := splitTimeKey(k); kt > nanos {
			k, _ = c.Prev()
		}
		for ; k != nil; k, _ = c.Prev() {
			kt, i, ok := splitTimeKey(k)
			if !ok || kt > nanos {
				continue
			}
			if hasChunk(sb.root, i) { // skip an entry whose packet is gone
				index = i
				return nil
			}
		}
		return r.errorf(ErrNoKeyframe, "stream %q at %v", stream, t)
	})
	return index, err
}

// firstKeyframe finds, in the keyframe index, the index of the stream's
// first keyframe whose packet is there.
func (r *Recording) firstKeyframe(stream string) (uint64, error) {
	var index uint64
	err := r.view(func(tx *bolt.Tx) error {
		sb, ok := openStreamBuckets(tx, stream)
		if !ok {
			return r.errorf(ErrNoStream, "stream %q", stream)
		}
		c := sb.keys.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if _, i, ok := splitTimeKey(k); ok && hasChunk(sb.root, i) {
				index = i
				return nil
			}
		}
		return r.errorf(ErrNoKeyframe, "stream %q", stream)
	})
	return index, err
}

// Next returns the next packet. At the end of the stream's committed packets
// (or of a Range) it returns io.EOF; calling Next again after io.EOF returns
// packets committed since, except at the end of a Range, which is final.
//
// The packet and its Data belong to the caller: they are copied out of the
// file and stay valid after the Cursor and the Recording are closed.
//
// A record that does not decode makes Next return an error wrapping
// ErrCorruptRecord that names the stream and the record's index; the Cursor
// moves past it, so the next call goes on with the following packet, or,
// when the record's header does not say where it ends, with the first packet
// of the next chunk. After such a record the packets up to the next keyframe
// may not decode. Other errors (ErrClosed, and ErrCorruptFile for a damaged
// page of the file) end the Cursor: Next returns them again.
func (c *Cursor) Next() (*media.Packet, error) {
	if c.err != nil {
		return nil, c.err
	}
	if c.done {
		return nil, io.EOF
	}
	if c.pos == len(c.buf) {
		if err := c.fill(); err != nil {
			c.err = err // the Recording is closed, or its file is damaged
			return nil, err
		}
		if len(c.buf) == 0 {
			return nil, io.EOF
		}
	}
	it := c.buf[c.pos]
	c.buf[c.pos] = cursorItem{}
	c.pos++
	c.index = it.index
	if it.err != nil {
		return nil, c.rec.errorf(ErrCorruptRecord, "stream %q, packet %d: %v", c.stream, it.index, it.err)
	}
	if c.bounded && it.p.DecodeTime().UnixNano() >= c.end {
		c.done, c.buf, c.pos = true, nil, 0
		return nil, io.EOF
	}
	return it.p, nil
}

// Index returns the index of the packet that Next returned last (or of the
// record whose error it returned). Indexes count a stream's appended packets
// from 0.
func (c *Cursor) Index() uint64 { return c.index }

// Close releases the Cursor's read-ahead. Next then returns ErrClosed. Close
// always returns nil.
func (c *Cursor) Close() error {
	c.buf, c.pos = nil, 0
	c.err = fmt.Errorf("%w: cursor of stream %q", ErrClosed, c.stream)
	return nil
}

// fill reads the next batch in one read transaction: from the chunk that
// holds c.next, found in O(log n), through the chunks after it.
func (c *Cursor) fill() error {
	c.buf, c.pos = c.buf[:0], 0
	c.batch = min(max(2*c.batch, 1), cursorBatchPackets)
	return c.rec.view(func(tx *bolt.Tx) error {
		sb, ok := openStreamBuckets(tx, c.stream)
		if !ok {
			return c.rec.errorf(ErrNoStream, "stream %q", c.stream)
		}
		cc := newChunkCursor(sb.root)
		start, bytes := c.next, 0
		ch, ok, err := cc.seek(c.next)
		for ok && len(c.buf) < c.batch && bytes < cursorBatchBytes {
			bytes += c.read(ch, bytes)
			prev := ch.first
			ch, ok, err = cc.next()
			if ok && ch.first <= prev {
				ok, err = false, fmt.Errorf("chunk key %d after %d", ch.first, prev)
			}
		}
		if err == nil && c.next < start {
			err = fmt.Errorf("packet index wrapped around after %d", start)
		}
		if err != nil {
			// A damaged page. Stop rather than loop.
			return c.rec.errorf(ErrCorruptFile, "stream %q: %v", c.stream, err)
		}
		return nil
	})
}

// read decodes the records of ch from index c.next on into the batch until
// the batch is full, and returns the bytes it added to the batch's bytes.
func (c *Cursor) read(ch storedChunk, bytes int) int {
	added := 0
	add := func(it cursorItem, size int) bool {
		c.buf = append(c.buf, it)
		c.next = it.index + 1
		if it.p != nil {
			added += size
		}
		return len(c.buf) < c.batch && bytes+added < cursorBatchBytes
	}
	if ch.first > c.next {
		// Retention deleted packets under the cursor: go on with the
		// oldest packet left.
		c.next = ch.first
	}
	skip := c.next - ch.first
	if skip > uint64(len(ch.b)) {
		return 0 // the chunk ends before c.next: no record is that short
	}
	n, err := decodeChunk(ch.b, int(skip), func(j, size int, p *media.Packet, err error) bool {
		return add(cursorItem{index: ch.first + uint64(j), p: p, err: err}, size)
	})
	if i := ch.first + uint64(n); err != nil && i >= c.next {
		// The records from i on are lost; report them once.
		add(cursorItem{index: i, err: err}, 0)
	}
	return added
}
