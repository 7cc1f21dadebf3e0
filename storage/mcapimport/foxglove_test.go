package mcapimport_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/foxglove/mcap/go/mcap"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gopline/gopline/internal/foxglove"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/export"
	"github.com/gopline/gopline/storage/mcapimport"
)

// What gopline export writes for Foxglove (foxglove.CompressedVideo in
// JSON) comes back as it was recorded.
func TestImportsWhatExportWrote(t *testing.T) {
	aus := h264AUs(t, 60, 30)
	src := filepath.Join(t.TempDir(), "cam.gopline")
	rec, err := storage.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.CreateStream(storage.StreamInfo{Name: "/camera", Codec: media.H264, Width: width, Height: height}); err != nil {
		t.Fatal(err)
	}
	for _, p := range aus {
		if err := rec.Append("/camera", p); err != nil {
			t.Fatal(err)
		}
	}
	bag := filepath.Join(t.TempDir(), "cam.mcap")
	if _, err := export.MCAP(context.Background(), rec, "/camera", time.Time{}, time.Time{}, bag, nil); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	out, res := importBag(t, bag, mcapimport.Options{})
	if tp := topicOf(t, res, "/camera"); tp.Schema != foxglove.CompressedVideo || tp.Packets != 60 {
		t.Fatalf("%+v", tp)
	}
	_, pkts := readStream(t, out, "/camera")
	for i, p := range pkts {
		if !bytes.Equal(p.Data, aus[i].Data) || !p.CaptureTime.Equal(aus[i].CaptureTime) || p.Key != aus[i].Key {
			t.Fatalf("packet %d differs from the one recorded", i)
		}
	}
}

// Foxglove's protobuf CompressedImage, as the Foxglove SDK logs it.
func TestImportsProtobufCompressedImages(t *testing.T) {
	pics := jpegs(t, 3)
	ch := bagChannel{topic: "/camera", schema: foxglove.CompressedImage, schemaEncoding: "protobuf",
		schemaText: string(foxglove.ProtoSchema(foxglove.CompressedImage)), encoding: "protobuf"}
	for i, p := range pics {
		m := foxglove.Message{Timestamp: foxglove.TimeOf(stamp(i)), FrameID: "camera", Data: p, Format: "jpeg"}
		ch.messages = append(ch.messages, m.AppendProto(nil, foxglove.CompressedImage))
	}
	out, _ := importBag(t, writeBag(t, mcap.CompressionZSTD, ch), mcapimport.Options{})
	_, pkts := readStream(t, out, "/camera")
	if len(pkts) != 3 || !bytes.Equal(pkts[1].Data, pics[1]) || !pkts[1].CaptureTime.Equal(stamp(1)) {
		t.Fatalf("%d packets", len(pkts))
	}
}

// Foxglove's protobuf RawImage, whose sizes are fixed32 fields.
func TestImportsProtobufRawImages(t *testing.T) {
	field := func(name string, n int32, typ descriptorpb.FieldDescriptorProto_Type, typeName string) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(n), Type: typ.Enum(),
			Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()}
		if typeName != "" {
			f.TypeName = proto.String(typeName)
		}
		return f
	}
	file := &descriptorpb.FileDescriptorProto{Name: proto.String("foxglove/RawImage.proto"), Package: proto.String("foxglove"),
		Syntax: proto.String("proto3"), Dependency: []string{"google/protobuf/timestamp.proto"},
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("RawImage"), Field: []*descriptorpb.FieldDescriptorProto{
			field("timestamp", 1, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, ".google.protobuf.Timestamp"),
			field("frame_id", 7, descriptorpb.FieldDescriptorProto_TYPE_STRING, ""),
			field("width", 2, descriptorpb.FieldDescriptorProto_TYPE_FIXED32, ""),
			field("height", 3, descriptorpb.FieldDescriptorProto_TYPE_FIXED32, ""),
			field("encoding", 4, descriptorpb.FieldDescriptorProto_TYPE_STRING, ""),
			field("step", 5, descriptorpb.FieldDescriptorProto_TYPE_FIXED32, ""),
			field("data", 6, descriptorpb.FieldDescriptorProto_TYPE_BYTES, ""),
		}}}}
	set, err := proto.Marshal(&descriptorpb.FileDescriptorSet{File: []*descriptorpb.FileDescriptorProto{
		protodesc.ToFileDescriptorProto(timestamppb.File_google_protobuf_timestamp_proto), file}})
	if err != nil {
		t.Fatal(err)
	}
	pixels := []byte{10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120}
	ts, err := proto.Marshal(timestamppb.New(stamp(3)))
	if err != nil {
		t.Fatal(err)
	}
	var msg []byte
	msg = protowire.AppendTag(msg, 1, protowire.BytesType)
	msg = protowire.AppendBytes(msg, ts)
	for _, f := range []struct {
		n protowire.Number
		v uint32
	}{{2, 2}, {3, 2}, {5, 6}} {
		msg = protowire.AppendTag(msg, f.n, protowire.Fixed32Type)
		msg = protowire.AppendFixed32(msg, f.v)
	}
	msg = protowire.AppendTag(msg, 4, protowire.BytesType)
	msg = protowire.AppendString(msg, "rgb8")
	msg = protowire.AppendTag(msg, 6, protowire.BytesType)
	msg = protowire.AppendBytes(msg, pixels)
	ch := bagChannel{topic: "/camera/raw", schema: "foxglove.RawImage", schemaEncoding: "protobuf", schemaText: string(set),
		encoding: "protobuf", messages: [][]byte{msg}}
	out, _ := importBag(t, writeBag(t, mcap.CompressionZSTD, ch), mcapimport.Options{})
	_, pkts := readStream(t, out, "/camera/raw")
	if len(pkts) != 1 || pkts[0].Width != 2 || pkts[0].Height != 2 || !bytes.Equal(pkts[0].Data, pixels) || !pkts[0].CaptureTime.Equal(stamp(3)) {
		t.Fatalf("%+v", pkts)
	}
}
