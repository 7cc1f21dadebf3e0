package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// formatVersion is the recording format this version of gopline writes.
// It reads versions oldestFormatVersion to formatVersion; a recording whose
// meta bucket holds a larger version is refused with ErrNewerVersion, a
// smaller one with ErrOlderVersion. The versions:
//
//  1. Each packet a value of its own, with a time index. No longer read.
//  2. A stream's packets packed into chunks (chunk.go), times found through
//     the keyframe index and the records; records of version 1 (52-byte
//     headers, record_v1.go).
//  3. As 2, with records of version 2 (varint headers of about 34 bytes,
//     record_v2.go) and of version 1, which a version 2 file brings along.
//  4. As 3, and a record of version 2 may carry its packet's composition
//     offset (flag bit 1): the decode time of a stream with reordering.
//
// A writer that opens an older file raises its version to formatVersion
// before it appends anything (upgradeFormat), so that a gopline that reads
// only the older version refuses the file as newer instead of reporting
// the records it does not know as corrupt.
const (
	formatVersion       = 4
	oldestFormatVersion = 2
)

// The file's layout. Top-level buckets:
//
//	meta           magic, format version, creation time
//	qos-cache      the durable GOP cache of persistent topics: a bucket per topic (durable.go)
//	stream:<name>  one bucket per stream, named by "stream:" and the stream's name
//
// In each stream's bucket:
//
//	info      key: the StreamInfo, JSON
//	counters  key: packets, payload bytes, keyframes, segments (streamCounters)
//	keys      bucket: keyframe capture time (8) + index (8) -> nothing
//	gops      bucket: keyframe index (8) -> keyframe capture time (8)
//	segments  bucket: first index of a writing session (8) -> the session's start (8)
//	0 + index bucket: one chunk, the packets from that index on: "c" -> the chunk
//	          (chunk keys are a zero byte and 8 bytes of index: packets.go)
//
// The layout is flat because bbolt copies on write: a commit rewrites the
// page of every bucket on the path from a changed chunk up to the root and
// frees the old copies, so each level of buckets costs a page in use and a
// freed page in every file, which a short recording notices.
//
// Integers are big-endian so that bbolt's byte order is numeric order;
// capture times have their sign bit flipped (timeKey) for the same reason.
const (
	bucketMeta     = "meta"
	bucketQoSCache = "qos-cache"
	streamPrefix   = "stream:"

	keyMagic   = "magic"
	keyVersion = "version"
	keyCreated = "created"

	keyInfo        = "info"
	keyCounters    = "counters"
	bucketKeys     = "keys"
	bucketGOPs     = "gops"
	bucketSegments = "segments"
)

// streamKey is the name of the named stream's top-level bucket.
func streamKey(name string) []byte { return []byte(streamPrefix + name) }

// forEachStream calls fn with the name and the bucket of each stream, in the
// order of their names. b is nil for a key with the streams' prefix that is
// not a bucket, which only a damaged file holds.
func forEachStream(tx *bolt.Tx, fn func(name string, b *bolt.Bucket) error) error {
	c := tx.Cursor()
	prefix := []byte(streamPrefix)
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var b *bolt.Bucket
		if v == nil {
			b = tx.Bucket(k)
		}
		if err := fn(string(k[len(prefix):]), b); err != nil {
			return err
		}
	}
	return nil
}

// magic marks a bbolt file as a gopline recording.
const magic = "gopline recording"

// checkMeta reads the format version and the creation time of the
// recording at path from its meta bucket's values, and refuses a version
// this gopline does not read.
func checkMeta(path string, version, created []byte) (uint32, time.Time, error) {
	if len(version) != 4 || binary.BigEndian.Uint32(version) == 0 {
		return 0, time.Time{}, fmt.Errorf("%w: %s: format version %x", ErrCorruptFile, path, version)
	}
	switch v := binary.BigEndian.Uint32(version); {
	case v > formatVersion:
		return 0, time.Time{}, fmt.Errorf("%w: %s: format version %d; this gopline reads versions %d to %d", ErrNewerVersion, path, v, oldestFormatVersion, formatVersion)
	case v < oldestFormatVersion:
		return 0, time.Time{}, fmt.Errorf("%w: %s: format version %d; this gopline reads versions %d to %d", ErrOlderVersion, path, v, oldestFormatVersion, formatVersion)
	}
	if len(created) != 8 {
		return 0, time.Time{}, fmt.Errorf("%w: %s: creation time %x", ErrCorruptFile, path, created)
	}
	return binary.BigEndian.Uint32(version), time.Unix(0, int64(binary.BigEndian.Uint64(created))), nil
}

// maxStreamName bounds a stream's name in bytes (a topic name is far shorter).
const maxStreamName = 1024

// indexKey is the key of a packet's index in the gops and segments buckets.
func indexKey(i uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), i)
}

// timeBits maps Unix nanoseconds to an unsigned number of the same order.
func timeBits(nanos int64) uint64 { return uint64(nanos) ^ 1<<63 }

// timeKey is the key of a keyframe index entry.
func timeKey(nanos int64, index uint64) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b, timeBits(nanos))
	binary.BigEndian.PutUint64(b[8:], index)
	return b
}

// splitTimeKey returns the capture time and index of a keyframe index key. ok is false for a key of the wrong length.
func splitTimeKey(k []byte) (nanos int64, index uint64, ok bool) {
	if len(k) != 16 {
		return 0, 0, false
	}
	return int64(binary.BigEndian.Uint64(k) ^ 1<<63), binary.BigEndian.Uint64(k[8:]), true
}

// nanosValue encodes Unix nanoseconds as an 8-byte value.
func nanosValue(nanos int64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), uint64(nanos))
}

// streamCounters are a stream's running totals, updated in the transaction
// that changes the packets. Counting them as we go keeps Stats O(1); bbolt's
// own counts walk every page.
type streamCounters struct {
	packets  int64 // stored packets
	payload  int64 // their data bytes
	gops     int64 // stored keyframes
	segments int64 // writing sessions that appended packets
}

const countersVersion = 1

func (c streamCounters) encode() []byte {
	b := make([]byte, 1, 33)
	b[0] = countersVersion
	for _, v := range []int64{c.packets, c.payload, c.gops, c.segments} {
		b = binary.BigEndian.AppendUint64(b, uint64(v))
	}
	return b
}

func decodeCounters(b []byte) (streamCounters, error) {
	if len(b) != 33 || b[0] != countersVersion {
		return streamCounters{}, fmt.Errorf("counters of %d bytes, version %d", len(b), firstByte(b))
	}
	var v [4]int64
	for i := range v {
		v[i] = int64(binary.BigEndian.Uint64(b[1+8*i:]))
		if v[i] < 0 {
			return streamCounters{}, fmt.Errorf("negative counter %d", v[i])
		}
	}
	return streamCounters{packets: v[0], payload: v[1], gops: v[2], segments: v[3]}, nil
}

func firstByte(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	return int(b[0])
}

// streamBuckets are one stream's buckets within one transaction: root holds
// the stream's keys and its chunks. They are valid only for the life of that
// transaction.
type streamBuckets struct {
	root, keys, gops, segments *bolt.Bucket
}

// openStreamBuckets returns the named stream's buckets, or ok = false when
// the stream or one of its buckets is missing.
func openStreamBuckets(tx *bolt.Tx, name string) (sb streamBuckets, ok bool) {
	sb.root = tx.Bucket(streamKey(name))
	if sb.root == nil {
		return sb, false
	}
	sb.keys = sb.root.Bucket([]byte(bucketKeys))
	sb.gops = sb.root.Bucket([]byte(bucketGOPs))
	sb.segments = sb.root.Bucket([]byte(bucketSegments))
	ok = sb.keys != nil && sb.gops != nil && sb.segments != nil
	return sb, ok
}

// appendOnly sets the fill percent of the buckets that grow at their end:
// full pages instead of half-full ones when bbolt splits a node, which keeps
// the file close to its payload. It holds for the life of the transaction.
func (sb streamBuckets) appendOnly() {
	for _, b := range []*bolt.Bucket{sb.root, sb.keys, sb.gops} {
		b.FillPercent = 1.0
	}
}

func (sb streamBuckets) counters() (streamCounters, error) {
	return decodeCounters(sb.root.Get([]byte(keyCounters)))
}
