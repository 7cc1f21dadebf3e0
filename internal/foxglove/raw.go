package foxglove

import (
	"encoding/json"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/gopline/gopline/media"
)

// RawImage is the name of Foxglove's schema of an uncompressed picture.
const RawImage = "foxglove.RawImage"

// RawMessage is a RawImage message in JSON (AppendProto writes it in
// protobuf). Data is the caller's and is only read.
type RawMessage struct {
	Timestamp Time   `json:"timestamp"`
	FrameID   string `json:"frame_id"`
	Width     uint32 `json:"width"`
	Height    uint32 `json:"height"`
	Encoding  string `json:"encoding"` // rgb8, mono8, uyvy
	Step      uint32 `json:"step"`     // bytes a row
	Data      []byte `json:"data"`
}

// RawOf returns the RawImage of a raw packet's picture (its time and
// frame left for the caller): RGB24 as rgb8 and GRAY8 as mono8, the data
// as it is; YUV420P, which Foxglove does not draw, as uyvy (4:2:2, each
// chroma row serving two rows) when its width is even, else converted to
// rgb8.
func RawOf(p *media.Packet) (RawMessage, error) {
	if p.Codec != media.Raw || !p.Format.Valid() || p.Width <= 0 || p.Height <= 0 || len(p.Data) != p.Format.PictureSize(p.Width, p.Height) {
		return RawMessage{}, fmt.Errorf("foxglove: not a raw picture: %v %v %dx%d of %d bytes", p.Codec, p.Format, p.Width, p.Height, len(p.Data))
	}
	m := RawMessage{Width: uint32(p.Width), Height: uint32(p.Height)}
	switch {
	case p.Format == media.RGB24:
		m.Encoding, m.Step, m.Data = "rgb8", uint32(3*p.Width), p.Data
	case p.Format == media.GRAY8:
		m.Encoding, m.Step, m.Data = "mono8", uint32(p.Width), p.Data
	case p.Width%2 == 0:
		m.Encoding, m.Step, m.Data = "uyvy", uint32(2*p.Width), uyvyOf(p.Data, p.Width, p.Height)
	default:
		f, err := media.FrameFromPacked(p.Format, p.Width, p.Height, p.Data)
		if err == nil {
			f, err = f.Convert(media.RGB24)
		}
		if err != nil {
			return RawMessage{}, fmt.Errorf("foxglove: %w", err)
		}
		m.Encoding, m.Step, m.Data = "rgb8", uint32(3*p.Width), f.AppendPacked(nil)
	}
	return m, nil
}

// uyvyOf returns the packed YUV420P picture data of w x h (w even) as
// UYVY: a pair of pixels U Y0 V Y1, the chroma of rows 2k and 2k+1 that
// of chroma row k.
func uyvyOf(data []byte, w, h int) []byte {
	cw, ch := media.YUV420P.PlaneSize(1, w, h)
	ys, us, vs := data[:w*h], data[w*h:w*h+cw*ch], data[w*h+cw*ch:]
	out := make([]byte, 0, 2*w*h)
	for y := range h {
		row, u, v := ys[y*w:(y+1)*w], us[y/2*cw:], vs[y/2*cw:]
		for x := 0; x < w; x += 2 {
			out = append(out, u[x/2], row[x], v[x/2], row[x+1])
		}
	}
	return out
}

// AppendProto appends m, encoded as a protobuf RawImage, to dst. Fields
// at their zero value are left out, as proto3 writes them; the timestamp
// is always written.
func (m *RawMessage) AppendProto(dst []byte) []byte {
	dst = protowire.AppendTag(dst, 1, protowire.BytesType)
	dst = protowire.AppendBytes(dst, m.Timestamp.appendProto(nil))
	fixed := func(n protowire.Number, v uint32) {
		if v != 0 {
			dst = protowire.AppendTag(dst, n, protowire.Fixed32Type)
			dst = protowire.AppendFixed32(dst, v)
		}
	}
	bytes := func(n protowire.Number, b []byte) {
		if len(b) != 0 {
			dst = protowire.AppendTag(dst, n, protowire.BytesType)
			dst = protowire.AppendBytes(dst, b)
		}
	}
	fixed(2, m.Width)
	fixed(3, m.Height)
	bytes(4, []byte(m.Encoding))
	fixed(5, m.Step)
	bytes(6, m.Data)
	bytes(7, []byte(m.FrameID))
	return dst
}

// rawSchema is RawImage's JSON Schema.
func rawSchema() []byte {
	count := func(what string) map[string]any {
		return map[string]any{"type": "integer", "minimum": 0, "description": what}
	}
	schema := map[string]any{
		"title":       RawImage,
		"description": "A raw image",
		"type":        "object",
		"properties": map[string]any{
			"timestamp": timeSchema("Timestamp of image"),
			"frame_id":  map[string]any{"type": "string", "description": "Frame of reference for the image"},
			"width":     count("Image width"),
			"height":    count("Image height"),
			"encoding":  map[string]any{"type": "string", "description": "Encoding of the raw image data"},
			"step":      count("Byte length of a single row"),
			"data":      map[string]any{"type": "string", "contentEncoding": "base64", "description": "Raw image data"},
		},
	}
	b, err := json.MarshalIndent(schema, "", "  ")
	if err != nil {
		panic(err) // a constant map of strings and numbers always marshals
	}
	return b
}
