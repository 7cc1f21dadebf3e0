package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"
)

// scanBlock is how many bytes the page scan reads at a time; maxNodeRead
// bounds what it reads of one node (a page and its overflow): enough for
// any node of keys, bucket values and inline chunks. A chunk's value,
// which may be larger, is only located by the scan and read when decoded.
const (
	scanBlock   = 1 << 20
	maxNodeRead = 1 << 20
)

// chunkLoc is where a chunk's bytes lie in the file: n bytes from off. cut
// says that the chunk ran on past the end of the file, which then holds
// only its first n bytes.
type chunkLoc struct {
	off, n int64
	cut    bool
}

// chunkRef is a chunk bucket found in a stream's leaf: its chunk key's
// index, and its page (root) or, for an inline bucket, its value (loc).
type chunkRef struct {
	first uint64
	root  uint64
	loc   chunkLoc
}

// streamRoot is a "stream:" bucket found in a top-level leaf.
type streamRoot struct {
	name string
	root uint64
}

// branchChild is a child of a branch page; first is the index of its first
// key when that is a chunk key (isChunk).
type branchChild struct {
	page    uint64
	first   uint64
	isChunk bool
}

// scanNode is what the scan keeps of a branch or leaf page that matters to
// Recover: a few dozen bytes per chunk it refers to.
type scanNode struct {
	branch   bool
	children []branchChild
	// first is the index of a leaf's first key when that is a chunk key;
	// last is that of its last chunk key (lastChunk), whether or not its
	// bucket reads.
	first     uint64
	isChunk   bool
	last      uint64
	lastChunk bool
	// cut says that elements of the node were lost: they lay past the end
	// of the file or of the node's bytes. A leaf's chunk keys are whole
	// (chunksWhole) when it is not, or when a key found lies after them: a
	// leaf's elements lie in the order of their keys, chunk keys first.
	cut         bool
	chunksWhole bool
	streams     []streamRoot
	chunks      []chunkRef
	info        *StreamInfo
	counters    *streamCounters
}

// pageScan is what a scan of a file's pages found.
type pageScan struct {
	size     int64 // the file's bytes
	pageSize int64
	pages    int64 // pages looked at
	metas    []boltMeta
	nodes    map[uint64]*scanNode
	// values are the chunk buckets' own pages: page id to its "c" value.
	values  map[uint64]chunkLoc
	created time.Time // the recording's creation time, zero when not found
}

// pageReader reads a file through a window of scanBlock bytes, for a scan
// that goes through it in order.
type pageReader struct {
	r     io.ReaderAt
	size  int64
	buf   []byte
	at    int64 // the file offset of buf[0]
	valid int   // bytes of buf read
}

// read returns the file's bytes from off on, up to n of them: fewer at the
// end of the file. The bytes are valid until the next read.
func (pr *pageReader) read(off, n int64) ([]byte, error) {
	if off >= pr.size || n <= 0 {
		return nil, nil
	}
	n = min(n, pr.size-off)
	if off >= pr.at && off+n <= pr.at+int64(pr.valid) {
		return pr.buf[off-pr.at : off-pr.at+n], nil
	}
	want := max(n, scanBlock)
	want = min(want, pr.size-off)
	if int64(cap(pr.buf)) < want {
		pr.buf = make([]byte, want)
	}
	pr.buf = pr.buf[:want]
	got, err := pr.r.ReadAt(pr.buf, off)
	if err != nil && !(errors.Is(err, io.EOF) && int64(got) >= n) {
		if errors.Is(err, io.EOF) {
			pr.size = off + int64(got) // the file shrank while read
			n = min(n, int64(got))
		} else {
			return nil, err
		}
	}
	pr.at, pr.valid = off, got
	return pr.buf[:n], nil
}

// findPageSize reads the meta pages: the page size and the valid metas,
// newest first. It returns a page size of 0 when neither meta page is
// valid.
func findPageSize(pr *pageReader) (int64, []boltMeta, error) {
	b, err := pr.read(0, boltPageHeaderSize+boltMetaSize)
	if err != nil {
		return 0, nil, err
	}
	var metas []boltMeta
	ps := int64(0)
	if m, ok := parseBoltMeta(b); ok {
		ps = int64(m.pageSize)
		metas = append(metas, m)
	}
	for try := int64(minBoltPageSize); try <= maxBoltPageSize; try *= 2 {
		if ps != 0 && try != ps {
			continue
		}
		b, err := pr.read(try, boltPageHeaderSize+boltMetaSize)
		if err != nil {
			return 0, nil, err
		}
		if m, ok := parseBoltMeta(b); ok && int64(m.pageSize) == try {
			ps = try
			metas = append(metas, m)
			break
		}
	}
	if len(metas) == 2 && metas[1].txid > metas[0].txid {
		metas[0], metas[1] = metas[1], metas[0]
	}
	return ps, metas, nil
}

// scanPages scans every page of a file of size bytes; pageSize 0 means the
// meta pages say it, or, when neither is valid, whichever of 1 KiB and 4
// KiB finds more of a recording.
func scanPages(r io.ReaderAt, size int64) (*pageScan, error) {
	pr := &pageReader{r: r, size: size}
	ps, metas, err := findPageSize(pr)
	if err != nil {
		return nil, err
	}
	if ps != 0 {
		s := &pageScan{size: size, pageSize: ps, metas: metas}
		return s, s.scan(pr)
	}
	var best *pageScan
	for _, try := range []int64{pageSize, 4096} {
		s := &pageScan{size: size, pageSize: try}
		if err := s.scan(pr); err != nil {
			return nil, err
		}
		if best == nil || s.found() > best.found() {
			best = s
		}
	}
	return best, nil
}

// found counts what a scan found of a recording: chunks and their pages.
func (s *pageScan) found() int {
	n := len(s.values)
	for _, nd := range s.nodes {
		n += len(nd.chunks) + len(nd.streams)
	}
	return n
}

// scan reads every page from page 2 on (0 and 1 are the metas), including
// a last page that the end of the file cuts short.
func (s *pageScan) scan(pr *pageReader) error {
	s.nodes = make(map[uint64]*scanNode)
	s.values = make(map[uint64]chunkLoc)
	for off := 2 * s.pageSize; off < s.size; off += s.pageSize {
		s.pages++
		id := uint64(off / s.pageSize)
		head, err := pr.read(off, boltPageHeaderSize)
		if err != nil {
			return err
		}
		p, ok := readBoltPage(head)
		if !ok || p.id != id || p.count == 0 || (p.flags != boltLeafPage && p.flags != boltBranchPage) {
			continue
		}
		span := (int64(p.overflow) + 1) * s.pageSize
		b, err := pr.read(off, min(span, maxNodeRead))
		if err != nil {
			return err
		}
		if p.flags == boltBranchPage {
			s.branch(id, b, int(p.count))
		} else {
			s.leaf(id, b, off, min(off+span, s.size), int(p.count))
		}
	}
	return nil
}

func (s *pageScan) branch(id uint64, b []byte, count int) {
	elems := branchElements(b, count)
	nd := &scanNode{branch: true, cut: len(elems) < count}
	for _, e := range elems {
		if e.child < 2 || e.child == id {
			continue
		}
		first, isChunk := chunkKeyIndex(e.key)
		nd.children = append(nd.children, branchChild{page: e.child, first: first, isChunk: isChunk})
	}
	if len(nd.children) > 0 {
		s.nodes[id] = nd
	}
}

// leaf reads a leaf node of the page id, whose bytes b start at file offset
// off; the node ends at end.
func (s *pageScan) leaf(id uint64, b []byte, off, end int64, count int) {
	elems := leafElements(b, count)
	if len(elems) == 0 {
		return
	}
	// A chunk bucket's page holds its chunk alone.
	if len(elems) == 1 && !elems[0].bucket && string(elems[0].key) == string(chunkValueKey) {
		s.values[id] = s.locate(off, elems[0], end)
		return
	}
	nd := &scanNode{cut: len(elems) < count, chunksWhole: len(elems) == count}
	nd.first, nd.isChunk = chunkKeyIndex(elems[0].key)
	for _, e := range elems {
		if idx, ok := chunkKeyIndex(e.key); ok {
			nd.last, nd.lastChunk = idx, true
		} else {
			nd.chunksWhole = true
		}
		switch {
		case e.bucket:
			s.bucket(nd, off, end, e)
		case string(e.key) == keyInfo && !e.cut:
			if info, err := decodeStreamInfo(e.value); err == nil {
				nd.info = &info
			}
		case string(e.key) == keyCounters && !e.cut:
			if c, err := decodeCounters(e.value); err == nil {
				nd.counters = &c
			}
		}
	}
	s.metaBucket(elems)
	if nd.info != nil || nd.counters != nil || len(nd.streams) > 0 || len(nd.chunks) > 0 {
		s.nodes[id] = nd
	}
}

// bucket reads a bucket element of a leaf: a stream, a chunk, or the meta
// bucket.
func (s *pageScan) bucket(nd *scanNode, off, end int64, e leafElement) {
	root, inline, ok := bucketValue(e.value)
	if !ok {
		return
	}
	if name, ok := bytes.CutPrefix(e.key, []byte(streamPrefix)); ok {
		if root != 0 && len(name) > 0 && len(name) <= maxStreamName && utf8.Valid(name) {
			nd.streams = append(nd.streams, streamRoot{name: string(name), root: root})
		}
		return
	}
	if string(e.key) == bucketMeta && inline != nil {
		p, _ := readBoltPage(inline)
		s.metaBucket(leafElements(inline, int(p.count)))
		return
	}
	first, ok := chunkKeyIndex(e.key)
	if !ok {
		return
	}
	if root != 0 {
		nd.chunks = append(nd.chunks, chunkRef{first: first, root: root})
		return
	}
	p, _ := readBoltPage(inline)
	inlineAt := off + int64(e.valueAt) + boltBucketSize
	inlineEnd := min(off+int64(e.valueAt)+int64(e.size), end)
	for _, c := range leafElements(inline, int(p.count)) {
		if !c.bucket && string(c.key) == string(chunkValueKey) {
			nd.chunks = append(nd.chunks, chunkRef{first: first, loc: s.locate(inlineAt, c, inlineEnd)})
			break
		}
	}
}

// locate returns where the value of e lies in the file, e being an element
// of a node whose bytes start at file offset off and end at end.
func (s *pageScan) locate(off int64, e leafElement, end int64) chunkLoc {
	at := off + int64(e.valueAt)
	want := at + int64(e.size)
	stop := min(want, end, s.size)
	return chunkLoc{off: at, n: max(0, stop-at), cut: stop < want}
}

// metaBucket takes the recording's creation time from the elements of the
// meta bucket, if these are they.
func (s *pageScan) metaBucket(elems []leafElement) {
	var created []byte
	isMeta := false
	for _, e := range elems {
		switch {
		case e.bucket || e.cut:
		case string(e.key) == keyMagic:
			isMeta = string(e.value) == magic
		case string(e.key) == keyCreated && len(e.value) == 8:
			created = e.value
		}
	}
	if isMeta && created != nil && s.created.IsZero() {
		s.created = time.Unix(0, int64(binary.BigEndian.Uint64(created)))
	}
}

// describe says what a scan found, for an error that nothing could be
// recovered.
func (s *pageScan) describe() string {
	streams, chunks := 0, len(s.values)
	for _, nd := range s.nodes {
		streams += len(nd.streams)
		chunks += len(nd.chunks)
	}
	valid := "no valid meta page"
	if len(s.metas) > 0 {
		valid = fmt.Sprintf("%d valid meta pages", len(s.metas))
	}
	return fmt.Sprintf("%d pages of %d bytes scanned, %s, %d stream entries and %d chunk entries found", s.pages, s.pageSize, valid, streams, chunks)
}
