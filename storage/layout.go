package storage

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// formatVersion is the recording format this version of gopline writes and
// the newest it reads. A recording whose meta bucket holds a larger version
// is refused with ErrNewerVersion.
const formatVersion = 1

// The file's layout. Top-level buckets:
//
//	meta      magic, format version, creation time
//	streams   one bucket per stream, named by the stream's name
//	qos-cache reserved for the durable QoS cache (empty in this version)
//
// In each stream's bucket:
//
//	info      key: the StreamInfo, JSON
//	counters  key: packets, payload bytes, keyframes, segments (streamCounters)
//	packets   bucket: index (8 bytes) -> record
//	time      bucket: capture time (8) + index (8) -> nothing
//	keys      bucket: keyframe capture time (8) + index (8) -> nothing
//	gops      bucket: keyframe index (8) -> keyframe capture time (8)
//	segments  bucket: first index of a writing session (8) -> the session's start (8)
//
// Integers are big-endian so that bbolt's byte order is numeric order;
// capture times have their sign bit flipped (timeKey) for the same reason.
const (
	bucketMeta     = "meta"
	bucketStreams  = "streams"
	bucketQoSCache = "qos-cache"

	keyMagic   = "magic"
	keyVersion = "version"
	keyCreated = "created"

	keyInfo        = "info"
	keyCounters    = "counters"
	bucketPackets  = "packets"
	bucketTime     = "time"
	bucketKeys     = "keys"
	bucketGOPs     = "gops"
	bucketSegments = "segments"
)

// magic marks a bbolt file as a gopline recording.
const magic = "gopline recording"

// maxStreamName bounds a stream's name in bytes (a topic name is far shorter).
const maxStreamName = 1024

// indexKey is the key of the packet with the given index.
func indexKey(i uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), i)
}

// timeBits maps Unix nanoseconds to an unsigned number of the same order.
func timeBits(nanos int64) uint64 { return uint64(nanos) ^ 1<<63 }

// timeKey is the key of a time or keyframe index entry.
func timeKey(nanos int64, index uint64) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b, timeBits(nanos))
	binary.BigEndian.PutUint64(b[8:], index)
	return b
}

// splitTimeKey returns the capture time and index of a time or keyframe
// index key. ok is false for a key of the wrong length.
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

// streamBuckets are one stream's buckets within one transaction. They are
// valid only for the life of that transaction.
type streamBuckets struct {
	root, packets, time, keys, gops, segments *bolt.Bucket
}

// openStreamBuckets returns the named stream's buckets, or ok = false when
// the stream or one of its buckets is missing.
func openStreamBuckets(tx *bolt.Tx, name string) (sb streamBuckets, ok bool) {
	streams := tx.Bucket([]byte(bucketStreams))
	if streams == nil {
		return sb, false
	}
	sb.root = streams.Bucket([]byte(name))
	if sb.root == nil {
		return sb, false
	}
	sb.packets = sb.root.Bucket([]byte(bucketPackets))
	sb.time = sb.root.Bucket([]byte(bucketTime))
	sb.keys = sb.root.Bucket([]byte(bucketKeys))
	sb.gops = sb.root.Bucket([]byte(bucketGOPs))
	sb.segments = sb.root.Bucket([]byte(bucketSegments))
	ok = sb.packets != nil && sb.time != nil && sb.keys != nil && sb.gops != nil && sb.segments != nil
	return sb, ok
}

// appendOnly sets the fill percent of the buckets that grow at their end:
// full pages instead of half-full ones when bbolt splits a node, which keeps
// the file close to its payload. It holds for the life of the transaction.
func (sb streamBuckets) appendOnly() {
	for _, b := range []*bolt.Bucket{sb.packets, sb.time, sb.keys, sb.gops} {
		b.FillPercent = 1.0
	}
}

func (sb streamBuckets) counters() (streamCounters, error) {
	return decodeCounters(sb.root.Get([]byte(keyCounters)))
}
