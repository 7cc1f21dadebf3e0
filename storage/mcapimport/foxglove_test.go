package mcapimport_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/foxglove/mcap/go/mcap"

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
