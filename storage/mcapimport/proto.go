package mcapimport

import (
	"fmt"

	"github.com/foxglove/mcap/go/mcap"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// protoMessageOf returns the descriptor of a protobuf schema's message: the
// schema's data is a FileDescriptorSet holding it and what it imports.
func protoMessageOf(schema *mcap.Schema) (protoreflect.MessageDescriptor, error) {
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(schema.Data, &set); err != nil {
		return nil, fmt.Errorf("its FileDescriptorSet: %w", err)
	}
	files, err := protodesc.NewFiles(&set)
	if err != nil {
		return nil, fmt.Errorf("its FileDescriptorSet: %w", err)
	}
	d, err := files.FindDescriptorByName(protoreflect.FullName(schema.Name))
	if err != nil {
		return nil, fmt.Errorf("its FileDescriptorSet has no message %s", schema.Name)
	}
	m, ok := d.(protoreflect.MessageDescriptor)
	if !ok {
		return nil, fmt.Errorf("%s is not a message", schema.Name)
	}
	return m, nil
}

// decodeProto decodes a protobuf message's singular fields by name: bytes
// (sharing data), strings, integers (varint and 32-bit fixed) as int64 and
// messages as rosMessage; repeated fields, maps, floats and 64-bit fixed
// values are read past.
func decodeProto(desc protoreflect.MessageDescriptor, data []byte, depth int) (rosMessage, error) {
	if depth > maxNesting {
		return nil, fmt.Errorf("messages nest more than %d deep", maxNesting)
	}
	m := rosMessage{}
	fields := desc.Fields()
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		data = data[n:]
		f := fields.ByNumber(num)
		var v any
		switch typ {
		case protowire.VarintType:
			x, n := protowire.ConsumeVarint(data)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			data, v = data[n:], int64(x)
			if f != nil && (f.Kind() == protoreflect.Sint32Kind || f.Kind() == protoreflect.Sint64Kind) {
				v = protowire.DecodeZigZag(x)
			}
		case protowire.BytesType:
			b, n := protowire.ConsumeBytes(data)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			data = data[n:]
			switch {
			case f == nil || f.IsList() || f.IsMap():
			case f.Kind() == protoreflect.StringKind:
				v = string(b)
			case f.Kind() == protoreflect.BytesKind:
				v = b[:len(b):len(b)]
			case f.Kind() == protoreflect.MessageKind:
				sub, err := decodeProto(f.Message(), b, depth+1)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", f.Name(), err)
				}
				v = sub
			}
		case protowire.Fixed32Type: // fixed32 sizes (foxglove.RawImage's width, height and step)
			x, n := protowire.ConsumeFixed32(data)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			data, v = data[n:], int64(x)
			if f != nil && f.Kind() == protoreflect.Sfixed32Kind {
				v = int64(int32(x))
			}
			if f != nil && f.Kind() == protoreflect.FloatKind {
				v = nil
			}
		default:
			n := protowire.ConsumeFieldValue(num, typ, data)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			data = data[n:]
		}
		if f != nil && v != nil && !f.IsList() {
			m[string(f.Name())] = v
		}
	}
	return m, nil
}
