package foxglove

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/gopline/gopline/media"
)

// A RawImage message decodes with its schema's descriptor set, as a player
// resolves it, to every field it was given, with Foxglove's field numbers
// and types (sizes fixed32, frame_id 7); its bytes are the library's own.
func TestRawImageDecodesWithItsSchema(t *testing.T) {
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(ProtoSchema(RawImage), &set); err != nil {
		t.Fatal(err)
	}
	files, err := protodesc.NewFiles(&set)
	if err != nil {
		t.Fatal(err)
	}
	d, err := files.FindDescriptorByName(RawImage)
	if err != nil {
		t.Fatal(err)
	}
	md := d.(protoreflect.MessageDescriptor)
	for name, want := range map[string]struct {
		number protoreflect.FieldNumber
		kind   protoreflect.Kind
	}{"timestamp": {1, protoreflect.MessageKind}, "width": {2, protoreflect.Fixed32Kind}, "height": {3, protoreflect.Fixed32Kind},
		"encoding": {4, protoreflect.StringKind}, "step": {5, protoreflect.Fixed32Kind}, "data": {6, protoreflect.BytesKind},
		"frame_id": {7, protoreflect.StringKind}} {
		f := md.Fields().ByName(protoreflect.Name(name))
		if f == nil || f.Number() != want.number || f.Kind() != want.kind {
			t.Errorf("field %s: %v", name, f)
		}
	}
	m := RawMessage{Timestamp: TimeOf(time.Date(2026, 12, 5, 9, 0, 0, 5, time.UTC)), FrameID: "camera/depth", Width: 640, Height: 480,
		Encoding: "mono8", Step: 640, Data: []byte{1, 2, 3}}
	wire := m.AppendProto(nil)
	got := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(wire, got); err != nil {
		t.Fatal(err)
	}
	field := func(n string) protoreflect.Value { return got.Get(md.Fields().ByName(protoreflect.Name(n))) }
	ts := field("timestamp").Message()
	if ts.Get(ts.Descriptor().Fields().ByName("seconds")).Int() != m.Timestamp.Sec || ts.Get(ts.Descriptor().Fields().ByName("nanos")).Int() != 5 ||
		field("frame_id").String() != m.FrameID || field("width").Uint() != 640 || field("height").Uint() != 480 ||
		field("encoding").String() != "mono8" || field("step").Uint() != 640 || !bytes.Equal(field("data").Bytes(), m.Data) {
		t.Errorf("decoded %v from %+v", got, m)
	}
	if want, _ := (proto.MarshalOptions{Deterministic: true}).Marshal(got); !bytes.Equal(wire, want) {
		t.Errorf("AppendProto wrote % x, the library % x", wire, want)
	}
	var schema map[string]any
	if err := json.Unmarshal(Schema(RawImage), &schema); err != nil || schema["title"] != RawImage {
		t.Errorf("JSON Schema: %v %v", err, schema["title"])
	}
}

// RawOf gives Foxglove encodings it draws: rgb8 and mono8 as they are,
// YUV420P as uyvy (each chroma row for two rows), and YUV420P of an odd
// width, which uyvy cannot hold, as rgb8.
func TestRawOf(t *testing.T) {
	// 4x2 YUV420P: luma 10..17, U 100 101, V 200 201.
	yuv := []byte{10, 11, 12, 13, 14, 15, 16, 17, 100, 101, 200, 201}
	m, err := RawOf(&media.Packet{Codec: media.Raw, Format: media.YUV420P, Width: 4, Height: 2, Data: yuv})
	want := []byte{100, 10, 200, 11, 101, 12, 201, 13, 100, 14, 200, 15, 101, 16, 201, 17}
	if err != nil || m.Encoding != "uyvy" || m.Step != 8 || m.Width != 4 || m.Height != 2 || !bytes.Equal(m.Data, want) {
		t.Errorf("yuv420p: %+v, %v; want uyvy %v", m, err, want)
	}
	rgb := []byte{1, 2, 3, 4, 5, 6}
	if m, err := RawOf(&media.Packet{Codec: media.Raw, Format: media.RGB24, Width: 2, Height: 1, Data: rgb}); err != nil || m.Encoding != "rgb8" || m.Step != 6 || !bytes.Equal(m.Data, rgb) {
		t.Errorf("rgb24: %+v, %v", m, err)
	}
	if m, err := RawOf(&media.Packet{Codec: media.Raw, Format: media.GRAY8, Width: 3, Height: 1, Data: rgb[:3]}); err != nil || m.Encoding != "mono8" || m.Step != 3 {
		t.Errorf("gray8: %+v, %v", m, err)
	}
	odd := &media.Packet{Codec: media.Raw, Format: media.YUV420P, Width: 3, Height: 1, Data: []byte{16, 126, 235, 128, 128, 128, 128}}
	m, err = RawOf(odd)
	if err != nil || m.Encoding != "rgb8" || m.Step != 9 || !bytes.Equal(m.Data, []byte{0, 0, 0, 128, 128, 128, 255, 255, 255}) {
		t.Errorf("yuv420p of an odd width: %+v, %v", m, err)
	}
	for _, bad := range []*media.Packet{
		{Codec: media.H264, Data: []byte{0, 0, 0, 1}},
		{Codec: media.Raw, Format: media.RGB24, Width: 2, Height: 2, Data: rgb},
	} {
		if _, err := RawOf(bad); err == nil {
			t.Errorf("%+v taken", bad)
		}
	}
}
