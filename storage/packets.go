package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Chunks live in their stream's bucket, each in a bucket of its own under a
// chunk key: a zero byte, which no other key of the stream's bucket starts
// with, then the big-endian index of the chunk's first packet. Chunk keys
// thus sort before the stream's other keys, in index order.
//
// A chunk has a bucket of its own so that its pages hold it alone. A value
// shares its B-tree leaf with its neighbours (bbolt keeps at least two keys
// in a leaf, and up to four large ones), and bbolt rewrites a whole leaf
// when one value in it changes: as plain values, every commit that rewrites
// a stream's open chunk would rewrite up to three chunks beside it too.
const chunkKeyPrefix = 0

// chunkValueKey is the key of the chunk in its bucket.
var chunkValueKey = []byte{'c'}

// chunkKey is the key of the chunk whose first packet has the given index.
func chunkKey(first uint64) []byte {
	return binary.BigEndian.AppendUint64(append(make([]byte, 0, 9), chunkKeyPrefix), first)
}

// putChunk stores chunk under the index of its first packet, replacing the
// chunk stored there. bbolt keeps chunk until the transaction ends: the
// caller must not modify it.
func putChunk(stream *bolt.Bucket, first uint64, chunk []byte) error {
	b, err := stream.CreateBucketIfNotExists(chunkKey(first))
	if err != nil {
		return err
	}
	return b.Put(chunkValueKey, chunk)
}

// hasChunk reports whether a chunk starts at index first.
func hasChunk(stream *bolt.Bucket, first uint64) bool {
	return stream.Bucket(chunkKey(first)) != nil
}

// storedChunk is a chunk as read from the file. b is valid only for the life
// of the transaction.
type storedChunk struct {
	first uint64 // the index of its first packet
	b     []byte
}

// chunkCursor steps through a stream's chunks in index order. It is valid
// only for the life of the transaction. Its methods return ok = false past
// either end, and an error for a key or a value that a chunk cannot have,
// which only a damaged page holds.
type chunkCursor struct {
	stream *bolt.Bucket
	c      *bolt.Cursor
}

func newChunkCursor(stream *bolt.Bucket) chunkCursor {
	return chunkCursor{stream: stream, c: stream.Cursor()}
}

// seek returns the chunk that holds index i: the last chunk whose first
// index is at or before i, or, when there is none, the first chunk after i.
// It is a B-tree seek, O(log n).
func (cc chunkCursor) seek(i uint64) (storedChunk, bool, error) {
	key := chunkKey(i)
	k, v := cc.c.Seek(key)
	if k != nil && bytes.Equal(k, key) {
		return cc.chunk(k, v)
	}
	if k == nil {
		k, v = cc.c.Last()
	} else {
		k, v = cc.c.Prev()
	}
	if isChunkKey(k) {
		return cc.chunk(k, v)
	}
	return cc.chunk(cc.c.Seek(key))
}

func (cc chunkCursor) first() (storedChunk, bool, error) {
	return cc.chunk(cc.c.Seek([]byte{chunkKeyPrefix}))
}

func (cc chunkCursor) last() (storedChunk, bool, error) {
	k, v := cc.c.Seek([]byte{chunkKeyPrefix + 1})
	if k == nil {
		k, v = cc.c.Last()
	} else {
		k, v = cc.c.Prev()
	}
	return cc.chunk(k, v)
}

func (cc chunkCursor) next() (storedChunk, bool, error) { return cc.chunk(cc.c.Next()) }
func (cc chunkCursor) prev() (storedChunk, bool, error) { return cc.chunk(cc.c.Prev()) }

func isChunkKey(k []byte) bool { return len(k) > 0 && k[0] == chunkKeyPrefix }

// chunk returns the chunk under key k, whose value v bbolt returned (nil for
// a bucket), or ok = false when k is not a chunk key.
func (cc chunkCursor) chunk(k, v []byte) (storedChunk, bool, error) {
	if !isChunkKey(k) {
		return storedChunk{}, false, nil
	}
	if len(k) != 9 {
		return storedChunk{}, false, fmt.Errorf("chunk key %x", k)
	}
	first := binary.BigEndian.Uint64(k[1:])
	var b *bolt.Bucket
	if v == nil {
		b = cc.stream.Bucket(k)
	}
	if b == nil {
		return storedChunk{}, false, fmt.Errorf("chunk %d is not a bucket", first)
	}
	return storedChunk{first: first, b: b.Get(chunkValueKey)}, true, nil
}
