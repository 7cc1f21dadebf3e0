package storage

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gopline/gopline/media"
)

// packetHead is what Recover needs of a chunk's first record that decodes:
// to tell which stream a chunk whose stream is unknown belongs to, and
// where in it the chunk goes.
type packetHead struct {
	codec         media.Codec
	format        media.PixelFormat
	width, height int
	epoch, seq    uint64
	capture       time.Time
}

// salvage is one copy of a chunk found in the file.
type salvage struct {
	stream string // "" while unknown
	// rank says how surely the chunk is the stream's: 2 when the newest
	// valid meta's tree reaches it, 1 the older meta's, 0 the scan alone.
	rank  int
	first uint64 // the index of its first record
	keyed bool   // first is the chunk's key, not inferred from its records
	loc   chunkLoc
	valid int        // its records that decode
	head  packetHead // its first record that decodes
	at    int        // that record's position in the chunk
	group groupKey   // for a chunk of no known stream
	leaf  uint64     // the page of the leaf that refers to it, 0 for none
}

// groupKey gathers chunks of no known stream into streams of their own:
// those of one codec, size and encoder epoch.
type groupKey struct {
	codec         media.Codec
	format        media.PixelFormat
	width, height int
	epoch         uint64
}

// salvagePlan is what Recover writes: each stream's chunks, best copy
// first at each index, in index order.
type salvagePlan struct {
	streams []plannedStream
	// lost are the streams whose name was found but no chunk that decodes.
	lost []string
}

type plannedStream struct {
	name    string
	info    *StreamInfo // nil when lost: made from the packets
	renamed bool        // no name was found: name is recovered-N
	counted int64       // the packets the file's newest counters held, 0 when unknown
	// newest are the first and the last chunk of the stream's tree in the
	// newest valid meta's: the last ends what the file's last complete
	// commit held.
	newest  treeEdges
	chunks  []salvage
	damaged int64 // chunks none of whose records decode, and lost chunk pages
	// overwritten are the chunks of the older commit that a commit cut
	// short wrote over (countUnread): not of what the file held.
	overwritten int64
}

// chunkReader reads chunks from the damaged file into one buffer.
type chunkReader struct {
	r   io.ReaderAt
	buf []byte
}

// read returns the chunk's bytes, valid until the next read.
func (cr *chunkReader) read(loc chunkLoc) ([]byte, error) {
	n := min(loc.n, bolt.MaxValueSize)
	if int64(cap(cr.buf)) < n {
		cr.buf = make([]byte, n)
	}
	b := cr.buf[:n]
	got, err := cr.r.ReadAt(b, loc.off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b[:got], nil
}

// planSalvage decides which chunk copies Recover writes, and under which
// stream.
func planSalvage(s *pageScan, cr *chunkReader) (*salvagePlan, error) {
	o := newOwners(s)
	type refKey struct {
		stream string
		first  uint64
		off    int64
	}
	var all []salvage
	seen := make(map[refKey]int)
	claim := make(map[int64]int)             // chunk offset to the best rank of a reference to it
	var unread []unreadCopy                  // copies of chunks the file's trees reach that read nothing
	held := make(map[string]map[uint64]bool) // the chunk indexes of each stream's newest tree
	infos := make(map[string]StreamInfo)
	counted := make(map[string][2]int64) // rank+1, packets
	orphanCounters := make(map[uint64]int64)
	known := make(map[string]bool)
	for _, id := range sortedKeys(s.nodes) {
		nd := s.nodes[id]
		for _, sr := range nd.streams {
			known[sr.name] = true
		}
		if nd.info != nil {
			infos[nd.info.Name], known[nd.info.Name] = *nd.info, true
		}
		if nd.counters == nil && len(nd.chunks) == 0 {
			continue
		}
		name, rank := o.ownerOf(id)
		switch {
		case nd.counters != nil && rank < 2 && len(s.metas) > 0:
			// Counters the newest meta's tree does not reach are an older
			// copy, or were written by a commit cut short (a full disk),
			// maybe over the older meta's pages, which it had freed:
			// neither counts what the file held.
		case nd.counters != nil && name != "":
			count(counted, name, rank, nd.counters.packets)
		case nd.counters != nil:
			orphanCounters[id] = nd.counters.packets // its chunks may tell whose they are
		}
		for _, ref := range nd.chunks {
			if rank == 2 {
				if held[name] == nil {
					held[name] = make(map[uint64]bool)
				}
				held[name][ref.first] = true
			}
			loc := ref.loc
			if ref.root != 0 {
				v, ok := s.values[ref.root]
				if !ok {
					if rank > 0 {
						unread = append(unread, unreadCopy{stream: name, first: ref.first, rank: rank, page: ref.root, written: s.rewritten(cr, ref.root)})
					}
					continue
				}
				loc = v
			}
			k := refKey{name, ref.first, loc.off}
			if i, ok := seen[k]; ok {
				all[i].rank = max(all[i].rank, rank)
			} else {
				seen[k] = len(all)
				all = append(all, salvage{stream: name, rank: rank, first: ref.first, keyed: true, loc: loc, leaf: id})
			}
			if r, ok := claim[loc.off]; !ok || rank > r {
				claim[loc.off] = rank
			}
		}
	}
	// A chunk page that a surer reference gives to one place in a stream
	// belongs nowhere else: a stale leaf points to a page written again.
	all = slices.DeleteFunc(all, func(c salvage) bool { return c.rank < claim[c.loc.off] })
	// Chunk pages that no leaf found refers to: their leaves are lost.
	for _, id := range sortedKeys(s.values) {
		if loc := s.values[id]; !hasKey(claim, loc.off) {
			all = append(all, salvage{loc: loc})
		}
	}
	kept := all[:0]
	for _, c := range all {
		b, err := cr.read(c.loc)
		if err != nil {
			return nil, err
		}
		c.valid, c.at, c.head = headOf(b)
		if c.valid == 0 {
			if c.rank > 0 { // an older copy that decodes may stand in
				unread = append(unread, unreadCopy{stream: c.stream, first: c.first, rank: c.rank, page: uint64(c.loc.off / s.pageSize), written: !c.loc.cut})
			}
			continue
		}
		kept = append(kept, c)
	}
	all = kept
	placeUnknown(all)
	// Counters in a leaf of no known stream are the stream's whose chunks
	// the leaf holds, or the file's only stream's.
	for id, packets := range orphanCounters {
		owner := ""
		for _, c := range all {
			if c.leaf != id || c.stream == "" {
				continue
			}
			if owner != "" && owner != c.stream {
				owner = ""
				break
			}
			owner = c.stream
		}
		if owner == "" && len(known) == 1 {
			for name := range known {
				owner = name // the file's only stream
			}
		}
		if owner != "" {
			count(counted, owner, -1, packets)
		}
	}

	byStream := make(map[string][]salvage)
	for _, c := range all {
		byStream[c.stream] = append(byStream[c.stream], c)
	}
	plan := &salvagePlan{}
	var names []string
	for name := range known {
		if len(byStream[name]) == 0 {
			plan.lost = append(plan.lost, name)
		} else {
			names = append(names, name)
		}
	}
	slices.Sort(plan.lost)
	slices.Sort(names)
	for _, name := range names {
		ps := plannedStream{name: name, counted: counted[name][1], chunks: byIndex(byStream[name])}
		ps.newest = newestEdges(s, o, name)
		ps.damaged, ps.overwritten = countUnread(unread, name, held[name], ps.newest)
		if info, ok := infos[name]; ok {
			ps.info = &info
		}
		plan.streams = append(plan.streams, ps)
	}
	groups := groupStreams(byStream, known)
	plan.lost = nameGroups(groups, plan.lost, infos)
	plan.streams = append(plan.streams, groups...)
	return plan, nil
}

// nameGroups gives a group of chunks of no known stream the name of a
// stream that lost all its chunks, when its info says the codec and the
// size of the group's packets and no other group or lost stream is of
// them. It returns the streams still lost.
func nameGroups(groups []plannedStream, lost []string, infos map[string]StreamInfo) []string {
	fits := func(info StreamInfo, g plannedStream) bool {
		h := g.chunks[0].head
		return info.Codec == h.codec && (info.Width == 0 || info.Width == h.width && info.Height == h.height)
	}
	named := make(map[string]bool)
	for i, g := range groups {
		var match []string
		for _, name := range lost {
			if info, ok := infos[name]; ok && fits(info, g) {
				match = append(match, name)
			}
		}
		if len(match) != 1 {
			continue
		}
		rivals := 0
		for _, other := range groups {
			if fits(infos[match[0]], other) {
				rivals++
			}
		}
		if rivals == 1 {
			info := infos[match[0]]
			groups[i].name, groups[i].renamed, groups[i].info = match[0], false, &info
			named[match[0]] = true
		}
	}
	return slices.DeleteFunc(lost, func(name string) bool { return named[name] })
}

// count keeps the packet count of the surest counters of each stream found,
// and of those the largest (the newest, as streams only grow but for
// retention).
func count(counted map[string][2]int64, name string, rank int, packets int64) {
	c := [2]int64{int64(rank) + 2, packets}
	if prev := counted[name]; c[0] > prev[0] || c[0] == prev[0] && c[1] > prev[1] {
		counted[name] = c
	}
}

// headOf decodes a chunk's records: how many decode, and the first that
// does and where it is.
func headOf(b []byte) (valid, at int, head packetHead) {
	_, _ = decodeChunk(b, 0, func(j, _ int, p *media.Packet, err error) bool {
		if err != nil {
			return true
		}
		if valid == 0 {
			at = j
			head = packetHead{codec: p.Codec, format: p.Format, width: p.Width, height: p.Height, epoch: p.Epoch, seq: p.Seq, capture: p.CaptureTime}
		}
		valid++
		return true
	})
	return valid, at, head
}

// placeUnknown gives each chunk of no known stream, and each chunk found
// without its key, a stream and an index. A chunk goes to the one known
// stream whose keyed chunks hold packets of its encoder's epoch and codec;
// its index follows from its first record's Seq, as Seq and the index
// grow together within a stretch of an epoch: by the keyed chunk of its
// stream and epoch nearest it in Seq (seqAnchors.index). The chunks left
// are gathered by codec, size and epoch into streams of their own
// (groupStreams).
func placeUnknown(all []salvage) {
	epochs := make(map[uint64]map[string]media.Codec)
	anchors := make(seqAnchors)
	for _, c := range all {
		if !c.keyed {
			continue
		}
		anchors.add(c)
		if c.stream == "" {
			continue
		}
		if epochs[c.head.epoch] == nil {
			epochs[c.head.epoch] = make(map[string]media.Codec)
		}
		epochs[c.head.epoch][c.stream] = c.head.codec
	}
	anchors.sort()
	for i := range all {
		c := &all[i]
		if c.stream == "" {
			if streams := epochs[c.head.epoch]; len(streams) == 1 {
				for name, codec := range streams {
					if codec == c.head.codec {
						c.stream = name
					}
				}
			}
		}
		if c.stream == "" {
			c.group = groupKey{codec: c.head.codec, format: c.head.format, width: c.head.width, height: c.head.height, epoch: c.head.epoch}
		}
		if c.keyed {
			continue
		}
		seq := int64(c.head.seq) - int64(c.at) // the Seq of its first record
		c.first = anchors.index(c.stream, c.head.epoch, seq)
	}
}

// seqAnchors are the keyed chunks of each stream and epoch, in the order
// of their first records' Seq: each says how far the index is from the
// Seq from that chunk on. Within an epoch the two grow together, by one a
// packet, but for the packets that the recorder missed: a publisher lost
// for a while, a GOP dropped on a full disk, move the Seq on and not the
// index. A chunk found without its key (an older copy of a chunk, on a
// page no leaf refers to any more, or a chunk whose leaf is lost) is
// placed by the keyed chunks nearest it in Seq (index): a copy, at its own
// newer copy's index when that is kept.
type seqAnchors map[streamEpoch][]seqAnchor

type streamEpoch struct {
	stream string
	epoch  uint64
}

type seqAnchor struct {
	seq, offset int64 // a first record's Seq, and its index less its Seq
}

func (a seqAnchors) add(c salvage) {
	k := streamEpoch{c.stream, c.head.epoch}
	seq := int64(c.head.seq) - int64(c.at)
	a[k] = append(a[k], seqAnchor{seq: seq, offset: int64(c.first) - seq})
}

func (a seqAnchors) sort() {
	for _, list := range a {
		slices.SortFunc(list, func(x, y seqAnchor) int { return cmp.Or(cmp.Compare(x.seq, y.seq), cmp.Compare(x.offset, y.offset)) })
	}
}

// index returns the index of a chunk of the stream and epoch, found
// without its key, whose first record's Seq is seq: by the offset of the
// anchor nearest at or below seq. When that places it at or past the
// keyed chunk above, the Seq jumped ahead between the two, before this
// chunk (in chunks whose leaf is lost): the offset of the anchor above
// places it. Below every anchor, the first one places it; without
// anchors, the Seq is the index (Seq then orders the chunks).
func (a seqAnchors) index(stream string, epoch uint64, seq int64) uint64 {
	list := a[streamEpoch{stream, epoch}]
	if len(list) == 0 {
		return uint64(max(0, seq))
	}
	i, _ := slices.BinarySearchFunc(list, seq+1, func(x seqAnchor, s int64) int { return cmp.Compare(x.seq, s) })
	lo := list[max(0, i-1)]
	idx := seq + lo.offset
	if i > 0 && i < len(list) {
		if hi := list[i]; idx >= hi.seq+hi.offset {
			idx = max(seq+hi.offset, lo.seq+lo.offset+1)
		}
	}
	return uint64(max(0, idx))
}

// groupStreams makes a stream of each group of chunks of no known stream,
// named recovered-1, recovered-2, ... in the order of their first capture
// times, skipping the names of known streams.
func groupStreams(byStream map[string][]salvage, known map[string]bool) []plannedStream {
	groups := make(map[groupKey][]salvage)
	for _, c := range byStream[""] {
		groups[c.group] = append(groups[c.group], c)
	}
	var out []plannedStream
	for _, chunks := range groups {
		out = append(out, plannedStream{renamed: true, chunks: byIndex(chunks)})
	}
	earliest := func(ps plannedStream) time.Time {
		t := ps.chunks[0].head.capture
		for _, c := range ps.chunks {
			if c.head.capture.Before(t) {
				t = c.head.capture
			}
		}
		return t
	}
	slices.SortFunc(out, func(a, b plannedStream) int {
		if c := earliest(a).Compare(earliest(b)); c != 0 {
			return c
		}
		return cmp.Compare(a.chunks[0].head.epoch, b.chunks[0].head.epoch)
	})
	n := 0
	for i := range out {
		for {
			n++
			if name := fmt.Sprintf("recovered-%d", n); !known[name] {
				out[i].name = name
				break
			}
		}
	}
	return out
}

// byIndex sorts a stream's chunks by index, and the copies of a chunk best
// first: the surest, then the one found by its key, then the one with the
// most records that decode (the newest copy of a chunk that commits grew).
func byIndex(chunks []salvage) []salvage {
	slices.SortStableFunc(chunks, func(a, b salvage) int {
		return cmp.Or(
			cmp.Compare(a.first, b.first),
			cmp.Compare(b.rank, a.rank),
			cmp.Compare(boolInt(b.keyed), boolInt(a.keyed)),
			cmp.Compare(b.valid, a.valid),
		)
	})
	return chunks
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func hasKey[K comparable, V any](m map[K]V, k K) bool {
	_, ok := m[k]
	return ok
}

func sortedKeys[V any](m map[uint64]V) []uint64 {
	keys := make([]uint64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
