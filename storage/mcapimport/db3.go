package mcapimport

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"

	"github.com/alicebob/sqlittle"
	"github.com/foxglove/mcap/go/mcap"
)

// A rosbag2 file in SQLite (.db3), the default storage of ROS 2 before
// Iron: a table of topics (id, name, type, serialization_format) and one of
// messages (topic_id, timestamp, data) in the order they were written.
// Since Jazzy a table message_definitions holds each type's definition;
// before, the file names types only, and the definitions of the picture
// types are gopline's own (rosDefinitionsKnown).

// readDB3 reads one SQLite file of a bag, named name, as readFile reads an
// MCAP one: its topics become channels, its messages go through message.
// A file in WAL journal mode is read from a copy in scratch with its
// write-ahead log's transactions in it (checkpointedCopy).
func (im *importer) readDB3(path, name, scratch string) (err error) {
	im.name, im.schemas, im.channels = name, map[uint16]*mcap.Schema{}, map[uint16]*channel{}
	defer func() {
		if p := recover(); p != nil {
			im.res.Stopped = append(im.res.Stopped, fmt.Sprintf("%s is damaged (%v)", name, p))
			err = nil
		}
	}()
	if header, _ := readHead(path, 20); inWALMode(header) {
		copied, leftOut, err := checkpointedCopy(im.ctx, path, scratch)
		if err != nil {
			return err
		}
		defer os.Remove(copied)
		if leftOut != "" {
			im.res.Stopped = append(im.res.Stopped, name+": "+leftOut)
		}
		path = copied
	}
	cut := sqliteCutShort(path, name)
	failed := func(what string, err error) {
		if cut != "" {
			im.res.Stopped = append(im.res.Stopped, cut)
			return
		}
		im.res.Stopped = append(im.res.Stopped, fmt.Sprintf("%s: %v", what, err))
	}
	db, err := sqlittle.Open(path)
	if err != nil {
		failed(name+" does not open as SQLite", err)
		return nil
	}
	defer db.Close()
	if err := im.db3Topics(db); err != nil {
		failed(name+": its topics", err)
		return nil
	}
	var stored error
	err = db.SelectDone("messages", func(r sqlittle.Row) bool {
		var topicID, timestamp int64
		var data []byte
		if err := r.Scan(&topicID, &timestamp, &data); err != nil || topicID < 0 || topicID > 0xffff {
			return false // a row this reader cannot take: the next
		}
		if stored = im.ctx.Err(); stored != nil {
			return true
		}
		stored = im.message(&mcap.Message{ChannelID: uint16(topicID), LogTime: uint64(max(timestamp, 0)), Data: data})
		return stored != nil
	}, "topic_id", "timestamp", "data")
	if stored != nil {
		return stored
	}
	if err != nil {
		failed(name+": its messages", err)
	}
	return nil
}

// sqliteCutShort says how the SQLite file at path, named name, is cut
// short, when its header counts more pages than it holds (a copy or a
// download not finished), or "".
func sqliteCutShort(path, name string) string {
	head, err := readHead(path, 100)
	fi, serr := os.Stat(path)
	if err != nil || serr != nil || len(head) < 100 {
		return ""
	}
	pageSize := int64(binary.BigEndian.Uint16(head[16:]))
	if pageSize == 1 {
		pageSize = 1 << 16
	}
	pages := int64(binary.BigEndian.Uint32(head[28:]))
	if binary.BigEndian.Uint32(head[24:]) != binary.BigEndian.Uint32(head[92:]) || fi.Size() >= pages*pageSize {
		return "" // the count is not kept up to date by whatever wrote it last, or the pages are there
	}
	return fmt.Sprintf("%s is cut short: %d of the %d bytes its header counts are there (a copy or a download not finished?)", name, fi.Size(), pages*pageSize)
}

// db3Topics takes the topics of a rosbag2 SQLite file as channels, each
// with the schema of its type: the file's definition (Jazzy and later),
// else gopline's own of a picture type it knows.
func (im *importer) db3Topics(db *sqlittle.DB) error {
	definitions := map[string]*mcap.Schema{}
	if columns, _ := db.Columns("message_definitions"); len(columns) > 0 {
		_ = db.Select("message_definitions", func(r sqlittle.Row) {
			var typ, encoding, text string
			if r.Scan(&typ, &encoding, &text) == nil {
				definitions[typ] = &mcap.Schema{Name: typ, Encoding: encoding, Data: []byte(text)}
			}
		}, "topic_type", "encoding", "encoded_message_definition")
	}
	var topicErr error
	err := db.Select("topics", func(r sqlittle.Row) {
		var id int64
		var topic, typ, format string
		if err := r.Scan(&id, &topic, &typ, &format); err != nil || id < 0 || id > 0xffff {
			topicErr = fmt.Errorf("a topic of id %d", id)
			return
		}
		schema := definitions[typ]
		known, ok := rosDefinitionsKnown[typ]
		if schema == nil || len(schema.Data) == 0 {
			schema = &mcap.Schema{Name: typ, Encoding: "ros2msg", Data: []byte(known)}
		}
		schema.ID = uint16(id)
		im.schemas[schema.ID] = schema
		im.addChannel(&mcap.Channel{ID: uint16(id), SchemaID: schema.ID, Topic: topic, MessageEncoding: format})
		if t := im.topics[topic].topic; t.NotPictures && definitions[typ] == nil && !ok {
			t.Skipped = "not a picture type gopline knows (the file defines no types)"
		}
	}, "id", "name", "type", "serialization_format")
	if err == nil {
		err = topicErr
	}
	return err
}

// sqliteTopics takes the topics of f, a rosbag2 SQLite file, from its
// table of topics (see Topics): ErrNoSummary when it does not read.
func (im *importer) sqliteTopics(f bagFile) (err error) {
	im.name, im.schemas, im.channels = f.name, map[uint16]*mcap.Schema{}, map[uint16]*channel{}
	defer func() {
		if p := recover(); p != nil {
			err = ErrNoSummary
		}
	}()
	db, err := sqlittle.Open(f.path)
	if err != nil {
		return ErrNoSummary
	}
	defer db.Close()
	if err := im.db3Topics(db); err != nil {
		return ErrNoSummary
	}
	return nil
}

// readDB3Compressed reads a SQLite file of a bag compressed whole with c
// (rosbag2's compression mode "file": NAME_0.db3.zstd). SQLite is read in
// place, not as a stream, so the file is decompressed first into a hidden
// file in f.scratch (the recording's directory), as rosbag2 does beside the
// bag, and that file is removed once read. Damage in the compressed bytes
// ends the decompression: what came before it is read, and the damage is
// said in Result.Stopped. Failing to write the file (a full disk) is an
// error.
func (im *importer) readDB3Compressed(f bagFile, c *compression) error {
	in, err := os.Open(f.path)
	if err != nil {
		return fmt.Errorf("mcapimport: %w", err)
	}
	defer in.Close()
	counted := &countingReader{r: in}
	d, err := c.open(counted)
	if err != nil {
		return fmt.Errorf("mcapimport: %s: %w", f.name, err)
	}
	defer d.Close()
	out, err := os.CreateTemp(f.scratch, "."+f.name+".*.decompressing")
	if err != nil {
		return fmt.Errorf("mcapimport: decompressing %s: %w", f.name, err)
	}
	defer os.Remove(out.Name())
	defer out.Close()
	buf := make([]byte, 1<<20)
	for {
		if err := im.ctx.Err(); err != nil {
			return err
		}
		n, rerr := d.Read(buf)
		if _, err := out.Write(buf[:n]); err != nil {
			return fmt.Errorf("mcapimport: decompressing %s into %s: %w", f.name, f.scratch, err)
		}
		if im.opts.Progress != nil {
			im.opts.Progress(im.done+counted.n, im.total)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil { // io.ErrUnexpectedEOF: cut short
			im.res.Stopped = append(im.res.Stopped, fmt.Sprintf("%s does not decompress past byte %d of its compressed bytes: %v", f.name, counted.n, rerr))
			break
		}
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("mcapimport: decompressing %s into %s: %w", f.name, f.scratch, err)
	}
	return im.readDB3(out.Name(), f.name, f.scratch)
}
