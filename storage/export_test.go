package storage

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/gopline/gopline/media"
)

// RecordBounds returns where the j-th record of chunk starts and ends, and
// where its epoch field starts, for tests that damage records in a file.
func RecordBounds(chunk []byte, j int) (start, epoch, end int) {
	for start = chunkHeaderSize; ; start = end {
		n, err := recordLength(chunk[start:])
		if err != nil {
			panic(err)
		}
		end = start + n
		if j == 0 {
			break
		}
		j--
	}
	epoch = start + 12 // version 1
	if chunk[start] == recordVersion2 {
		h, err := readRecord(chunk[start:end])
		if err != nil {
			panic(err)
		}
		epoch = start + h.crcAt - 8
	}
	return start, epoch, end
}

// RewriteAsFormat2 turns the closed recording at path into one as a
// gopline of format version 2 wrote it: every record in version 1, and
// format version 2 in the meta bucket. The packets, indexes and counters
// stay as they are.
func RewriteAsFormat2(path string) error {
	db, err := bolt.Open(path, 0o644, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Update(func(tx *bolt.Tx) error {
		err := forEachStream(tx, func(name string, b *bolt.Bucket) error {
			var firsts []uint64
			cc := newChunkCursor(b)
			ch, ok, err := cc.first()
			for ; ok; ch, ok, err = cc.next() {
				firsts = append(firsts, ch.first)
			}
			if err != nil {
				return err
			}
			for _, first := range firsts {
				var v1 []byte
				_, err := decodeChunk(b.Bucket(chunkKey(first)).Get(chunkValueKey), 0, func(_, _ int, p *media.Packet, err error) bool {
					if err == nil {
						if v1 == nil {
							v1 = newChunk(encodeRecordV1(p))
						} else {
							v1 = append(v1, encodeRecordV1(p)...)
						}
					}
					return err == nil
				})
				if err != nil || v1 == nil {
					return fmt.Errorf("stream %q: chunk %d: %v", name, first, err)
				}
				if err := putChunk(b, first, v1); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket([]byte(bucketMeta)).Put([]byte(keyVersion), binary.BigEndian.AppendUint32(nil, 2))
	})
}
