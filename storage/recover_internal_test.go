package storage

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
)

// smallRecording returns the bytes of a recording of a few JPEG-like
// packets and a few H.264-like ones, committed one at a time.
func smallRecording(t testing.TB) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "small.gopline")
	rec, err := Open(path, WithBatch(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range []StreamInfo{{Name: "/a", Codec: media.JPEG}, {Name: "/b", Codec: media.H264}} {
		if err := rec.CreateStream(s); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 12 {
		data := bytes.Repeat([]byte{byte(i)}, 100+50*i)
		a := &media.Packet{Codec: media.JPEG, Key: true, Seq: uint64(i), GOP: uint64(i), Epoch: 7, Width: 8, Height: 8, CaptureTime: t0.Add(time.Duration(i) * time.Second), Data: data}
		b := &media.Packet{Codec: media.H264, Key: i%4 == 0, Seq: uint64(i), GOP: uint64(i - i%4), Epoch: 9, Width: 8, Height: 8, CaptureTime: t0.Add(time.Duration(i) * time.Second), Data: data}
		for _, p := range []struct {
			s string
			p *media.Packet
		}{{"/a", a}, {"/b", b}} {
			if err := rec.Append(p.s, p.p); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSmallRecordingRecoversWhole(t *testing.T) {
	res := recoverFile(t, smallRecording(t))
	if len(res.Streams) != 2 || res.Streams[0].Packets != 12 || res.Streams[1].Packets != 12 || res.PageSize != pageSize {
		t.Errorf("%+v", res)
	}
}

// FuzzRecoverScan feeds the page scan and the salvage plan any bytes: they
// must not panic, and must not read or hold more than the file.
func FuzzRecoverScan(f *testing.F) {
	rec := smallRecording(f)
	f.Add(rec)
	f.Add(rec[:len(rec)/2])
	f.Add(rec[2*pageSize:])
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0x02, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0xff, 0xff, 0, 0, 0, 0}, 256))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := scanPages(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		for _, loc := range s.values {
			if loc.off < 0 || loc.n < 0 || loc.off+loc.n > int64(len(b)) {
				t.Fatalf("chunk at %d+%d in %d bytes", loc.off, loc.n, len(b))
			}
		}
		plan, err := planSalvage(s, &chunkReader{r: bytes.NewReader(b)})
		if err != nil {
			t.Fatal(err)
		}
		for _, ps := range plan.streams {
			if len(ps.chunks) == 0 || ps.name == "" {
				t.Fatalf("planned stream %q of %d chunks", ps.name, len(ps.chunks))
			}
		}
		_ = s.describe()
	})
}

func TestRecoverTakesARecordTheBestCopyLostFromAnother(t *testing.T) {
	b := smallRecording(t)
	s, err := scanPages(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := planSalvage(s, &chunkReader{r: bytes.NewReader(b)})
	if err != nil {
		t.Fatal(err)
	}
	// A chunk of /b of which two copies hold its second record: damage the
	// best copy's.
	damaged := false
	for _, ps := range plan.streams {
		for i := 0; ps.name == "/b" && i+1 < len(ps.chunks) && !damaged; i++ {
			best, other := ps.chunks[i], ps.chunks[i+1]
			if best.first != other.first || best.valid < 2 || other.valid < 2 {
				continue
			}
			w := walkChunk(b[best.loc.off : best.loc.off+best.loc.n])
			r0, _ := w.next()
			r1, _ := w.next()
			b[best.loc.off+chunkHeaderSize+int64(len(r0)+len(r1))-1] ^= 0xff
			damaged = true
		}
	}
	if !damaged {
		t.Fatal("no chunk of /b has two copies")
	}
	res := recoverFile(t, b)
	for _, rs := range res.Streams {
		if rs.Packets != 12 || rs.Damaged != 0 {
			t.Errorf("%+v, want all 12 packets and no damage", rs)
		}
	}
}

// An older copy of a chunk on a page that no leaf refers to any more has
// no index of its own: it is placed by its first record's Seq, after the
// keyed chunk of its stream and epoch nearest below it in Seq. A Seq that
// jumps ahead within an epoch (a recorder that lost its publisher for a
// while, the encoder going on) moves the index and the Seq apart there.
func TestPlaceUnknownPlacesACopyByTheNearestKeyedChunkOfItsEpoch(t *testing.T) {
	keyed := func(first, seq uint64) salvage {
		return salvage{stream: "/cam", rank: 2, first: first, keyed: true, valid: 6, head: packetHead{codec: media.H264, epoch: 9, seq: seq}}
	}
	copyOf := func(at int, seq uint64) salvage {
		return salvage{valid: 2, at: at, head: packetHead{codec: media.H264, epoch: 9, seq: seq}}
	}
	all := []salvage{
		keyed(36, 126), keyed(0, 90), keyed(30, 1320), // the jump: index 30 is Seq 1320
		copyOf(0, 96),   // a copy of the chunk at 6, before the jump
		copyOf(0, 1320), // a copy of the chunk at 30
		copyOf(1, 1327), // a copy of the chunk at 36 whose first record is lost
		copyOf(0, 1500), // a chunk past the last keyed one
		copyOf(0, 50),   // a chunk before the first keyed one
		{valid: 1, head: packetHead{codec: media.H264, epoch: 4, seq: 7}}, // another epoch
	}
	all[0].head.seq = 1326
	placeUnknown(all)
	want := []struct {
		stream string
		first  uint64
	}{{"/cam", 36}, {"/cam", 0}, {"/cam", 30}, {"/cam", 6}, {"/cam", 30}, {"/cam", 36}, {"/cam", 210}, {"/cam", 0}, {"", 7}}
	for i, w := range want {
		if all[i].stream != w.stream || all[i].first != w.first {
			t.Errorf("chunk %d (seq %d, epoch %d): stream %q index %d, want %q index %d",
				i, all[i].head.seq, all[i].head.epoch, all[i].stream, all[i].first, w.stream, w.first)
		}
	}
}

// jumpingRecording returns the bytes of a recording of one H.264-like
// stream whose Seq jumps ahead halfway within one encoder epoch, as it does
// when a recorder loses its publisher for a while and the encoder goes on:
// the index goes on by one, the Seq by the packets missed. It commits one
// packet at a time, so the file holds older copies of most chunks on pages
// that no leaf refers to any more.
func jumpingRecording(t testing.TB, packets int, jump uint64) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jumping.gopline")
	rec, err := Open(path, WithBatch(1, 0), WithSync(SyncNone))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	if err := rec.CreateStream(StreamInfo{Name: "/cam", Codec: media.H264}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range packets {
		seq := uint64(90 + i)
		if i >= packets/2 {
			seq += jump
		}
		p := &media.Packet{Codec: media.H264, Key: i%6 == 0, Seq: seq, GOP: seq - uint64(i%6), Epoch: 9, Width: 8, Height: 8,
			CaptureTime: t0.Add(time.Duration(seq) * 40 * time.Millisecond), Data: bytes.Repeat([]byte{byte(i)}, 300+100*(i%6))}
		if err := rec.Append("/cam", p); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRecoverPlacesOlderCopiesOfChunksAfterASeqJumpWhereTheyBelong(t *testing.T) {
	const packets = 60
	rs := recoverBytes(t, jumpingRecording(t, packets, 1200))
	if rs.Packets != packets || rs.Counted != packets || rs.Lost() != 0 || rs.Damaged != 0 || rs.Dropped != 0 || rs.Missing != 0 {
		t.Fatalf("%+v: want all %d packets, and nothing counted damaged, dropped or missing", rs, packets)
	}
}

// chunkOf returns the bytes of a chunk holding packets.
func chunkOf(packets ...*media.Packet) []byte {
	b := newChunk(encodeRecord(packets[0]))
	for _, p := range packets[1:] {
		b = append(b, encodeRecord(p)...)
	}
	return b
}

// A copy of a chunk that lands at another index than its own repeats
// packets the new file holds: they are written once, and counted neither
// dropped nor missing.
func TestRecoverCountsNoLossForAPacketFoundTwice(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	pkt := func(seq uint64, key bool) *media.Packet {
		return &media.Packet{Codec: media.H264, Key: key, Seq: seq, GOP: seq - seq%3, Epoch: 9, Width: 8, Height: 8,
			CaptureTime: t0.Add(time.Duration(seq) * time.Second), Data: []byte{byte(seq), 1, 2}}
	}
	a := chunkOf(pkt(0, true), pkt(1, false), pkt(2, false))
	b := chunkOf(pkt(3, true), pkt(4, false), pkt(5, false))
	file := append(append([]byte{}, a...), b...)
	loc := func(off, n int) chunkLoc { return chunkLoc{off: int64(off), n: int64(n)} }
	ps := plannedStream{name: "/cam", info: &StreamInfo{Name: "/cam", Codec: media.H264}, counted: 6, chunks: []salvage{
		{stream: "/cam", rank: 2, first: 0, keyed: true, loc: loc(0, len(a)), valid: 3},
		{stream: "/cam", rank: 2, first: 3, keyed: true, loc: loc(len(a), len(b)), valid: 3},
		{stream: "/cam", first: 6, loc: loc(len(a), len(b)), valid: 3}, // b again, past the end
	}}
	rec, err := Open(filepath.Join(t.TempDir(), "new.gopline"), WithSync(SyncNone))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	rs, err := writeStream(rec, ps, &chunkReader{r: bytes.NewReader(file)})
	if err != nil {
		t.Fatal(err)
	}
	if rs.Packets != 6 || rs.Lost() != 0 || rs.Damaged != 0 || rs.Dropped != 0 || rs.Missing != 0 {
		t.Fatalf("%+v: want 6 packets written and nothing counted lost", rs)
	}
}

// A chunk found without its key between two keyed chunks, after a jump of
// the Seq that lies between them, is placed by the keyed chunk above: by
// the one below, it would land on the keyed chunks after it.
func TestPlaceUnknownPlacesAChunkAfterAJumpByTheKeyedChunkAbove(t *testing.T) {
	keyed := func(first, seq uint64) salvage {
		return salvage{stream: "/cam", rank: 2, first: first, keyed: true, valid: 6, head: packetHead{codec: media.H264, epoch: 9, seq: seq}}
	}
	unkeyed := func(seq uint64) salvage {
		return salvage{valid: 6, head: packetHead{codec: media.H264, epoch: 9, seq: seq}}
	}
	// Indexes 0 to 5 are Seq 90 to 95; the leaf of 6 to 17 is lost; from
	// index 18 on the Seq is 1290 ahead. The jump lies between 6 and 12.
	all := []salvage{keyed(0, 90), keyed(18, 1398), unkeyed(96), unkeyed(1392), unkeyed(1500)}
	placeUnknown(all)
	for i, want := range []uint64{0, 18, 6, 12, 120} {
		if all[i].first != want {
			t.Errorf("chunk %d (seq %d): index %d, want %d", i, all[i].head.seq, all[i].first, want)
		}
	}
}

// damageLeaves writes garbage over every leaf page of the recording b
// that refers to a chunk of an index in [from, to), and returns how many.
func damageLeaves(t *testing.T, b []byte, from, to uint64) int {
	t.Helper()
	scan, err := scanPages(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for id, nd := range scan.nodes {
		if !slices.ContainsFunc(nd.chunks, func(r chunkRef) bool { return r.first >= from && r.first < to }) {
			continue
		}
		if nd.counters != nil {
			t.Fatalf("the leaf %d of chunks %d to %d holds the counters too", id, from, to)
		}
		page := b[int64(id)*scan.pageSize:][:scan.pageSize]
		for i := range page {
			page[i] = byte(i*7 + 3)
		}
		n++
	}
	return n
}

func TestRecoverPlacesChunksAfterASeqJumpInALostLeafWhereTheyBelong(t *testing.T) {
	const packets = 600
	b := jumpingRecording(t, packets, 1200)
	if n := damageLeaves(t, b, packets/2-12, packets/2+24); n == 0 {
		t.Fatal("no leaf damaged")
	}
	rs := recoverBytes(t, b)
	if rs.Packets != packets || rs.Counted != packets || rs.Damaged != 0 || rs.Dropped != 0 || rs.Missing != 0 {
		t.Fatalf("%+v: want all %d packets, and nothing counted damaged, dropped or missing", rs, packets)
	}
}

// damageChunk writes garbage over the start of every copy of the chunk
// whose first record has Seq seq in the recording b.
func damageChunk(t *testing.T, b []byte, seq uint64) {
	t.Helper()
	scan, err := scanPages(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, loc := range scan.values {
		chunk := b[loc.off:][:loc.n]
		if valid, at, head := headOf(chunk); valid == 0 || head.seq-uint64(at) != seq {
			continue
		}
		for i := range min(loc.n, 64) {
			chunk[i] ^= 0x5a
		}
		n++
	}
	if n == 0 {
		t.Fatalf("no copy of the chunk of seq %d found", seq)
	}
}

// What a recovered stream lost adds up to what the file counted, when the
// chunks lost are the first or the last, whose indexes no chunk found
// bounds.
func TestRecoverCountsTheChunksLostAtTheEndsAsMissing(t *testing.T) {
	const packets = 60
	for _, first := range []uint64{0, packets - 6} {
		b := jumpingRecording(t, packets, 0)
		damageChunk(t, b, 90+first) // jumpingRecording's Seq starts at 90
		rs := recoverBytes(t, b)
		if rs.Packets >= packets || rs.Counted != packets || rs.Missing == 0 || rs.Packets+rs.Damaged+rs.Dropped+rs.Missing != packets {
			t.Errorf("chunk %d damaged: %+v: want the packets written, damaged, dropped and missing to add up to %d, some missing", first, rs, packets)
		}
	}
}

// newestCounters returns where the recording b's newest tree keeps the
// counters of its only stream: the file offsets of their leaf page and of
// their value in it.
func newestCounters(t *testing.T, b []byte) (page, value int64) {
	t.Helper()
	scan, err := scanPages(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	o := newOwners(scan)
	for id, nd := range scan.nodes {
		if _, rank := o.ownerOf(id); nd.counters == nil || rank != 2 {
			continue
		}
		page = int64(id) * scan.pageSize
		p, _ := readBoltPage(b[page:])
		for _, e := range leafElements(b[page:page+scan.pageSize], int(p.count)) {
			if string(e.key) == keyCounters {
				return page, page + int64(e.valueAt)
			}
		}
	}
	t.Fatal("the newest tree's counters are not found")
	return 0, 0
}

// recoverFile writes the recording b to a file and recovers it.
func recoverFile(t *testing.T, b []byte) RecoverResult {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src.gopline")
	if err := os.WriteFile(src, b, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Recover(src, filepath.Join(t.TempDir(), "new.gopline"))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// recoverBytes recovers the recording b and returns its only stream.
func recoverBytes(t *testing.T, b []byte) RecoveredStream {
	t.Helper()
	res := recoverFile(t, b)
	if len(res.Streams) != 1 {
		t.Fatalf("%+v: want one stream", res)
	}
	return res.Streams[0]
}

// A stream's counters cut away from the end of their page (a torn write,
// a bad sector) leave the entries of its chunks before them: the newest
// tree's first chunk and the end of its last tell how many packets the
// file held, exactly.
func TestRecoverCountsAStreamWhoseCountersAreLostByItsChunks(t *testing.T) {
	const packets = 600
	b := jumpingRecording(t, packets, 0)
	page, value := newestCounters(t, b)
	clear(b[value : page+pageSize])
	rs := recoverBytes(t, b)
	want := RecoveredStream{Name: "/cam", Codec: media.H264, Packets: packets, GOPs: packets / 6, Counted: packets, CountedBy: CountedByIndexes,
		First: rs.First, Last: rs.Last}
	if rs != want {
		t.Errorf("%+v\nwant %+v", rs, want)
	}
}

// When the counters' page is lost whole, so are the entries of the last
// chunks beside them: the count is not known, and the report says why.
// The chunks themselves are found on their own pages, and none is taken
// for a commit cut short. The newest tree's first chunk index still tells
// the packets lost before the first chunk found.
func TestRecoverSaysWhyItCannotCountAStreamWhoseLastLeafIsLost(t *testing.T) {
	const packets = 600
	const why = "its counters are lost, and so is the last commit's entry of its last chunk"
	for _, firstLost := range []bool{false, true} {
		b := jumpingRecording(t, packets, 0)
		page, _ := newestCounters(t, b)
		want := RecoveredStream{Name: "/cam", Codec: media.H264, Packets: packets, GOPs: packets / 6, Uncounted: why}
		if firstLost {
			damageChunk(t, b, 90) // jumpingRecording's Seq starts at 90
			want.Packets, want.GOPs, want.Dropped, want.Missing, want.UnreadableChunks = packets-6, packets/6-1, 1, 5, 1
		}
		clear(b[page : page+pageSize])
		rs := recoverBytes(t, b)
		want.First, want.Last = rs.First, rs.Last
		if rs != want {
			t.Errorf("first chunk lost %v: %+v\nwant %+v", firstLost, rs, want)
		}
	}
}

// A copy of the file cut short inside the counters' value: the count is
// exact when the newest tree's root, the stream's root and its last
// chunk's page lie before the cut; otherwise the report says what was
// lost that would have told it (bbolt places pages where its freelist
// says, so which holds depends on the run). Either way nothing is taken
// for a commit cut short.
func TestRecoverCountsACopyCutInsideItsCountersWhereTheFileAllows(t *testing.T) {
	const packets = 600
	for range 8 {
		b := jumpingRecording(t, packets, 0)
		page, value := newestCounters(t, b)
		scan, err := scanPages(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		last := scan.nodes[uint64(page/pageSize)].chunks
		loc, ok := scan.values[last[len(last)-1].root]
		if !ok {
			t.Fatal("the last chunk's page is not found")
		}
		before := func(id uint64) bool { return int64(id+1)*pageSize <= value }
		exact := before(scan.metas[0].root) && before(newOwners(scan).newest["/cam"]) && loc.off+loc.n <= value
		rs := recoverBytes(t, b[:value])
		t.Logf("the count can be known: %v; %+v", exact, rs)
		lost := rs.Damaged + rs.Dropped + rs.Missing
		switch {
		case exact && (rs.Counted != packets || rs.CountedBy != CountedByIndexes || rs.Uncounted != "" || rs.Packets+lost != packets || rs.Uncommitted != 0):
			t.Errorf("%+v: want the %d packets counted by the chunks' indexes, and those written and lost to add up to them", rs, packets)
		case !exact && (rs.Counted != 0 || rs.Uncounted == "" || rs.Packets >= packets || rs.Uncommitted != 0):
			t.Errorf("%+v: the tree's pages are cut away: want the count unknown, and why", rs)
		}
	}
}
