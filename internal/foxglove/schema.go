// Package foxglove holds what gopline writes for Foxglove, in one place for
// the MCAP export and the live WebSocket endpoint: the schemas of
// foxglove.CompressedVideo, foxglove.CompressedImage and foxglove.RawImage
// and their messages,
// in JSON (JSON Schema; the MCAP export, whose chunks are compressed) and
// in protobuf (a FileDescriptorSet; the WebSocket, where a picture's bytes
// go as they are).
package foxglove

import (
	"encoding/json"
	"strings"
	"time"
)

// Names of Foxglove's schemas: a player recognizes them by name and
// decodes the JSON messages with them.
const (
	CompressedVideo = "foxglove.CompressedVideo"
	CompressedImage = "foxglove.CompressedImage"
)

// SchemaEncoding and MessageEncoding say how schemas and messages are
// written: JSON Schema, and JSON (in which bytes are base64).
const (
	SchemaEncoding  = "jsonschema"
	MessageEncoding = "json"
)

// Schema returns the JSON Schema of the schema called name: RawImage's,
// or that of CompressedVideo and CompressedImage, which have the same
// fields: a timestamp, a frame of reference, the encoded picture and its
// format.
func Schema(name string) []byte {
	if name == RawImage {
		return rawSchema()
	}
	what := "compressed video frame"
	if name == CompressedImage {
		what = "compressed image"
	}
	schema := map[string]any{
		"title":       name,
		"description": "A single " + what,
		"type":        "object",
		"properties": map[string]any{
			"timestamp": timeSchema("Capture time of the " + what),
			"frame_id":  map[string]any{"type": "string", "description": "Frame of reference of the camera"},
			"data":      map[string]any{"type": "string", "contentEncoding": "base64", "description": "Encoded " + what},
			"format":    map[string]any{"type": "string", "description": "Encoding of data"},
		},
	}
	b, err := json.MarshalIndent(schema, "", "  ")
	if err != nil {
		panic(err) // a constant map of strings and numbers always marshals
	}
	return b
}

// timeSchema is the JSON Schema of a Time.
func timeSchema(description string) map[string]any {
	return map[string]any{
		"type":        "object",
		"title":       "time",
		"description": description,
		"properties": map[string]any{
			"sec":  map[string]any{"type": "integer", "minimum": 0},
			"nsec": map[string]any{"type": "integer", "minimum": 0, "maximum": 999999999},
		},
	}
}

// Message is a CompressedVideo or CompressedImage message in JSON. Data is
// the caller's and is only read.
type Message struct {
	Timestamp Time   `json:"timestamp"`
	FrameID   string `json:"frame_id"`
	Data      []byte `json:"data"` // base64, as encoding/json writes []byte
	Format    string `json:"format"`
}

// Time is a Foxglove time: seconds and nanoseconds since 1970.
type Time struct {
	Sec  int64 `json:"sec"`
	Nsec int64 `json:"nsec"`
}

// TimeOf returns t as a Foxglove time. A Foxglove time is unsigned: a t
// before 1970 (a robot whose clock was not set) is 1970's start.
func TimeOf(t time.Time) Time {
	if t.Before(time.Unix(0, 0)) { // not UnixNano's sign, which wraps outside 1678 to 2262
		return Time{}
	}
	return Time{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}

// FrameID is the frame of reference gopline gives a topic's pictures: its
// name without the leading slash, as ROS names a camera's frame.
func FrameID(topic string) string { return strings.TrimLeft(topic, "/") }
