package mcapimport_test

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/export"
	"github.com/gopline/gopline/storage/mcapimport"
)

// A bag's frame_id (a ROS header's, a Foxglove message's own) is kept in
// its stream's info and written back by an MCAP export, where it was the
// topic's name: Foxglove's 3D panel and a camera calibration match a
// camera by it. A topic whose frame_id changes keeps its first, and the
// pictures of another are counted.
func TestImportKeepsTheBagsFrameIDThroughAnMCAPExport(t *testing.T) {
	pics := jpegs(t, 10)
	ros := bagChannel{topic: "/camera/image_raw/compressed", schema: "sensor_msgs/msg/CompressedImage",
		schemaEncoding: "ros2msg", schemaText: ros2CompressedImage, encoding: "cdr"}
	for i, p := range pics {
		frame := "camera_optical_frame"
		if i >= 7 {
			frame = "camera_link"
		}
		ros.messages = append(ros.messages, newCDR().time(stamp(i)).str(frame).str("jpeg").bytes(p).b)
	}
	video := bagChannel{topic: "/front/h264", schema: "foxglove_msgs/msg/CompressedVideo", schemaEncoding: "ros2msg",
		schemaText: ros2CompressedVideo, encoding: "cdr"}
	for i, au := range h264AUs(t, 10, 30) {
		video.messages = append(video.messages, newCDR().time(stamp(i)).str("front_optical").bytes(au.Data).str("h264").b)
	}
	out, res := importBag(t, writeBag(t, mcap.CompressionZSTD, ros, video), mcapimport.Options{})
	if tp := topicOf(t, res, ros.topic); tp.FrameID != "camera_optical_frame" || tp.FrameIDChanged != 3 || tp.OtherFrameID != "camera_link" {
		t.Errorf("%s: frame_id %q, %d of another (%q); want camera_optical_frame, 3 of camera_link", ros.topic, tp.FrameID, tp.FrameIDChanged, tp.OtherFrameID)
	}
	if tp := topicOf(t, res, video.topic); tp.FrameID != "front_optical" || tp.FrameIDChanged != 0 {
		t.Errorf("%s: frame_id %q, %d of another", video.topic, tp.FrameID, tp.FrameIDChanged)
	}
	want := map[string]string{ros.topic: "camera_optical_frame", video.topic: "front_optical"}
	for topic, frame := range want {
		if info, _ := readStream(t, out, topic); info.FrameID != frame {
			t.Errorf("stream %s: frame_id %q, want %q", topic, info.FrameID, frame)
		}
	}

	rec, err := storage.Open(out, storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	exported := filepath.Join(t.TempDir(), "back.mcap")
	if _, err := export.MCAPStreams(t.Context(), rec, []string{ros.topic, video.topic}, time.Time{}, time.Time{}, exported, nil); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(exported)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := mcap.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	it, err := r.Messages(mcap.UsingIndex(false))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for {
		_, ch, m, err := it.NextInto(nil)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var msg struct {
			FrameID string `json:"frame_id"`
		}
		if err := json.Unmarshal(m.Data, &msg); err != nil {
			t.Fatal(err)
		}
		if msg.FrameID != want[ch.Topic] {
			t.Fatalf("%s message %d: frame_id %q, want %q", ch.Topic, counts[ch.Topic], msg.FrameID, want[ch.Topic])
		}
		counts[ch.Topic]++
	}
	if counts[ros.topic] != 10 || counts[video.topic] != 10 {
		t.Fatalf("messages %v, want 10 of each", counts)
	}
}
