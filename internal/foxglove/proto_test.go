package foxglove

import (
	"bytes"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// TestProtoMessagesDecodeWithTheirSchema builds each schema's descriptor
// set as a player does (every file resolved, the message found by name),
// decodes AppendProto's bytes with it and finds every field, and checks
// that the bytes are what the protobuf library itself writes.
func TestProtoMessagesDecodeWithTheirSchema(t *testing.T) {
	for _, name := range []string{CompressedVideo, CompressedImage} {
		var set descriptorpb.FileDescriptorSet
		if err := proto.Unmarshal(ProtoSchema(name), &set); err != nil {
			t.Fatalf("%s: schema: %v", name, err)
		}
		files, err := protodesc.NewFiles(&set)
		if err != nil {
			t.Fatalf("%s: the descriptor set does not resolve: %v", name, err)
		}
		d, err := files.FindDescriptorByName(protoreflect.FullName(name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		md := d.(protoreflect.MessageDescriptor)
		at := time.Date(2026, 12, 3, 14, 0, 0, 123456789, time.UTC)
		for _, m := range []Message{
			{Timestamp: TimeOf(at), FrameID: "robot/camera", Data: []byte{0, 0, 0, 1, 0x65, 0x88}, Format: "h264"},
			{FrameID: "cam", Format: "jpeg"}, // no data, time zero
		} {
			got := dynamicpb.NewMessage(md)
			wire := m.AppendProto([]byte("header"), name)
			if !bytes.HasPrefix(wire, []byte("header")) {
				t.Fatalf("%s: AppendProto did not append", name)
			}
			wire = wire[len("header"):]
			if err := proto.Unmarshal(wire, got); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			field := func(n string) protoreflect.Value { return got.Get(md.Fields().ByName(protoreflect.Name(n))) }
			ts := field("timestamp").Message()
			sec := ts.Get(ts.Descriptor().Fields().ByName("seconds")).Int()
			nsec := ts.Get(ts.Descriptor().Fields().ByName("nanos")).Int()
			if sec != m.Timestamp.Sec || nsec != m.Timestamp.Nsec || field("frame_id").String() != m.FrameID ||
				!bytes.Equal(field("data").Bytes(), m.Data) || field("format").String() != m.Format {
				t.Errorf("%s: decoded %v from %+v", name, got, m)
			}
			want, err := proto.MarshalOptions{Deterministic: true}.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			// The library leaves out an empty timestamp; AppendProto
			// writes it, which decodes the same.
			if !bytes.Equal(wire, want) && !bytes.Equal(wire, append([]byte{0x0a, 0}, want...)) {
				t.Errorf("%s: AppendProto wrote % x, the library % x", name, wire, want)
			}
		}
	}
}

func TestJSONNameIsProtocs(t *testing.T) {
	for in, want := range map[string]string{"frame_id": "frameId", "data": "data", "a_b_c": "aBC"} {
		if got := jsonName(in); got != want {
			t.Errorf("jsonName(%q) = %q, want %q", in, got, want)
		}
	}
}
