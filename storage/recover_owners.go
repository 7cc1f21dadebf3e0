package storage

// owners finds which stream each leaf page that holds chunks belongs to,
// and how surely: pages reached from the newest valid meta's root (rank
// 2), from the older meta's (rank 1), or only by the scan (rank 0): by a
// stream's info in the page, by the page being a stream's root, or through
// the branch pages that point to it and whose keys agree with it.
type owners struct {
	s      *pageScan
	name   map[uint64]string
	rank   map[uint64]int
	roots  map[uint64][]string      // page to the streams it was the root of
	parent map[uint64][]parentClaim // page to the branch pages that point to it
	memo   map[uint64]*string       // scanOwner's answers
	busy   map[uint64]bool          // pages scanOwner is finding the owner of
	// newest are the roots of the streams' trees that the newest valid
	// meta's tree reaches, by stream.
	newest map[string]uint64
}

type parentClaim struct {
	page  uint64
	child branchChild
}

func newOwners(s *pageScan) *owners {
	o := &owners{
		s: s, name: make(map[uint64]string), rank: make(map[uint64]int),
		roots: make(map[uint64][]string), parent: make(map[uint64][]parentClaim),
		memo: make(map[uint64]*string), busy: make(map[uint64]bool), newest: make(map[string]uint64),
	}
	for id, nd := range s.nodes {
		for _, sr := range nd.streams {
			o.roots[sr.root] = append(o.roots[sr.root], sr.name)
		}
		for _, c := range nd.children {
			o.parent[c.page] = append(o.parent[c.page], parentClaim{page: id, child: c})
		}
	}
	for i, m := range s.metas {
		o.walkTop(m.root, 2-i)
	}
	return o
}

// walkTop walks the top-level tree from root, and each stream's tree from
// its bucket.
func (o *owners) walkTop(root uint64, rank int) {
	seen := make(map[uint64]bool)
	var walk func(id uint64, depth int)
	walk = func(id uint64, depth int) {
		nd := o.s.nodes[id]
		if nd == nil || seen[id] || depth > maxTreeDepth {
			return
		}
		seen[id] = true
		for _, c := range nd.children {
			walk(c.page, depth+1)
		}
		for _, sr := range nd.streams {
			if _, ok := o.newest[sr.name]; rank == 2 && !ok {
				o.newest[sr.name] = sr.root
			}
			o.walkStream(sr.root, sr.name, rank, seen, 0)
		}
	}
	walk(root, 0)
}

func (o *owners) walkStream(id uint64, name string, rank int, seen map[uint64]bool, depth int) {
	nd := o.s.nodes[id]
	if nd == nil || seen[id] || depth > maxTreeDepth {
		return
	}
	seen[id] = true
	if prev, ok := o.name[id]; ok && prev != name {
		return // claimed by the newer tree for another stream
	}
	if _, ok := o.name[id]; !ok {
		o.name[id], o.rank[id] = name, rank
	}
	for _, c := range nd.children {
		o.walkStream(c.page, name, rank, seen, depth+1)
	}
}

// ownerOf returns the stream the page id belongs to, and the rank of that
// finding, or "" when it is unknown or ambiguous.
func (o *owners) ownerOf(id uint64) (string, int) {
	if name, ok := o.name[id]; ok {
		return name, o.rank[id]
	}
	return o.scanOwner(id, 0), 0
}

func (o *owners) scanOwner(id uint64, depth int) string {
	if name, ok := o.name[id]; ok {
		return name
	}
	if m, ok := o.memo[id]; ok {
		return *m
	}
	if o.busy[id] || depth > maxTreeDepth {
		return ""
	}
	o.busy[id] = true
	defer delete(o.busy, id)
	names := make(map[string]bool)
	nd := o.s.nodes[id]
	if nd != nil && nd.info != nil {
		names[nd.info.Name] = true
	}
	for _, n := range o.roots[id] {
		names[n] = true
	}
	if len(names) == 0 {
		for _, pc := range o.parent[id] {
			if !o.agrees(pc.child, nd) {
				continue
			}
			if n := o.scanOwner(pc.page, depth+1); n != "" {
				names[n] = true
			}
		}
	}
	owner := ""
	if len(names) == 1 {
		for n := range names {
			owner = n
		}
	}
	o.memo[id] = &owner
	return owner
}

// agrees reports whether a branch's key for a child fits the child page as
// the scan found it: a page that was freed and written again holds another
// node, whose first key differs.
func (o *owners) agrees(c branchChild, nd *scanNode) bool {
	switch {
	case nd == nil:
		return true // a branch page, or a leaf of no interest: nothing to compare
	case nd.branch:
		return len(nd.children) > 0 && nd.children[0].isChunk == c.isChunk && (!c.isChunk || nd.children[0].first == c.first)
	}
	return nd.isChunk == c.isChunk && (!c.isChunk || nd.first == c.first)
}
