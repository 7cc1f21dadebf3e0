package foxglove

import (
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The protobuf form of the schemas, which the live WebSocket endpoint
// serves: a message is the picture's bytes as they are, where JSON takes a
// third more for its base64. Foxglove reads a schema as a binary
// FileDescriptorSet (base64 on the WebSocket) that holds the schema's file
// and the files it imports.
const (
	ProtoSchemaEncoding  = "protobuf"
	ProtoMessageEncoding = "protobuf"
)

// Field numbers of foxglove.CompressedVideo and foxglove.CompressedImage,
// as Foxglove's .proto files give them: the two differ.
type protoFields struct {
	timestamp, frameID, data, format protowire.Number
}

var (
	videoFields = protoFields{timestamp: 1, frameID: 2, data: 3, format: 4}
	imageFields = protoFields{timestamp: 1, data: 2, format: 3, frameID: 4}
)

func fieldsOf(name string) protoFields {
	if name == CompressedImage {
		return imageFields
	}
	return videoFields
}

// ProtoSchema returns the FileDescriptorSet of the schema called name
// (CompressedVideo, CompressedImage or RawImage):
// google/protobuf/timestamp.proto and a foxglove/NAME.proto with its one
// message.
func ProtoSchema(name string) []byte {
	switch name {
	case CompressedImage:
		return imageSet()
	case RawImage:
		return rawSet()
	}
	return videoSet()
}

var (
	videoSet = sync.OnceValue(func() []byte { return compressedSet(CompressedVideo) })
	imageSet = sync.OnceValue(func() []byte { return compressedSet(CompressedImage) })
	rawSet   = sync.OnceValue(func() []byte {
		return descriptorSet(RawImage, []protoField{
			{"timestamp", 1, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE},
			{"frame_id", 7, descriptorpb.FieldDescriptorProto_TYPE_STRING},
			{"width", 2, descriptorpb.FieldDescriptorProto_TYPE_FIXED32},
			{"height", 3, descriptorpb.FieldDescriptorProto_TYPE_FIXED32},
			{"encoding", 4, descriptorpb.FieldDescriptorProto_TYPE_STRING},
			{"step", 5, descriptorpb.FieldDescriptorProto_TYPE_FIXED32},
			{"data", 6, descriptorpb.FieldDescriptorProto_TYPE_BYTES},
		})
	})
)

// protoField is a field of a schema's message: a timestamp field (a
// message) is a google.protobuf.Timestamp.
type protoField struct {
	name   string
	number protowire.Number
	typ    descriptorpb.FieldDescriptorProto_Type
}

func compressedSet(name string) []byte {
	f := fieldsOf(name)
	return descriptorSet(name, []protoField{
		{"timestamp", f.timestamp, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE},
		{"frame_id", f.frameID, descriptorpb.FieldDescriptorProto_TYPE_STRING},
		{"data", f.data, descriptorpb.FieldDescriptorProto_TYPE_BYTES},
		{"format", f.format, descriptorpb.FieldDescriptorProto_TYPE_STRING},
	})
}

func descriptorSet(name string, fields []protoField) []byte {
	short := name[len("foxglove."):]
	message := &descriptorpb.DescriptorProto{Name: proto.String(short)}
	for _, f := range fields {
		d := &descriptorpb.FieldDescriptorProto{Name: proto.String(f.name), JsonName: proto.String(jsonName(f.name)),
			Number: proto.Int32(int32(f.number)), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), Type: f.typ.Enum()}
		if f.typ == descriptorpb.FieldDescriptorProto_TYPE_MESSAGE {
			d.TypeName = proto.String(".google.protobuf.Timestamp")
		}
		message.Field = append(message.Field, d)
	}
	file := &descriptorpb.FileDescriptorProto{
		Name:        proto.String("foxglove/" + short + ".proto"),
		Package:     proto.String("foxglove"),
		Dependency:  []string{"google/protobuf/timestamp.proto"},
		Syntax:      proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{message},
	}
	set := &descriptorpb.FileDescriptorSet{File: []*descriptorpb.FileDescriptorProto{
		protodesc.ToFileDescriptorProto(timestamppb.File_google_protobuf_timestamp_proto), file}}
	b, err := proto.Marshal(set)
	if err != nil {
		panic(err) // a constant descriptor always marshals
	}
	return b
}

// jsonName is protoc's JSON name of a field: frame_id is frameId.
func jsonName(field string) string {
	out := make([]byte, 0, len(field))
	upper := false
	for i := 0; i < len(field); i++ {
		c := field[i]
		switch {
		case c == '_':
			upper = true
		case upper && 'a' <= c && c <= 'z':
			out, upper = append(out, c-'a'+'A'), false
		default:
			out, upper = append(out, c), false
		}
	}
	return string(out)
}

// AppendProto appends m, encoded as the protobuf message of the schema
// called name, to dst. Fields at their zero value are left out, as proto3
// writes them.
func (m *Message) AppendProto(dst []byte, name string) []byte {
	f := fieldsOf(name)
	ts := m.Timestamp.appendProto(nil)
	// Fields in the order of their numbers, as protoc's encoders write them.
	type part struct {
		n     protowire.Number
		bytes []byte
	}
	parts := [4]part{{f.timestamp, ts}, {f.frameID, []byte(m.FrameID)}, {f.data, m.Data}, {f.format, []byte(m.Format)}}
	for n := protowire.Number(1); n <= 4; n++ {
		for _, p := range parts {
			if p.n != n || (len(p.bytes) == 0 && p.n != f.timestamp) {
				continue
			}
			dst = protowire.AppendTag(dst, p.n, protowire.BytesType)
			dst = protowire.AppendBytes(dst, p.bytes)
		}
	}
	return dst
}

// appendProto appends t as a google.protobuf.Timestamp's fields.
func (t Time) appendProto(dst []byte) []byte {
	if t.Sec != 0 {
		dst = protowire.AppendTag(dst, 1, protowire.VarintType)
		dst = protowire.AppendVarint(dst, uint64(t.Sec))
	}
	if t.Nsec != 0 {
		dst = protowire.AppendTag(dst, 2, protowire.VarintType)
		dst = protowire.AppendVarint(dst, uint64(t.Nsec))
	}
	return dst
}
