package mcapimport_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/storage/mcapimport"
)

// A topic on two channels (a ROS 1 bag's two connections of one topic: two
// publishers, or bags merged; a recorder that advertised it twice) is one
// stream of the messages of both, in the order logged, as rosbag play and
// ros2 bag play publish them: none is left out unsaid.
func TestImportTakesEveryChannelOfATopic(t *testing.T) {
	const n = 6
	pictures := jpegs(t, 2*n)
	path := filepath.Join(t.TempDir(), "two.mcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := mcap.NewWriter(f, &mcap.WriterOptions{Chunked: true, ChunkSize: 4 << 10, Compression: mcap.CompressionZSTD})
	if err != nil {
		t.Fatal(err)
	}
	_ = w.WriteHeader(&mcap.Header{Profile: "ros2"})
	_ = w.WriteSchema(&mcap.Schema{ID: 1, Name: "sensor_msgs/msg/CompressedImage", Encoding: "ros2msg", Data: []byte(ros2CompressedImage)})
	for id := uint16(1); id <= 2; id++ {
		_ = w.WriteChannel(&mcap.Channel{ID: id, SchemaID: 1, Topic: "/camera", MessageEncoding: "cdr"})
	}
	for i, p := range pictures { // the channels take turns
		msg := newCDR().time(stamp(i)).str("c").str("jpeg").bytes(p).b
		if err := w.WriteMessage(&mcap.Message{ChannelID: uint16(1 + i%2), LogTime: uint64(logTime(i).UnixNano()), Data: msg}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, res := importBag(t, path, mcapimport.Options{})
	if tp := topicOf(t, res, "/camera"); len(res.Topics) != 1 || tp.Messages != 2*n || tp.Packets != 2*n {
		t.Fatalf("%+v", res)
	}
	if _, pkts := readStream(t, out, "/camera"); len(pkts) != 2*n || !pkts[2*n-1].CaptureTime.Equal(stamp(2*n-1)) {
		t.Fatalf("%d packets", len(pkts))
	}
	seen, err := mcapimport.Inspect(t.Context(), []string{path}, mcapimport.Options{})
	if tp := topicOf(t, seen, "/camera"); err != nil || tp.Messages != 2*n {
		t.Errorf("inspected: %v, %+v", err, seen)
	}
}
