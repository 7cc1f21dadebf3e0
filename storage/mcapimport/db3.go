package mcapimport

import (
	"fmt"
	"path/filepath"

	"github.com/alicebob/sqlittle"
	"github.com/foxglove/mcap/go/mcap"
)

// A rosbag2 file in SQLite (.db3), the default storage of ROS 2 before
// Iron: a table of topics (id, name, type, serialization_format) and one of
// messages (topic_id, timestamp, data) in the order they were written.
// Since Jazzy a table message_definitions holds each type's definition;
// before, the file names types only, and the definitions of the picture
// types are gopline's own (rosDefinitionsKnown).

// readDB3 reads one SQLite file of a bag as readFile reads an MCAP one: its
// topics become channels, its messages go through message.
func (im *importer) readDB3(path string) (err error) {
	name := filepath.Base(path)
	im.name, im.schemas, im.channels = name, map[uint16]*mcap.Schema{}, map[uint16]*channel{}
	defer func() {
		if p := recover(); p != nil {
			im.res.Stopped = append(im.res.Stopped, fmt.Sprintf("%s is damaged (%v)", name, p))
			err = nil
		}
	}()
	db, err := sqlittle.Open(path)
	if err != nil {
		im.res.Stopped = append(im.res.Stopped, fmt.Sprintf("%s does not open as SQLite: %v", name, err))
		return nil
	}
	defer db.Close()
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
	err = db.Select("topics", func(r sqlittle.Row) {
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
	if err != nil {
		im.res.Stopped = append(im.res.Stopped, fmt.Sprintf("%s: its topics: %v", name, err))
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
		im.res.Stopped = append(im.res.Stopped, fmt.Sprintf("%s: its messages: %v", name, err))
	}
	return nil
}
