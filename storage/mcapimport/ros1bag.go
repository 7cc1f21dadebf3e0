package mcapimport

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/foxglove/mcap/go/mcap"
	"github.com/pierrec/lz4/v4"
)

// A ROS 1 bag (format 2.0, what rosbag record writes): the magic line, then
// records, each a header of name=value fields and data. Messages and the
// connections (topic, type, definition) they are on come in chunks,
// compressed or not; the index after them repeats the connections and says
// where each message is, and is not needed to read the bag in its order. A
// bag whose recorder was killed (NAME.bag.active) has chunks without the
// index. http://wiki.ros.org/Bags/Format/2.0

// ros1Magic opens every ROS 1 bag of format 2.0.
const ros1Magic = "#ROSBAG V2.0\n"

// The op codes of a ROS 1 bag's records.
const (
	ros1Message   = 0x02
	ros1BagHeader = 0x03
	ros1Chunk     = 0x05
	ros1Conn      = 0x07
)

// maxROS1Header bounds a record's header: a few fields, where a
// connection's definition is in its data.
const maxROS1Header = 1 << 20

// readROS1 reads a ROS 1 bag, f.r of f.size bytes, as readFile reads an
// MCAP file: its connections become channels of ROS 1 messages, each with
// the schema its definition gives, and its messages go through message.
//
// A bag read through a decompressor (f.read set) has no size to bound its
// records by but theirs, and no index at hand: whether its recorder wrote
// one is read from its bag header.
func (im *importer) readROS1(f bagFile) error {
	im.name, im.schemas, im.channels = f.name, map[uint16]*mcap.Schema{}, map[uint16]*channel{}
	var unindexed bool
	im.ros1Index, unindexed = ros1IndexConnections(f.r, f.size)
	if at, ok := f.r.(io.ReaderAt); ok && im.inspect && f.read == nil {
		if ok, err := im.inspectROS1Indexed(at, f.size); ok {
			im.res.Indexed = append(im.res.Indexed, f.name)
			return err
		}
	}
	size, compressed := f.size, f.read
	if compressed != nil {
		size = math.MaxInt64 / 2
	}
	counted := &countingReader{r: f.r}
	in := bufio.NewReaderSize(counted, 1<<16)
	if _, err := in.Discard(len(ros1Magic)); err != nil {
		im.res.Truncated = append(im.res.Truncated, f.name)
		return nil
	}
	left := func() int64 { return size - counted.n + int64(in.Buffered()) }
	done := func() int64 {
		if compressed != nil {
			return compressed.n
		}
		return f.size - left()
	}
	for {
		if err := im.ctx.Err(); err != nil {
			return err
		}
		at := size - left()
		header, data, err := readROS1Record(in, left())
		switch {
		case err == io.EOF && unindexed: // its recorder was stopped before it wrote the index
			im.res.Truncated = append(im.res.Truncated, f.name)
			return nil
		case err == io.EOF:
			return nil
		case errors.Is(err, io.ErrUnexpectedEOF):
			im.res.Truncated = append(im.res.Truncated, f.name)
			return nil
		case err != nil:
			im.res.Stopped = append(im.res.Stopped, fmt.Sprintf("%s is damaged near byte %d: %v", f.name, at, err))
			return nil
		}
		switch op := header["op"]; {
		case len(op) != 1:
			im.res.Stopped = append(im.res.Stopped, fmt.Sprintf("%s is damaged near byte %d: a record without its op", f.name, at))
			return nil
		case op[0] == ros1Chunk:
			records, err := ros1Chunked(header, data)
			if err != nil {
				im.res.DamagedChunks++
				break
			}
			if err := im.ros1Records(records); err != nil {
				return err
			}
			if im.opts.Progress != nil {
				im.opts.Progress(im.done+done(), im.total)
			}
		case op[0] == ros1BagHeader && compressed != nil:
			pos := header["index_pos"]
			unindexed = len(pos) == 8 && binary.LittleEndian.Uint64(pos) == 0
		case op[0] == ros1Conn, op[0] == ros1Message: // the index's connections, or a message outside chunks
			if err := im.ros1Record(header, data); err != nil {
				return err
			}
		}
	}
}

// ros1Records reads the records of a decompressed chunk; one that is cut
// short ends the chunk, counted damaged.
func (im *importer) ros1Records(records []byte) error {
	r := bytes.NewReader(records)
	for r.Len() > 0 {
		header, data, err := readROS1Record(r, int64(r.Len()))
		if err != nil {
			im.res.DamagedChunks++
			return nil
		}
		if op := header["op"]; len(op) == 1 && (op[0] == ros1Conn || op[0] == ros1Message) {
			if err := im.ros1Record(header, data); err != nil {
				return err
			}
		}
	}
	return nil
}

// ros1Record takes a connection or a message. A connection becomes a
// channel (its id, up to 65534) and a schema of its own (the id plus one).
// A message on a connection not seen yet (its chunk was lost) takes the
// connection the index repeats, or is left out.
func (im *importer) ros1Record(header map[string][]byte, data []byte) error {
	conn, ok := ros1Uint32(header["conn"])
	if !ok || conn >= 0xffff {
		return nil
	}
	id := uint16(conn)
	if c, ok := im.ros1Index[conn]; ok && header["op"][0] == ros1Message && im.channels[id] == nil {
		if err := im.ros1Record(c.header, c.data); err != nil {
			return err
		}
	}
	if header["op"][0] == ros1Conn {
		if _, seen := im.channels[id]; seen {
			return nil
		}
		fields, err := ros1Fields(data)
		if err != nil {
			return nil
		}
		topic := string(header["topic"])
		if t := fields["topic"]; len(t) > 0 {
			topic = string(t)
		}
		schema := &mcap.Schema{ID: id + 1, Name: string(fields["type"]), Encoding: "ros1msg", Data: fields["message_definition"]}
		im.schemas[schema.ID] = schema
		im.addChannel(&mcap.Channel{ID: id, SchemaID: schema.ID, Topic: topic, MessageEncoding: "ros1"})
		return nil
	}
	t, ok := header["time"]
	if !ok || len(t) != 8 {
		return nil
	}
	sec, nsec := binary.LittleEndian.Uint32(t), binary.LittleEndian.Uint32(t[4:])
	logTime := uint64(sec)*1e9 + uint64(nsec)
	return im.message(&mcap.Message{ChannelID: id, LogTime: logTime, PublishTime: logTime, Data: data})
}

// ros1Connection is a connection record: its header and its data.
type ros1Connection struct {
	header map[string][]byte
	data   []byte
}

// ros1IndexConnections returns the connections a ROS 1 bag's index
// repeats after its chunks, where its bag header (the first record) says
// the index is, by id; none when r does not read at offsets, or the bag has
// no index or a damaged one. unindexed says that its header says it has
// none, or one past its end: its recorder was stopped before it wrote it.
func ros1IndexConnections(r io.Reader, size int64) (conns map[uint32]ros1Connection, unindexed bool) {
	at, ok := r.(io.ReaderAt)
	if !ok {
		return nil, false
	}
	start := int64(len(ros1Magic))
	header, _, err := readROS1Record(io.NewSectionReader(at, start, size-start), size-start)
	if err != nil || len(header["op"]) != 1 || header["op"][0] != ros1BagHeader {
		return nil, false
	}
	pos, ok := header["index_pos"]
	if !ok || len(pos) != 8 {
		return nil, false
	}
	index := int64(binary.LittleEndian.Uint64(pos))
	if index <= start || index >= size {
		return nil, true
	}
	counted := &countingReader{r: io.NewSectionReader(at, index, size-index)}
	in := bufio.NewReader(counted)
	conns = map[uint32]ros1Connection{}
	for {
		header, data, err := readROS1Record(in, size-index-counted.n+int64(in.Buffered()))
		if err != nil {
			return conns, false
		}
		conn, ok := ros1Uint32(header["conn"])
		if op := header["op"]; ok && conn < 0xffff && len(op) == 1 && op[0] == ros1Conn { // as ros1Record takes them
			conns[conn] = ros1Connection{header: header, data: data}
		}
	}
}

// ros1Chunked returns a chunk's records, decompressed (none, bz2 or lz4)
// and checked against the size its header gives; none of an empty chunk.
func ros1Chunked(header map[string][]byte, data []byte) ([]byte, error) {
	size, ok := ros1Uint32(header["size"])
	switch {
	case !ok || size > maxChunk:
		return nil, fmt.Errorf("a chunk of size %d", size)
	case size == 0 && len(data) == 0: // the chunk a killed recorder had begun, its messages still in its compressor
		return nil, nil
	}
	var r io.Reader
	switch c := string(header["compression"]); c {
	case "none":
		r = bytes.NewReader(data)
	case "bz2":
		r = bzip2.NewReader(bytes.NewReader(data))
	case "lz4":
		r = lz4.NewReader(bytes.NewReader(data))
	default:
		return nil, fmt.Errorf("compression %q", c)
	}
	out, err := io.ReadAll(io.LimitReader(r, int64(size)+1)) // output grows as it comes: the declared size is only checked
	switch {
	case err != nil:
		return nil, err
	case len(out) != int(size):
		return nil, fmt.Errorf("%d bytes where the chunk says %d", len(out), size)
	}
	return out, nil
}

// readROS1Record reads one record: its header's fields and its data, each
// bounded by what is left of the file (left bytes) and by maxROS1Header
// and maxRecord. It returns io.EOF at the end, and io.ErrUnexpectedEOF for
// a record cut short.
func readROS1Record(r io.Reader, left int64) (map[string][]byte, []byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, nil, err // io.EOF between records, io.ErrUnexpectedEOF within one
	}
	headerLen := int64(binary.LittleEndian.Uint32(n[:]))
	switch {
	case headerLen > maxROS1Header:
		return nil, nil, fmt.Errorf("a record header of %d bytes", headerLen)
	case headerLen > left-4:
		return nil, nil, io.ErrUnexpectedEOF
	}
	header := make([]byte, headerLen)
	if _, err := io.ReadFull(r, header); err != nil {
		return nil, nil, io.ErrUnexpectedEOF
	}
	fields, err := ros1Fields(header)
	if err != nil {
		return nil, nil, err
	}
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, nil, io.ErrUnexpectedEOF
	}
	dataLen := int64(binary.LittleEndian.Uint32(n[:]))
	switch {
	case dataLen > maxRecord:
		return nil, nil, fmt.Errorf("a record of %d bytes", dataLen)
	case dataLen > left-8-headerLen:
		return nil, nil, io.ErrUnexpectedEOF
	}
	data := make([]byte, dataLen)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, nil, io.ErrUnexpectedEOF
	}
	return fields, data, nil
}

// ros1Fields parses a record header (or a connection's data): fields of a
// four-byte length and name=value.
func ros1Fields(b []byte) (map[string][]byte, error) {
	fields := map[string][]byte{}
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, errors.New("a header field cut short")
		}
		n := binary.LittleEndian.Uint32(b)
		if uint64(n) > uint64(len(b)-4) {
			return nil, fmt.Errorf("a header field of %d bytes in %d", n, len(b)-4)
		}
		field := b[4 : 4+n]
		b = b[4+n:]
		name, value, ok := bytes.Cut(field, []byte("="))
		if !ok {
			return nil, errors.New("a header field without '='")
		}
		fields[string(name)] = value
	}
	return fields, nil
}

// ros1Uint32 reads a header field of four bytes.
func ros1Uint32(b []byte) (uint32, bool) {
	if len(b) != 4 {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b), true
}
