package mcapimport

import (
	"cmp"
	"encoding/binary"
	"io"
	"slices"

	"github.com/foxglove/mcap/go/mcap"
)

// A ROS 1 bag that rosbag closed has, after each chunk, an index data
// record per connection in it, which gives each of its messages' times,
// and, where its bag header points, the connections and a chunk info
// record per chunk (where it is, and its messages per connection). Inspect
// counts a ROS 1 bag from those, as rosbag info does, as it counts an MCAP
// file from its summary (inspectIndexed).

// The op codes of a ROS 1 bag's index records.
const (
	ros1IndexData = 0x04
	ros1ChunkInfo = 0x06
)

// ros1Index is what a ROS 1 bag's index says: each connection's messages
// and first and last times, and where its chunks are.
type ros1Index struct {
	spans  map[uint32]channelSpan
	chunks []int64
}

// readROS1Index reads the index of the ROS 1 bag in r, of size bytes, and
// reports whether it could: not for a bag without one (its recorder was
// stopped before it wrote it), or one whose chunk infos and index data do
// not agree, or lie outside the file.
func readROS1Index(r io.ReaderAt, size int64) (ros1Index, bool) {
	start := int64(len(ros1Magic))
	header, _, _, err := ros1RecordAt(r, start, size)
	if err != nil || !ros1Op(header, ros1BagHeader) || len(header["index_pos"]) != 8 {
		return ros1Index{}, false
	}
	index := int64(binary.LittleEndian.Uint64(header["index_pos"]))
	chunkCount, ok := ros1Uint32(header["chunk_count"])
	if !ok || index <= start || index >= size {
		return ros1Index{}, false
	}
	// The chunk infos: where each chunk is and its messages per connection.
	want := map[uint32]int64{}
	idx := ros1Index{spans: map[uint32]channelSpan{}}
	for at := index; at < size; {
		header, dataAt, n, err := ros1RecordAt(r, at, size)
		if err != nil {
			return ros1Index{}, false
		}
		at = dataAt + n
		if !ros1Op(header, ros1ChunkInfo) {
			continue // the connections
		}
		pos := header["chunk_pos"]
		if len(pos) != 8 || n%8 != 0 || n > maxRecord {
			return ros1Index{}, false
		}
		chunk := int64(binary.LittleEndian.Uint64(pos))
		if chunk <= start || chunk >= index {
			return ros1Index{}, false
		}
		idx.chunks = append(idx.chunks, chunk)
		data := make([]byte, n)
		if _, err := r.ReadAt(data, dataAt); err != nil {
			return ros1Index{}, false
		}
		for ; len(data) > 0; data = data[8:] {
			want[binary.LittleEndian.Uint32(data)] += int64(binary.LittleEndian.Uint32(data[4:]))
		}
	}
	if len(idx.chunks) != int(chunkCount) {
		return ros1Index{}, false
	}
	slices.SortFunc(idx.chunks, cmp.Compare)
	// The index data after each chunk, up to the next: each message's time.
	for i, chunk := range idx.chunks {
		end := index
		if i+1 < len(idx.chunks) {
			end = idx.chunks[i+1]
		}
		if end == chunk {
			return ros1Index{}, false // two chunk infos of one chunk
		}
		_, dataAt, n, err := ros1RecordAt(r, chunk, end)
		if err != nil {
			return ros1Index{}, false
		}
		for at := dataAt + n; at < end; {
			header, dataAt, n, err := ros1RecordAt(r, at, end)
			if err != nil || !ros1Op(header, ros1IndexData) {
				break
			}
			at = dataAt + n
			conn, ok := ros1Uint32(header["conn"])
			count, cok := ros1Uint32(header["count"])
			if !ok || !cok || n != int64(count)*12 || n > maxRecord {
				return ros1Index{}, false
			}
			data := make([]byte, n)
			if _, err := r.ReadAt(data, dataAt); err != nil {
				return ros1Index{}, false
			}
			s := idx.spans[conn]
			for ; len(data) > 0; data = data[12:] {
				t := uint64(binary.LittleEndian.Uint32(data))*1e9 + uint64(binary.LittleEndian.Uint32(data[4:]))
				if s.messages == 0 || t < s.first {
					s.first = t
				}
				s.last = max(s.last, t)
				s.messages++
			}
			idx.spans[conn] = s
		}
	}
	if len(want) != len(idx.spans) {
		return ros1Index{}, false
	}
	for conn, n := range want {
		if idx.spans[conn].messages != n || conn >= 0xffff {
			return ros1Index{}, false
		}
	}
	return idx, true
}

// inspectROS1Indexed describes the ROS 1 bag in r, of size bytes, from its
// index (see above), its connections those of im.ros1Index, and reports
// whether it could; chunks are read from the start only until every
// topic's stream is known.
func (im *importer) inspectROS1Indexed(r io.ReaderAt, size int64) (bool, error) {
	idx, ok := readROS1Index(r, size)
	if !ok {
		return false, nil
	}
	for conn := range idx.spans {
		if _, ok := im.ros1Index[conn]; !ok {
			return false, nil
		}
	}
	conns, err := im.takeROS1Connections()
	if err != nil {
		return true, err
	}
	for _, conn := range conns {
		ch, s := im.channels[uint16(conn)], idx.spans[conn]
		if ch == nil || s.messages == 0 {
			continue
		}
		s.addTo(ch.topic)
	}
	im.indexed = true
	defer func() { im.indexed = false }()
	for _, chunk := range idx.chunks {
		if im.allKnown() {
			break
		}
		if err := im.ctx.Err(); err != nil {
			return true, err
		}
		header, data, err := readROS1Record(io.NewSectionReader(r, chunk, size-chunk), size-chunk)
		if err != nil || !ros1Op(header, ros1Chunk) {
			im.res.DamagedChunks++
			continue
		}
		records, err := ros1Chunked(header, data)
		if err != nil {
			im.res.DamagedChunks++
			continue
		}
		if err := im.ros1Records(records); err != nil {
			return true, err
		}
		if im.opts.Progress != nil {
			im.opts.Progress(im.done+chunk+int64(len(data)), im.total)
		}
	}
	return true, nil
}

// ros1RecordAt reads the header of the record at offset at of a bag of
// size bytes, and says where its data is and how long it is, without
// reading it.
func ros1RecordAt(r io.ReaderAt, at, size int64) (header map[string][]byte, dataAt, dataLen int64, err error) {
	var n [4]byte
	if at < 0 || at > size-8 {
		return nil, 0, 0, io.ErrUnexpectedEOF
	}
	if _, err := r.ReadAt(n[:], at); err != nil {
		return nil, 0, 0, err
	}
	headerLen := int64(binary.LittleEndian.Uint32(n[:]))
	if headerLen > maxROS1Header || headerLen > size-at-8 {
		return nil, 0, 0, io.ErrUnexpectedEOF
	}
	b := make([]byte, headerLen+4)
	if _, err := r.ReadAt(b, at+4); err != nil {
		return nil, 0, 0, err
	}
	if header, err = ros1Fields(b[:headerLen]); err != nil {
		return nil, 0, 0, err
	}
	dataAt = at + 8 + headerLen
	dataLen = int64(binary.LittleEndian.Uint32(b[headerLen:]))
	if dataLen > size-dataAt {
		return nil, 0, 0, io.ErrUnexpectedEOF
	}
	return header, dataAt, dataLen, nil
}

// ros1Op reports whether a record's header names op.
func ros1Op(header map[string][]byte, op byte) bool {
	o := header["op"]
	return len(o) == 1 && o[0] == op
}

// ros1IndexTopics takes the connections of the index of the ROS 1 bag in
// r, of size bytes, named name, as its topics (see Topics): ErrNoSummary
// when it has no index, or one without every connection its bag header
// counts.
func (im *importer) ros1IndexTopics(name string, r io.ReaderAt, size int64) error {
	header, _, _, err := ros1RecordAt(r, int64(len(ros1Magic)), size)
	if err != nil || !ros1Op(header, ros1BagHeader) {
		return ErrNoSummary
	}
	count, ok := ros1Uint32(header["conn_count"])
	conns, _ := ros1IndexConnections(io.NewSectionReader(r, 0, size), size)
	if !ok || len(conns) == 0 || len(conns) != int(count) {
		return ErrNoSummary
	}
	im.name, im.schemas, im.channels, im.ros1Index = name, map[uint16]*mcap.Schema{}, map[uint16]*channel{}, conns
	_, err = im.takeROS1Connections()
	return err
}

// takeROS1Connections takes the connections of im.ros1Index, in the order
// of their ids, and returns the ids.
func (im *importer) takeROS1Connections() ([]uint32, error) {
	ids := make([]uint32, 0, len(im.ros1Index))
	for conn := range im.ros1Index {
		ids = append(ids, conn)
	}
	slices.Sort(ids)
	for _, conn := range ids {
		if err := im.ros1Record(im.ros1Index[conn].header, im.ros1Index[conn].data); err != nil {
			return ids, err
		}
	}
	return ids, nil
}
