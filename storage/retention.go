package storage

import (
	"encoding/binary"
	"math"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// gopBounds is a stream's oldest GOP: the indexes of its keyframe and of the
// next keyframe, and their capture times.
type gopBounds struct {
	first, next         uint64
	firstTime, nextTime int64
}

// oldestGOP returns the stream's oldest GOP. ok is false when the stream has
// fewer than two GOPs: its newest GOP is never deleted.
func oldestGOP(sb streamBuckets) (g gopBounds, ok bool) {
	c := sb.gops.Cursor()
	k0, v0 := c.First()
	k1, v1 := c.Next()
	if len(k0) != 8 || len(k1) != 8 || len(v0) != 8 || len(v1) != 8 {
		return g, false
	}
	return gopBounds{
		first: binary.BigEndian.Uint64(k0), next: binary.BigEndian.Uint64(k1),
		firstTime: int64(binary.BigEndian.Uint64(v0)), nextTime: int64(binary.BigEndian.Uint64(v1)),
	}, true
}

// newestOf returns the capture time of g's last packet, the one before the
// next keyframe, read from the last chunk of g; when that record is damaged,
// the next keyframe's time.
func newestOf(sb streamBuckets, g gopBounds) int64 {
	ch, ok, err := newChunkCursor(sb.root).seek(g.next - 1)
	if err != nil || !ok || ch.first < g.first || ch.first >= g.next {
		return g.nextTime
	}
	if s := summarizeChunk(ch.b); s.tail && ch.first+uint64(s.records) == g.next {
		return s.last.capture
	}
	return g.nextTime
}

// ageEnd is the time a recording's ages count back from at a commit at now
// of packets whose newest was captured at newest (Unix nanoseconds): now,
// or newest when the clock is ahead of it. A camera's timeline keeps the
// wall clock's time at its start, so a clock set forward after that (a
// robot without a battery-backed clock, set by NTP after its cameras
// started) would otherwise make every GOP old at once, and retention would
// keep the newest GOP of each stream alone.
func ageEnd(now time.Time, newest int64) time.Time {
	if n := time.Unix(0, newest); newest != math.MinInt64 && n.Before(now) {
		return n
	}
	return now
}

// retain applies the retention limits in the commit's transaction. By age it
// deletes, per stream, every GOP whose last packet was captured at or before
// now - maxAge: with capture times that do not go backwards, all of that
// GOP's packets are then older than maxAge. By bytes it deletes the oldest
// GOP of all streams (by its keyframe's capture time) until the payload of
// all streams fits maxBytes. Neither deletes a stream's newest GOP, so a
// recording may stay above its limits by that much.
func (r *Recording) retain(tx *bolt.Tx, now time.Time) error {
	if r.cfg.maxAge == 0 && r.cfg.maxBytes == 0 {
		return nil
	}
	buckets, names, err := r.streamBucketsOf(tx)
	if err != nil {
		return err
	}
	if r.cfg.maxAge > 0 {
		cutoff := int64(math.MinInt64)
		if c := now.Add(-r.cfg.maxAge); c.After(time.Unix(0, math.MinInt64)) {
			cutoff = c.UnixNano()
		}
		for i, sb := range buckets {
			for {
				g, ok := oldestGOP(sb)
				if !ok || newestOf(sb, g) > cutoff {
					break
				}
				if _, err := r.deleteGOP(sb, names[i], g); err != nil {
					return err
				}
			}
		}
	}
	if r.cfg.maxBytes > 0 {
		var total int64
		for i, sb := range buckets {
			c, err := sb.counters()
			if err != nil {
				return r.errorf(ErrCorruptFile, "stream %q: %v", names[i], err)
			}
			total += c.payload
		}
		if _, _, err := r.deleteOldest(buckets, names, total-r.cfg.maxBytes); err != nil {
			return err
		}
	}
	return nil
}

// streamBucketsOf opens the buckets of every stream of the recording in
// tx, in the order of their names.
func (r *Recording) streamBucketsOf(tx *bolt.Tx) ([]streamBuckets, []string, error) {
	names := make([]string, 0, len(r.streams))
	for name := range r.streams {
		names = append(names, name)
	}
	sort.Strings(names)
	buckets := make([]streamBuckets, len(names))
	for i, name := range names {
		sb, ok := openStreamBuckets(tx, name)
		if !ok {
			return nil, nil, r.errorf(ErrCorruptFile, "stream %q: missing buckets", name)
		}
		buckets[i] = sb
	}
	return buckets, names, nil
}

// deleteOldest deletes the oldest GOP of all streams (by its keyframe's
// capture time), again and again, until the payload it freed reaches
// bytes, or only the streams' newest GOPs are left. It returns the GOPs it
// deleted and their payload.
func (r *Recording) deleteOldest(buckets []streamBuckets, names []string, bytes int64) (gops, freed int64, err error) {
	for freed < bytes {
		oldest, og := -1, gopBounds{}
		for i, sb := range buckets {
			if g, ok := oldestGOP(sb); ok && (oldest < 0 || g.firstTime < og.firstTime) {
				oldest, og = i, g
			}
		}
		if oldest < 0 {
			break
		}
		n, err := r.deleteGOP(buckets[oldest], names[oldest], og)
		if err != nil {
			return gops, freed, err
		}
		gops, freed = gops+1, freed+n
	}
	return gops, freed, nil
}

// deleteGOP deletes the chunks of g, from its keyframe up to the next, with
// its keyframe's index entries, and returns the payload bytes it freed. A
// chunk never spans two GOPs, so g's chunks are those whose keys lie in
// [g.first, g.next). Each chunk holds the packets up to the next chunk's key,
// which gives its packet count; its payload is read from its records' headers
// (chunkPayload).
func (r *Recording) deleteGOP(sb streamBuckets, name string, g gopBounds) (int64, error) {
	type doomed struct {
		first uint64
		b     []byte // valid for the life of the transaction
	}
	var chunks []doomed
	var freed, packets int64
	cc := newChunkCursor(sb.root)
	ch, ok, err := cc.seek(g.first)
	if ok && ch.first < g.first {
		ch, ok, err = cc.next()
	}
	for ; ok && ch.first < g.next; ch, ok, err = cc.next() {
		chunks = append(chunks, doomed{ch.first, ch.b})
	}
	if err != nil {
		return 0, r.errorf(ErrCorruptFile, "stream %q: %v", name, err)
	}
	for i, c := range chunks {
		end := g.next
		if i+1 < len(chunks) {
			end = chunks[i+1].first
		}
		freed += chunkPayload(c.b, end-c.first)
		packets += int64(end - c.first)
		if err := sb.root.DeleteBucket(chunkKey(c.first)); err != nil {
			return 0, err
		}
	}
	keyframes := int64(0)
	if v := sb.gops.Get(indexKey(g.first)); v != nil {
		if err := sb.keys.Delete(timeKey(g.firstTime, g.first)); err != nil {
			return 0, err
		}
		if err := sb.gops.Delete(indexKey(g.first)); err != nil {
			return 0, err
		}
		keyframes++
	}
	cnt, err := sb.counters()
	if err != nil {
		return 0, r.errorf(ErrCorruptFile, "stream %q: %v", name, err)
	}
	// Counts of a damaged file may disagree; they must not go negative.
	cnt.packets = max(0, cnt.packets-packets)
	cnt.payload = max(0, cnt.payload-freed)
	cnt.gops = max(0, cnt.gops-keyframes)
	if err := sb.root.Put([]byte(keyCounters), cnt.encode()); err != nil {
		return 0, err
	}
	return freed, nil
}
