package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
)

// treeReader reads the B-trees of one committed state of a bbolt file, the
// one a meta page describes, straight from the file (recover_pages.go
// describes the pages). Unlike Recover, which scans every page of a damaged
// file, it follows the trees from the root as bbolt does, reading only the
// nodes it is asked for, and checks each node as it reads it: its page id
// must lie below the meta's high-water mark, its header must name it and
// be a branch or a leaf, and its elements must lie within it. What it reads
// is bounded: a few times the state's pages (left), far more than the few
// paths from the root that a summary reads, so that a damaged file whose
// pages point in circles, or many times at one large node, costs no more
// than reading it a few times.
type treeReader struct {
	r        io.ReaderAt
	pageSize int64
	pages    uint64 // the meta's high-water page id
	left     uint64 // pages it may still read
}

// treeReadFactor and treeReadExtra set a treeReader's bound: factor times
// the state's pages, and extra pages for a small file.
const (
	treeReadFactor = 4
	treeReadExtra  = 1024
)

// errTree is the error of a node that a committed state cannot hold.
var errTree = errors.New("damaged B-tree")

func newTreeReader(r io.ReaderAt, m boltMeta) *treeReader {
	return &treeReader{r: r, pageSize: int64(m.pageSize), pages: m.pages, left: treeReadFactor*min(m.pages, 1<<48) + treeReadExtra}
}

// treeBucket is a bucket: its root page, or, for an inline bucket (root 0),
// its leaf page's bytes.
type treeBucket struct {
	root   uint64
	inline []byte
}

// treeNode is a node read from the file: a branch's or a leaf's elements.
// They are slices of bytes the reader read for the node alone.
type treeNode struct {
	branches []branchElement
	leaves   []leafElement
}

// node reads the node of bucket b at page id, or b's inline leaf when id is
// 0.
func (t *treeReader) node(b treeBucket, id uint64) (treeNode, error) {
	if id == 0 {
		return parseTreeNode(b.inline, 0)
	}
	// Pages 0 and 1 are the meta pages; a node lies below the high-water mark.
	if id < 2 || id >= t.pages {
		return treeNode{}, fmt.Errorf("%w: page %d outside the %d pages of the state", errTree, id, t.pages)
	}
	head := make([]byte, boltPageHeaderSize)
	if err := t.readAt(head, int64(id)*t.pageSize); err != nil {
		return treeNode{}, err
	}
	p, _ := readBoltPage(head)
	n := 1 + uint64(p.overflow)
	if n > t.pages-id {
		return treeNode{}, fmt.Errorf("%w: page %d runs %d pages past the state's end", errTree, id, n)
	}
	if n > t.left {
		return treeNode{}, fmt.Errorf("%w: its trees lead to more pages than it holds (pages that point in circles)", errTree)
	}
	t.left -= n
	buf := make([]byte, int64(n)*t.pageSize)
	if err := t.readAt(buf, int64(id)*t.pageSize); err != nil {
		return treeNode{}, err
	}
	return parseTreeNode(buf, id)
}

// readAt fills b from off on; a file that ends before is damaged.
func (t *treeReader) readAt(b []byte, off int64) error {
	n, err := t.r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: the file ends at byte %d, before its pages do", errTree, off+int64(n))
	}
	return err
}

// parseTreeNode reads a node's bytes: a page header, then its elements. id
// is the page id its header must carry; 0 for an inline bucket's leaf, which
// carries none.
func parseTreeNode(b []byte, id uint64) (treeNode, error) {
	p, ok := readBoltPage(b)
	if !ok {
		return treeNode{}, fmt.Errorf("%w: a node of %d bytes", errTree, len(b))
	}
	if id != 0 && p.id != id {
		return treeNode{}, fmt.Errorf("%w: page %d says it is page %d", errTree, id, p.id)
	}
	count := int(p.count)
	switch {
	case p.flags == boltBranchPage && id != 0:
		nd := treeNode{branches: branchElements(b, count)}
		if len(nd.branches) != count {
			return treeNode{}, fmt.Errorf("%w: branch page %d holds %d of its %d elements", errTree, id, len(nd.branches), count)
		}
		return nd, nil
	case p.flags == boltLeafPage:
		nd := treeNode{leaves: leafElements(b, count)}
		if len(nd.leaves) != count {
			return treeNode{}, fmt.Errorf("%w: leaf page %d holds %d of its %d elements", errTree, id, len(nd.leaves), count)
		}
		for _, e := range nd.leaves {
			if e.cut {
				return treeNode{}, fmt.Errorf("%w: a value runs past leaf page %d", errTree, id)
			}
		}
		return nd, nil
	}
	return treeNode{}, fmt.Errorf("%w: page %d has flags %#x, not a branch or a leaf", errTree, id, p.flags)
}

// get returns the element of bucket b under key, or found = false.
func (t *treeReader) get(b treeBucket, key []byte) (e leafElement, found bool, err error) {
	id := b.root
	for range maxTreeDepth {
		nd, err := t.node(b, id)
		if err != nil {
			return e, false, err
		}
		if nd.branches == nil {
			for _, e := range nd.leaves {
				if bytes.Equal(e.key, key) {
					return e, true, nil
				}
			}
			return e, false, nil
		}
		// The child to follow is the last whose first key is at or before key.
		next := nd.branches[0].child
		for _, br := range nd.branches[1:] {
			if bytes.Compare(br.key, key) > 0 {
				break
			}
			next = br.child
		}
		id = next
	}
	return e, false, fmt.Errorf("%w: deeper than %d levels", errTree, maxTreeDepth)
}

// bucket returns the bucket under key in b, or found = false when b has no
// such key; a key that is not a bucket is an error.
func (t *treeReader) bucket(b treeBucket, key []byte) (sub treeBucket, found bool, err error) {
	e, found, err := t.get(b, key)
	if err != nil || !found {
		return sub, false, err
	}
	return bucketOf(e)
}

// bucketOf reads a bucket element's value.
func bucketOf(e leafElement) (treeBucket, bool, error) {
	if !e.bucket {
		return treeBucket{}, false, fmt.Errorf("%w: key %q is not a bucket", errTree, e.key)
	}
	root, inline, ok := bucketValue(e.value)
	if !ok {
		return treeBucket{}, false, fmt.Errorf("%w: bucket %q has a value of %d bytes", errTree, e.key, len(e.value))
	}
	return treeBucket{root: root, inline: inline}, true, nil
}

// value returns the value under key in b, or nil when b has none; a bucket
// there is an error.
func (t *treeReader) value(b treeBucket, key []byte) ([]byte, error) {
	e, found, err := t.get(b, key)
	if err != nil || !found {
		return nil, err
	}
	if e.bucket {
		return nil, fmt.Errorf("%w: key %q is a bucket", errTree, key)
	}
	return e.value, nil
}

// elements returns the leaf elements of bucket b in key order, or in
// reverse order, as far as the caller reads. A walk that fails stops and
// leaves its error in *err.
func (t *treeReader) elements(b treeBucket, reverse bool, err *error) iter.Seq[leafElement] {
	return func(yield func(leafElement) bool) {
		var walk func(id uint64, depth int) bool
		walk = func(id uint64, depth int) bool {
			if depth > maxTreeDepth {
				*err = fmt.Errorf("%w: deeper than %d levels", errTree, maxTreeDepth)
				return false
			}
			nd, e := t.node(b, id)
			if e != nil {
				*err = e
				return false
			}
			for i := range max(len(nd.branches), len(nd.leaves)) {
				if reverse {
					i = max(len(nd.branches), len(nd.leaves)) - 1 - i
				}
				if nd.branches != nil {
					if !walk(nd.branches[i].child, depth+1) {
						return false
					}
				} else if !yield(nd.leaves[i]) {
					return false
				}
			}
			return true
		}
		walk(b.root, 0)
	}
}
