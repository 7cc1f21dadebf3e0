package mcapimport_test

import (
	"testing"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/storage/mcapimport"
)

// An MCAP file whose writer named its ROS 2 types without their
// definitions (empty schema data, as a SQLite bag of Humble converted)
// has its picture topics read by the types' known fields, as such a SQLite
// bag's are; a type gopline does not know is left out saying the bag
// does not define it.
func TestImportReadsPictureTypesTheBagDoesNotDefine(t *testing.T) {
	jpg := bagChannel{topic: "/jpeg", schema: "sensor_msgs/msg/CompressedImage", schemaEncoding: "ros2msg", encoding: "cdr"}
	for i, p := range jpegs(t, 3) {
		jpg.messages = append(jpg.messages, newCDR().time(stamp(i)).str("cam").str("jpeg").bytes(p).b)
	}
	imu := bagChannel{topic: "/imu", schema: "sensor_msgs/msg/Imu", schemaEncoding: "ros2msg", encoding: "cdr", messages: [][]byte{{0, 1, 0, 0, 1}}}
	_, res := importBag(t, writeBag(t, mcap.CompressionZSTD, jpg, imu), mcapimport.Options{})
	if tp := topicOf(t, res, "/jpeg"); tp.Packets != 3 {
		t.Errorf("%+v", tp)
	}
	if tp := topicOf(t, res, "/imu"); !tp.NotPictures || tp.Skipped != "not a picture type gopline knows (the file does not define it)" {
		t.Errorf("%+v", tp)
	}
}
