package mcapimport

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/foxglove/mcap/go/mcap"
)

// picture is what an image message holds, whatever its schema.
type picture struct {
	stamp    time.Time // the message's own time; zero when it has none
	frameID  string    // its header's frame_id (ROS), or its frame_id (Foxglove)
	format   string    // a compressed picture's ("jpeg", "png", "h264", ...)
	encoding string    // a raw picture's ("rgb8", "mono8", ...) or a codec's
	width    int
	height   int
	step     int // bytes per row of a raw picture
	// bigEndian: a raw picture's samples wider than a byte are big-endian.
	bigEndian bool
	data      []byte
}

// messageReader turns a channel's messages into pictures.
type messageReader func(data []byte) (picture, error)

// errNotPictures is wrapped by newMessageReader for a channel whose
// messages hold no picture.
var errNotPictures = errors.New("not pictures")

// errUndefinedType is newMessageReader's error for a ROS 2 type the file
// names without its definition, and that is not a picture type gopline
// knows the fields of.
var errUndefinedType = fmt.Errorf("%w: not a picture type gopline knows (the file does not define it)", errNotPictures)

// newMessageReader returns the reader of a channel's messages, or an error
// saying why the channel is not read: messages that are not pictures
// (wrapping errNotPictures), or an encoding gopline does not read.
//
// A picture message is one with data and format fields (a compressed
// picture: sensor_msgs/CompressedImage, foxglove CompressedImage and
// CompressedVideo) or with data, encoding, width and height (a raw one:
// sensor_msgs/Image, foxglove RawImage, ffmpeg_image_transport's packets).
// It reads ROS 2 (ros2msg schemas, CDR messages), ROS 1 (ros1msg, ros1),
// JSON (jsonschema, json) and protobuf messages.
func newMessageReader(schema *mcap.Schema, messageEncoding string) (messageReader, error) {
	if schema == nil {
		return nil, fmt.Errorf("%w: a channel without a schema", errNotPictures)
	}
	switch {
	case schema.Encoding == "ros2msg" && messageEncoding == "cdr",
		schema.Encoding == "ros1msg" && messageEncoding == "ros1":
		text := string(schema.Data)
		if strings.TrimSpace(text) == "" && schema.Encoding == "ros2msg" {
			// A writer that named the type without its definition, as
			// Humble's SQLite bags do: the ROS 2 picture types are read
			// by their known fields.
			known, ok := rosDefinitionsKnown[schema.Name]
			if !ok {
				return nil, errUndefinedType
			}
			text = known
		}
		defs, err := parseROSDefinitions(schema.Name, text)
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", schema.Name, err)
		}
		var names []string
		for _, f := range defs.top {
			names = append(names, f.name)
		}
		if err := isPicture(schema.Name, names); err != nil {
			return nil, err
		}
		return implyFormat(schema.Name, func(data []byte) (picture, error) {
			m, err := decodeROS(defs, messageEncoding, data)
			if err != nil {
				return picture{}, err
			}
			return pictureOf(m)
		}), nil
	case schema.Encoding == "protobuf" && messageEncoding == "protobuf":
		desc, err := protoMessageOf(schema)
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", schema.Name, err)
		}
		var names []string
		for i := range desc.Fields().Len() {
			names = append(names, string(desc.Fields().Get(i).Name()))
		}
		if err := isPicture(schema.Name, names); err != nil {
			return nil, err
		}
		return implyFormat(schema.Name, func(data []byte) (picture, error) {
			m, err := decodeProto(desc, data, 0)
			if err != nil {
				return picture{}, err
			}
			return pictureOf(m)
		}), nil
	case messageEncoding == "json":
		var s struct {
			Properties map[string]json.RawMessage `json:"properties"`
		}
		if schema.Encoding == "jsonschema" && json.Unmarshal(schema.Data, &s) == nil && len(s.Properties) > 0 {
			if err := isPicture(schema.Name, slices.Collect(maps.Keys(s.Properties))); err != nil {
				return nil, err
			}
		} else if !strings.Contains(schema.Name, "Image") && !strings.Contains(schema.Name, "Video") {
			return nil, fmt.Errorf("%w: %s", errNotPictures, schema.Name)
		}
		return implyFormat(schema.Name, func(data []byte) (picture, error) {
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				return picture{}, err
			}
			return pictureOf(m)
		}), nil
	}
	return nil, fmt.Errorf("schema %s: %s schemas with %s messages are not read (gopline reads ROS 1 and 2, JSON and protobuf messages)",
		schema.Name, orNone(schema.Encoding), orNone(messageEncoding))
}

func orNone(s string) string {
	if s == "" {
		return "no encoding"
	}
	return s
}

// impliedFormats are the formats of the packet messages that say theirs by
// their type alone: h264_image_transport's (a Raspberry Pi camera's
// H.264, ROS 2), whose messages hold a header, a sequence number and the
// access unit in Annex B.
var impliedFormats = map[string]string{
	"h264_msgs/msg/Packet": "h264",
	"h264_msgs/Packet":     "h264",
}

// implyFormat returns read, the pictures of a schema so named given its
// implied format when they have none.
func implyFormat(schema string, read messageReader) messageReader {
	format := impliedFormats[schema]
	if format == "" {
		return read
	}
	return func(data []byte) (picture, error) {
		p, err := read(data)
		if err == nil && p.format == "" {
			p.format = format
		}
		return p, err
	}
}

// isPicture returns nil when a schema with these top-level fields holds a
// picture, else an error wrapping errNotPictures.
func isPicture(name string, fields []string) error {
	has := map[string]bool{}
	for _, f := range fields {
		has[f] = true
	}
	if has["data"] && (has["format"] || has["encoding"] && has["width"] && has["height"] || impliedFormats[name] != "") {
		return nil
	}
	if strings.Contains(strings.ToLower(name), "theora") {
		// image_transport's theora plugin publishes one beside every
		// camera's raw and compressed topics, which ros2 bag record -a
		// takes too.
		return errors.New("Theora packets are not taken (the camera's raw or compressed topic is)")
	}
	return fmt.Errorf("%w: %s", errNotPictures, name)
}

// pictureOf reads a decoded message's fields: ROS's header.stamp or
// Foxglove's timestamp, ROS's header.frame_id or Foxglove's frame_id,
// format or encoding, width, height, step and data.
func pictureOf(m map[string]any) (picture, error) {
	var p picture
	if h := asMap(m["header"]); h != nil {
		p.stamp = stampOf(h["stamp"])
		p.frameID, _ = h["frame_id"].(string)
	}
	if p.stamp.IsZero() {
		p.stamp = stampOf(m["timestamp"])
	}
	if p.frameID == "" {
		p.frameID, _ = m["frame_id"].(string)
	}
	p.format, _ = m["format"].(string)
	p.encoding, _ = m["encoding"].(string)
	for _, f := range []struct {
		name string
		to   *int
	}{{"width", &p.width}, {"height", &p.height}, {"step", &p.step}} {
		n, err := sizeOf(m, f.name)
		if err != nil {
			return p, err
		}
		*f.to = n
	}
	p.bigEndian = intOf(m["is_bigendian"]) != 0 || m["is_bigendian"] == true
	switch d := m["data"].(type) {
	case []byte:
		p.data = d
	case string: // JSON's bytes are base64
		b, err := base64.StdEncoding.DecodeString(d)
		if err != nil {
			return p, fmt.Errorf("data: %w", err)
		}
		p.data = b
	case nil:
	default:
		return p, fmt.Errorf("data is a %T, not bytes", d)
	}
	return p, nil
}

// stampOf reads a time as ROS 2 (sec, nanosec), ROS 1 and Foxglove's JSON
// (sec, nsec) and protobuf (seconds, nanos) write it; zero when v is none.
func stampOf(v any) time.Time {
	m := asMap(v)
	sec, nsec := int64Of(m["sec"]), int64Of(m["nanosec"])
	if _, ok := m["seconds"]; ok {
		sec, nsec = int64Of(m["seconds"]), int64Of(m["nanos"])
	} else if _, ok := m["nsec"]; ok {
		nsec = int64Of(m["nsec"])
	}
	if sec == 0 && nsec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, nsec)
}

// int64Of returns an integer field's value, seconds after 2038 among them;
// 0 when it is none, not a whole number, or out of int64's range.
func int64Of(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case float64: // JSON
		if n == math.Trunc(n) && n >= math.MinInt64 && n < math.MaxInt64 {
			return int64(n)
		}
	}
	return 0
}

// sizeOf returns a picture's size field (width, height, step): 0 when the
// message has none; an error naming it when it is not a whole number from
// 0 to math.MaxInt32, which a 0 in its place would have hidden (a step
// read as 0 is "packed", and a padded picture would come out sheared).
func sizeOf(m map[string]any, field string) (int, error) {
	switch n := m[field].(type) {
	case nil:
		return 0, nil
	case int64:
		if n >= 0 && n <= math.MaxInt32 {
			return int(n), nil
		}
	case float64: // JSON
		if n == math.Trunc(n) && n >= 0 && n <= math.MaxInt32 {
			return int(n), nil
		}
	}
	return 0, fmt.Errorf("%s %v is not a size (a whole number from 0 to %d)", field, m[field], math.MaxInt32)
}

// asMap returns a nested message's fields, or nil when v is not one.
func asMap(v any) map[string]any {
	switch t := v.(type) {
	case rosMessage:
		return t
	case map[string]any:
		return t
	}
	return nil
}

// intOf returns an integer field's value; 0 when it is none or out of
// range.
func intOf(v any) int {
	switch n := v.(type) {
	case int64:
		if n >= math.MinInt32 && n <= math.MaxInt32 {
			return int(n)
		}
	case float64: // JSON
		if n >= math.MinInt32 && n <= math.MaxInt32 {
			return int(n)
		}
	}
	return 0
}
