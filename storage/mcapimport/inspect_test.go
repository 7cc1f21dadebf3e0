package mcapimport_test

import (
	"context"
	"strings"
	"testing"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage/mcapimport"
)

// Inspect says, as ros2 bag info does, each topic's type, messages and
// times, and what an import would make of it, without writing anything:
// the stream's codec and size (an H.264 one's from its first keyframe,
// joined mid-GOP), the codec a topic would be transcoded from, or why a
// topic would be left out.
func TestInspectSaysWhatAnImportWouldMake(t *testing.T) {
	const n = 45
	pictures, shown := testclip.CodedPictures(t, "hevc", n, 15)
	front := bagChannel{topic: "/front", schema: "foxglove_msgs/msg/CompressedVideo", schemaEncoding: "ros2msg",
		schemaText: ros2CompressedVideo, encoding: "cdr"}
	for i, p := range pictures {
		front.messages = append(front.messages, newCDR().time(stamp(shown[i])).str("front").bytes(p).str("h265").b)
	}
	rear := bagChannel{topic: "/rear", schema: "foxglove_msgs/msg/CompressedVideo", schemaEncoding: "ros2msg",
		schemaText: ros2CompressedVideo, encoding: "cdr"}
	for i, au := range h264AUs(t, n, 30)[10:] {
		rear.messages = append(rear.messages, newCDR().time(stamp(10+i)).str("rear").bytes(au.Data).str("h264").b)
	}
	imu := bagChannel{topic: "/imu", schema: "sensor_msgs/msg/Imu", schemaEncoding: "ros2msg", schemaText: ros2Imu, encoding: "cdr"}
	for i := range 3 {
		imu.messages = append(imu.messages, newCDR().time(stamp(i)).str("imu").b)
	}
	bag := writeBag(t, mcap.CompressionZSTD, front, rear, imu, jpegChannel(t))

	res, err := mcapimport.Inspect(context.Background(), []string{bag}, mcapimport.Options{Transcode: ffmpegTranscoder})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 || res.Files[0] != bag || res.Packets() != 0 {
		t.Fatalf("%+v", res)
	}
	for _, c := range []struct {
		topic, transcoded string
		messages          int64
		codec             media.Codec
		width             int
	}{
		{"/front", "h265", n, media.H264, 0},
		{"/rear", "", n - 10, media.H264, width},
		{"/imu", "", 3, media.CodecUnknown, 0},
		{"/camera", "", 1, media.JPEG, width},
	} {
		tp := topicOf(t, res, c.topic)
		if tp.Messages != c.messages || tp.Codec != c.codec || tp.Transcoded != c.transcoded || tp.Width != c.width || tp.Stream != "" {
			t.Errorf("%s: %+v", c.topic, tp)
		}
		if !tp.First.Equal(logTime(0)) || !tp.Last.Equal(logTime(int(c.messages)-1)) {
			t.Errorf("%s: logged from %v to %v, want %v to %v", c.topic, tp.First, tp.Last, logTime(0), logTime(int(c.messages)-1))
		}
	}
	if tp := topicOf(t, res, "/imu"); !tp.NotPictures {
		t.Errorf("imu: %+v", tp)
	}

	// Without a Transcoder, H.265 is said to be left out.
	res, err = mcapimport.Inspect(context.Background(), []string{bag}, mcapimport.Options{})
	if tp := topicOf(t, res, "/front"); err != nil || !strings.Contains(tp.Skipped, "h265") || tp.Messages != n {
		t.Errorf("without a Transcoder: %+v, %v", tp, err)
	}
}
