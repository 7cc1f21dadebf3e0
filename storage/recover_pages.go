package storage

import (
	"encoding/binary"
	"hash/fnv"
)

// Recover reads a damaged file's pages itself rather than through bbolt,
// which trusts them, and Peek reads those of a file that a writer holds
// locked. These are bbolt's on-disk structures as far as they need them
// (bbolt writes them in the machine's byte order; gopline runs on
// little-endian machines):
//
//	page header, 16 bytes: id (8), flags (2), count (2), overflow (4)
//	  flags: branch 0x01, leaf 0x02, meta 0x04, freelist 0x10; the page
//	  and its overflow pages after it hold one B-tree node
//	leaf element, 16 bytes: flags (4), pos (4), key size (4), value size (4);
//	  the key starts pos bytes after the element, the value follows it
//	branch element, 16 bytes: pos (4), key size (4), child page id (8)
//	bucket value (leaf element flag 0x01): its root page id (8), sequence
//	  (8), then, when the root is 0, the bucket's single leaf page inline
//	meta, after the page header: magic (4), version (4), page size (4),
//	  flags (4), root bucket (16), freelist (8), high-water page id (8),
//	  txid (8), FNV-64a of the 56 bytes before it (8)
//
// Every function here checks each length and offset against the bytes it
// was given: the bytes may be anything.
const (
	boltPageHeaderSize = 16
	boltElementSize    = 16
	boltBucketSize     = 16
	boltMetaSize       = 64

	boltBranchPage   = 0x01
	boltLeafPage     = 0x02
	boltMetaPage     = 0x04
	boltFreelistPage = 0x10

	boltBucketLeaf = 0x01

	boltMagic   = 0xED0CDAED
	boltVersion = 2
)

// Page sizes Recover accepts: bbolt's are powers of two, and gopline's
// files use 1 KiB (pageSize).
const (
	minBoltPageSize = 512
	maxBoltPageSize = 64 << 10
)

// maxTreeDepth bounds a walk down the trees: bbolt's are a few levels deep,
// and a damaged file may hold pages that point in circles.
const maxTreeDepth = 64

var le = binary.LittleEndian

// boltPage is a page header.
type boltPage struct {
	id       uint64
	flags    uint16
	count    uint16
	overflow uint32
}

// readBoltPage reads the header at the start of b.
func readBoltPage(b []byte) (boltPage, bool) {
	if len(b) < boltPageHeaderSize {
		return boltPage{}, false
	}
	return boltPage{id: le.Uint64(b), flags: le.Uint16(b[8:]), count: le.Uint16(b[10:]), overflow: le.Uint32(b[12:])}, true
}

// boltMeta is what Recover takes from a valid meta page.
type boltMeta struct {
	pageSize uint32
	root     uint64 // the root bucket's page
	pages    uint64 // the high-water page id: the file's pages
	txid     uint64
}

// parseBoltMeta reads a meta page: b starts with its page header. ok is
// false unless its magic, version, page size and checksum are right.
func parseBoltMeta(b []byte) (m boltMeta, ok bool) {
	p, ok := readBoltPage(b)
	if !ok || p.flags != boltMetaPage || len(b) < boltPageHeaderSize+boltMetaSize {
		return m, false
	}
	mb := b[boltPageHeaderSize : boltPageHeaderSize+boltMetaSize]
	if le.Uint32(mb) != boltMagic || le.Uint32(mb[4:]) != boltVersion {
		return m, false
	}
	h := fnv.New64a()
	h.Write(mb[:56])
	if h.Sum64() != le.Uint64(mb[56:]) {
		return m, false
	}
	m = boltMeta{pageSize: le.Uint32(mb[8:]), root: le.Uint64(mb[16:]), pages: le.Uint64(mb[40:]), txid: le.Uint64(mb[48:])}
	if !validPageSize(int64(m.pageSize)) {
		return m, false
	}
	return m, true
}

func validPageSize(n int64) bool {
	return n >= minBoltPageSize && n <= maxBoltPageSize && n&(n-1) == 0
}

// leafElement is one element of a leaf page. key and value are slices of
// the page's bytes; value is cut short (cut) when the page's bytes end
// before it does, and valueAt is where it starts in them.
type leafElement struct {
	bucket  bool
	key     []byte
	value   []byte
	valueAt int
	size    uint32 // the value's size as its element says
	cut     bool
}

// leafElements returns the elements of the leaf node whose bytes b holds,
// starting with its header, and which holds count elements. An element
// whose header or key lies outside b is left out, and so are those after an
// element header that does.
func leafElements(b []byte, count int) []leafElement {
	var out []leafElement
	for i := range count {
		at := boltPageHeaderSize + i*boltElementSize
		if at+boltElementSize > len(b) {
			break
		}
		e := b[at : at+boltElementSize]
		flags, pos, ksize, vsize := le.Uint32(e), uint64(le.Uint32(e[4:])), uint64(le.Uint32(e[8:])), uint64(le.Uint32(e[12:]))
		k := uint64(at) + pos
		if k+ksize > uint64(len(b)) {
			continue
		}
		v := k + ksize
		end := min(v+vsize, uint64(len(b)))
		out = append(out, leafElement{
			bucket:  flags&boltBucketLeaf != 0,
			key:     b[k:v],
			value:   b[v:end],
			valueAt: int(v),
			size:    uint32(vsize),
			cut:     v+vsize > uint64(len(b)),
		})
	}
	return out
}

// branchElement is one element of a branch page: the first key of a child
// node and the child's page.
type branchElement struct {
	key   []byte
	child uint64
}

// branchElements returns the elements of the branch node whose bytes b
// holds, as leafElements does.
func branchElements(b []byte, count int) []branchElement {
	var out []branchElement
	for i := range count {
		at := boltPageHeaderSize + i*boltElementSize
		if at+boltElementSize > len(b) {
			break
		}
		e := b[at : at+boltElementSize]
		pos, ksize := uint64(le.Uint32(e)), uint64(le.Uint32(e[4:]))
		k := uint64(at) + pos
		if k+ksize > uint64(len(b)) {
			continue
		}
		out = append(out, branchElement{key: b[k : k+ksize], child: le.Uint64(e[8:])})
	}
	return out
}

// bucketValue reads a bucket's value: its root page, or, for an inline
// bucket (root 0), its leaf page's bytes (a slice of v).
func bucketValue(v []byte) (root uint64, inline []byte, ok bool) {
	if len(v) < boltBucketSize {
		return 0, nil, false
	}
	root = le.Uint64(v)
	if root != 0 {
		return root, nil, true
	}
	inline = v[boltBucketSize:]
	p, ok := readBoltPage(inline)
	if !ok || p.flags != boltLeafPage {
		return 0, nil, false
	}
	return 0, inline, true
}

// chunkKeyIndex returns the index of a chunk key: a zero byte and 8 bytes.
func chunkKeyIndex(k []byte) (uint64, bool) {
	if len(k) != 9 || k[0] != chunkKeyPrefix {
		return 0, false
	}
	return binary.BigEndian.Uint64(k[1:]), true
}
