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
