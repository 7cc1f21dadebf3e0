package mcapimport_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"strings"
	"testing"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/storage/mcapimport"
)

// Pictures left out are said with why the first was: a picture wider than
// gopline stores (a line-scan camera's JPEGs of 16400x8) is left out with
// its topic, not the whole import; a raw picture shorter than its size
// says how many bytes it had. info says the same, counted in the singular
// where there is one.
func TestImportSaysWhyPicturesAreLeftOut(t *testing.T) {
	camera := bagChannel{topic: "/camera", schema: "sensor_msgs/msg/CompressedImage", schemaEncoding: "ros2msg",
		schemaText: ros2CompressedImage, encoding: "cdr"}
	for i, p := range jpegs(t, 3) {
		camera.messages = append(camera.messages, newCDR().time(stamp(i)).str("cam").str("jpeg").bytes(p).b)
	}
	var wide bytes.Buffer
	if err := jpeg.Encode(&wide, image.NewGray(image.Rect(0, 0, 16400, 8)), nil); err != nil {
		t.Fatal(err)
	}
	pano := bagChannel{topic: "/pano", schema: "sensor_msgs/msg/CompressedImage", schemaEncoding: "ros2msg",
		schemaText: ros2CompressedImage, encoding: "cdr"}
	short := bagChannel{topic: "/short", schema: "sensor_msgs/msg/Image", schemaEncoding: "ros2msg", schemaText: ros2Image, encoding: "cdr"}
	for i := range 2 {
		pano.messages = append(pano.messages, newCDR().time(stamp(i)).str("pano").str("jpeg").bytes(wide.Bytes()).b)
	}
	short.messages = append(short.messages, newCDR().time(stamp(0)).str("cam").u32(12).u32(16).str("rgb8").u8(0).u32(48).bytes(make([]byte, 288)).b)
	bag := writeBag(t, mcap.CompressionZSTD, camera, pano, short)

	_, res := importBag(t, bag, mcapimport.Options{})
	const tooWide = "a picture of 16400x8, larger than gopline stores (16384 on a side at most)"
	const tooShort = "288 bytes for 16x12 rgb8 with rows of 48"
	if tp := topicOf(t, res, "/camera"); tp.Packets != 3 {
		t.Errorf("camera: %+v", tp)
	}
	if tp := topicOf(t, res, "/pano"); tp.Packets != 0 || tp.Damaged != 2 || tp.DamageWhy != tooWide {
		t.Errorf("pano: %+v", tp)
	}
	if tp := topicOf(t, res, "/short"); tp.Damaged != 1 || tp.DamageWhy != tooShort {
		t.Errorf("short: %+v", tp)
	}

	info, err := mcapimport.Inspect(context.Background(), []string{bag}, mcapimport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for topic, want := range map[string]string{"/pano": "2 damaged pictures (the first: " + tooWide + ")", "/short": "1 damaged picture (the first: " + tooShort + ")"} {
		if tp := topicOf(t, info, topic); !strings.Contains(tp.Skipped, want) {
			t.Errorf("info of %s: %q, want %q", topic, tp.Skipped, want)
		}
	}
}
