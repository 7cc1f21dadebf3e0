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
// next keyframe; when that record is damaged, the next keyframe's time.
func newestOf(sb streamBuckets, g gopBounds) int64 {
	if s, ok := summarizeRecord(sb.packets.Get(indexKey(g.next - 1))); ok {
		return s.capture
	}
	return g.nextTime
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
	names := make([]string, 0, len(r.streams))
	for name := range r.streams {
		names = append(names, name)
	}
	sort.Strings(names)
	buckets := make([]streamBuckets, len(names))
	for i, name := range names {
		sb, ok := openStreamBuckets(tx, name)
		if !ok {
			return r.errorf(ErrCorruptFile, "stream %q: missing buckets", name)
		}
		buckets[i] = sb
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
		for total > r.cfg.maxBytes {
			oldest, og := -1, gopBounds{}
			for i, sb := range buckets {
				if g, ok := oldestGOP(sb); ok && (oldest < 0 || g.firstTime < og.firstTime) {
					oldest, og = i, g
				}
			}
			if oldest < 0 {
				break
			}
			freed, err := r.deleteGOP(buckets[oldest], names[oldest], og)
			if err != nil {
				return err
			}
			total -= freed
		}
	}
	return nil
}

// deleteGOP deletes the packets of g, from its keyframe up to the next, with
// their index entries, and returns the payload bytes it freed. The keyframe
// entries come from the gops bucket; time index entries come from the
// records' headers, so a record with a damaged header leaves its time entry
// behind (readers skip entries whose packet is gone).
func (r *Recording) deleteGOP(sb streamBuckets, name string, g gopBounds) (int64, error) {
	var (
		indexes   []uint64
		timeKeys  [][]byte
		freed     int64
		keyframes int64
	)
	c := sb.packets.Cursor()
	for k, v := c.Seek(indexKey(g.first)); k != nil; k, v = c.Next() {
		if len(k) != 8 {
			return 0, r.errorf(ErrCorruptFile, "stream %q: packet key %x", name, k)
		}
		i := binary.BigEndian.Uint64(k)
		if i >= g.next {
			break
		}
		indexes = append(indexes, i)
		freed += payloadOf(v)
		if s, ok := summarizeRecord(v); ok {
			timeKeys = append(timeKeys, timeKey(s.capture, i))
		}
	}
	for _, i := range indexes {
		k := indexKey(i)
		if err := sb.packets.Delete(k); err != nil {
			return 0, err
		}
		if v := sb.gops.Get(k); len(v) == 8 {
			if err := sb.keys.Delete(timeKey(int64(binary.BigEndian.Uint64(v)), i)); err != nil {
				return 0, err
			}
			if err := sb.gops.Delete(k); err != nil {
				return 0, err
			}
			keyframes++
		}
	}
	// The GOP's keyframe entry goes even when its record was missing.
	if v := sb.gops.Get(indexKey(g.first)); v != nil {
		if err := sb.keys.Delete(timeKey(g.firstTime, g.first)); err != nil {
			return 0, err
		}
		if err := sb.gops.Delete(indexKey(g.first)); err != nil {
			return 0, err
		}
		keyframes++
	}
	for _, k := range timeKeys {
		if err := sb.time.Delete(k); err != nil {
			return 0, err
		}
	}
	cnt, err := sb.counters()
	if err != nil {
		return 0, r.errorf(ErrCorruptFile, "stream %q: %v", name, err)
	}
	cnt.packets -= int64(len(indexes))
	cnt.payload -= freed
	cnt.gops -= keyframes
	if err := sb.root.Put([]byte(keyCounters), cnt.encode()); err != nil {
		return 0, err
	}
	return freed, nil
}
