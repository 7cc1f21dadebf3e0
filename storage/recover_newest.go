package storage

// Without a stream's counters, what the file's last complete commit held
// of it is told by its tree, the one the newest valid meta page reaches: a
// stream holds the packets from its first chunk's index up to the end of
// its last chunk, every index between (retention deletes whole GOPs from
// the start, and each chunk holds the packets up to the next chunk's key).
// Chunk keys sort before the stream's other keys, so the first chunk is
// down the tree's first children, and the last down the last children
// whose first key is a chunk key. A branch's key for a child is the child's
// first key: it tells the first index even when the child's page is lost.

// treeEdges are the indexes of the first and the last chunk of a stream's
// tree in the newest commit, each when the scan found what tells it.
type treeEdges struct {
	first, last           uint64
	firstKnown, lastKnown bool
	// lost says, when one is not known, what was lost that told it, as
	// the end of "its counters are lost, and ...".
	lost string
}

// newestEdges returns the edges of the stream's tree that the newest valid
// meta's tree reaches.
func newestEdges(s *pageScan, o *owners, name string) treeEdges {
	root, ok := o.newest[name]
	switch {
	case len(s.metas) == 0:
		return treeEdges{lost: "no meta page is valid: no commit is known complete"}
	case !ok:
		return treeEdges{lost: "so are the last commit's pages of the stream"}
	}
	var e treeEdges
	e.first, e.firstKnown = s.firstChunk(root)
	e.last, e.lastKnown = s.lastChunk(root)
	switch {
	case !e.firstKnown:
		e.lost = "so is the last commit's entry of its first chunk"
	case !e.lastKnown:
		e.lost = "so is the last commit's entry of its last chunk"
	}
	return e
}

// firstChunk returns the index of the first chunk of the tree at root.
func (s *pageScan) firstChunk(root uint64) (uint64, bool) {
	id := root
	for range maxTreeDepth {
		nd := s.nodes[id]
		switch {
		case nd == nil || nd.branch && nd.cut:
			return 0, false
		case !nd.branch:
			return nd.first, nd.isChunk // its first element lies first in its page
		case !nd.children[0].isChunk:
			return 0, false // a stream without chunks
		}
		c := nd.children[0]
		if child := s.nodes[c.page]; child == nil || child.branch && child.cut {
			return c.first, true // the key says it
		}
		id = c.page
	}
	return 0, false
}

// lastChunk returns the index of the last chunk of the tree at root.
func (s *pageScan) lastChunk(root uint64) (uint64, bool) {
	id := root
	for range maxTreeDepth {
		nd := s.nodes[id]
		switch {
		case nd == nil:
			return 0, false
		case !nd.branch:
			return nd.last, nd.lastChunk && nd.chunksWhole
		case nd.cut:
			return 0, false
		}
		i := len(nd.children) - 1
		for i >= 0 && !nd.children[i].isChunk {
			i--
		}
		if i < 0 {
			return 0, false
		}
		id = nd.children[i].page
	}
	return 0, false
}

// unreadCopy is a copy of a chunk that a tree of the file reaches and that
// reads nothing: its page holds no chunk, or none of its records decode.
type unreadCopy struct {
	stream string
	first  uint64 // the chunk's index
	rank   int    // 2 when the newest tree reaches it, 1 the older only
	page   uint64
	// written says that the page holds what bbolt wrote there since, not
	// bytes cut away or garbage.
	written bool
}

// rewritten says whether the page id lies in the file and holds a node
// that bbolt wrote there: a branch, a leaf or a freelist that names it.
func (s *pageScan) rewritten(cr *chunkReader, id uint64) bool {
	off := int64(id) * s.pageSize
	if off+boltPageHeaderSize > s.size {
		return false
	}
	head := make([]byte, boltPageHeaderSize)
	if _, err := cr.r.ReadAt(head, off); err != nil {
		return false
	}
	p, ok := readBoltPage(head)
	return ok && p.id == id && (p.flags == boltBranchPage || p.flags == boltLeafPage || p.flags == boltFreelistPage)
}

// countUnread counts a stream's chunks that read nothing: those the file's
// last complete commit held (damaged), and the entries of the older
// commit's tree that a commit cut short wrote over (overwritten), which
// were not of what the file held. The newest commit copied the chunks it
// changed to new pages and freed the old ones, and those of its older
// tree's leaves it changed: only a later commit, one cut short before it
// wrote its meta page (a full disk), writes there. So an older copy is not
// lost when the newest tree's entries say that it held the chunk elsewhere
// (held are their indexes) or had deleted it, and it was written over when
// its page now holds another node; an entry of the older tree past the
// newest tree's last chunk is one that the commit cut short wrote, in a
// leaf over a page the older tree reaches, for a chunk it never wrote.
// Any other copy counts as lost.
func countUnread(unread []unreadCopy, stream string, held map[uint64]bool, e treeEdges) (damaged, overwritten int64) {
	type where struct{ page, first uint64 }
	surest := make(map[where]unreadCopy) // a copy both trees reach is the newest's
	for _, u := range unread {
		k := where{u.page, u.first}
		if prev, ok := surest[k]; u.stream == stream && (!ok || u.rank > prev.rank) {
			surest[k] = u
		}
	}
	for _, u := range surest {
		older := u.rank < 2
		replaced := older && (held[u.first] || e.firstKnown && u.first < e.first)
		switch {
		case older && e.lastKnown && u.first > e.last:
			overwritten++
		case replaced && u.written:
			overwritten++
		case !replaced:
			damaged++
		}
	}
	return damaged, overwritten
}
