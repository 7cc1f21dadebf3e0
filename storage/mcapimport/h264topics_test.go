package mcapimport_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage/mcapimport"
)

// A camera that sent its SPS and PPS once, before the bag began: its
// keyframes are counted as left out for want of them, not as pictures
// before the first keyframe, and nothing is imported.
func TestImportCountsKeyframesWithoutParameterSets(t *testing.T) {
	bag := writeBag(t, mcap.CompressionZSTD, withoutParameterSets(t))
	res, err := mcapimport.ImportFile(context.Background(), bag, filepath.Join(t.TempDir(), "x.gopline"), mcapimport.Options{})
	if tp := topicOf(t, res, "/cam"); !errors.Is(err, mcapimport.ErrNoPictures) || tp.NoParameterSets != 2 || tp.BeforeKeyframe != 58 {
		t.Fatalf("%v: %+v", err, tp)
	}
	// Inspect says why.
	res, err = mcapimport.Inspect(context.Background(), []string{bag}, mcapimport.Options{})
	if tp := topicOf(t, res, "/cam"); err != nil || !strings.Contains(tp.Skipped, "2 keyframes without their SPS and PPS") {
		t.Fatalf("inspect: %v: %+v", err, tp)
	}
}

// withoutParameterSets is a topic of 60 H.264 pictures, a keyframe every
// 30, without SPS and PPS.
func withoutParameterSets(t *testing.T) bagChannel {
	ch := bagChannel{topic: "/cam", schema: "foxglove_msgs/msg/CompressedVideo", schemaEncoding: "ros2msg", schemaText: ros2CompressedVideo, encoding: "cdr"}
	for i, au := range h264AUs(t, 60, 30) {
		ch.messages = append(ch.messages, newCDR().time(stamp(i)).str("c").bytes(stripParameterSets(t, au.Data)).str("h264").b)
	}
	return ch
}

// h264_image_transport's h264_msgs/msg/Packet (a Raspberry Pi camera's
// H.264 in ROS 2), which names its codec by its type alone, imports as
// H.264.
func TestImportsH264ImageTransportPackets(t *testing.T) {
	ch := bagChannel{topic: "/image_raw/h264", schema: "h264_msgs/msg/Packet", schemaEncoding: "ros2msg", encoding: "cdr",
		schemaText: "std_msgs/Header header\nint64 seq\nuint8[] data\n" + ros2Header}
	aus := h264AUs(t, 40, 20)
	for i, au := range aus {
		ch.messages = append(ch.messages, newCDR().time(stamp(i)).str("camera").u64(uint64(i)).bytes(au.Data).b)
	}
	out, res := importBag(t, writeBag(t, mcap.CompressionZSTD, ch), mcapimport.Options{})
	if tp := topicOf(t, res, ch.topic); tp.Packets != 40 || tp.Codec != media.H264 || tp.Width != width {
		t.Fatalf("%+v", tp)
	}
	_, pkts := readStream(t, out, ch.topic)
	for i, p := range pkts {
		if !bytes.Equal(p.Data, aus[i].Data) || !p.CaptureTime.Equal(stamp(i)) {
			t.Fatalf("packet %d differs", i)
		}
	}
}

// stripParameterSets returns an access unit in Annex B without its SPS and
// PPS.
func stripParameterSets(t *testing.T, au []byte) []byte {
	t.Helper()
	nalus, err := h264.SplitAnnexB(au)
	if err != nil {
		t.Fatal(err)
	}
	var rest [][]byte
	for _, n := range nalus {
		if typ := h264.TypeOf(n); typ != h264.NALUTypeSPS && typ != h264.NALUTypePPS {
			rest = append(rest, n)
		}
	}
	return h264.JoinAnnexB(rest)
}
