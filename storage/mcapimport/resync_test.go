package mcapimport_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/storage/mcapimport"
)

// In a file without chunks, a message record whose length is damaged
// loses that message alone: the reading goes on from the next whole
// record, said with the place and counted against the file's statistics.
// It lost every message after it, and the report spoke of chunks the
// file does not have. Damage with no whole record after it (the rest of
// the file's data overwritten) stops the reading there, said so.
func TestImportReadsOnPastADamagedMessageOfAFileWithoutChunks(t *testing.T) {
	const n = 30
	cam, file := unchunkedCameraBag(t, n)
	// recordOf returns where message i's record begins: its opcode, its
	// length, then its channel id, sequence, log and publish times.
	recordOf := func(i int) int {
		at := bytes.Index(file, cam.messages[i]) - 22 - 9 // its header, its opcode and length
		if at < 0 || mcap.OpCode(file[at]) != mcap.OpMessage {
			t.Fatalf("message %d: no message record at byte %d", i, at)
		}
		return at
	}
	for _, c := range []struct {
		name    string
		damage  []int // the messages whose length is damaged
		packets int64
		readOn  []string
		stopped string
	}{
		{"one message", []int{11}, n - 1, []string{"(a message record whose length, 4611686018427387904 bytes, runs past the file's data, which ends at byte"}, ""},
		{"two messages", []int{3, 20}, n - 2, []string{"read on from the next whole record, at byte", "read on from the next whole record, at byte"}, ""},
		{"the last message", []int{n - 1}, n - 1, []string{"read on from the next whole record"}, ""},
	} {
		damaged := slices.Clone(file)
		for _, i := range c.damage {
			binary.LittleEndian.PutUint64(damaged[recordOf(i)+1:], 1<<62)
		}
		_, res := importBag(t, writeFile(t, "damaged.mcap", damaged), mcapimport.Options{})
		tp := topicOf(t, res, "/camera")
		if tp.Packets != c.packets || res.Lost != int64(len(c.damage)) || len(res.ReadPast) != len(c.readOn) || len(res.Stopped) != 0 ||
			len(res.Truncated) != 0 || res.DamagedChunks != 0 {
			t.Errorf("%s: %d packets, want %d; %+v", c.name, tp.Packets, c.packets, res)
			continue
		}
		for i, want := range c.readOn {
			if at := recordOf(c.damage[i]); !strings.Contains(res.ReadPast[i], want) || strings.Contains(res.ReadPast[i], "chunk") ||
				!strings.Contains(res.ReadPast[i], "damaged near byte "+strconv.Itoa(at)) {
				t.Errorf("%s: %q, want the damage at byte %d and %q", c.name, res.ReadPast[i], at, want)
			}
		}
	}

	// Every record after the damaged one overwritten: nothing to read on from.
	damaged := slices.Clone(file)
	at := recordOf(25)
	end := bytes.LastIndex(damaged, []byte{byte(mcap.OpDataEnd), 4, 0, 0, 0, 0, 0, 0, 0})
	binary.LittleEndian.PutUint64(damaged[at+1:], 1<<62)
	for i := at + 9; i < end+13; i++ {
		damaged[i] = 0xee
	}
	_, res := importBag(t, writeFile(t, "overwritten.mcap", damaged), mcapimport.Options{})
	if tp := topicOf(t, res, "/camera"); tp.Packets != 25 || res.Lost != n-25 || len(res.Stopped) != 1 ||
		!strings.Contains(res.Stopped[0], "no whole record follows") || strings.Contains(res.Stopped[0], "chunk") {
		t.Errorf("overwritten: %d packets; %+v", tp.Packets, res)
	}
}

// A message record whose opcode is damaged into one MCAP does not define
// is skipped by the MCAP reader, as the format asks of records a reader
// does not know: the message is lost without a sign but the count. The
// file's statistics count it, and the import says it lost it.
func TestImportCountsAMessageItsReaderSkippedAsUnknown(t *testing.T) {
	const n = 12
	cam, file := unchunkedCameraBag(t, n)
	at := bytes.Index(file, cam.messages[5]) - 22 - 9
	if at < 0 || mcap.OpCode(file[at]) != mcap.OpMessage {
		t.Fatalf("no message record at byte %d", at)
	}
	file[at] = 0x42 // reserved for records of later versions of the format
	_, res := importBag(t, writeFile(t, "unknown.mcap", file), mcapimport.Options{})
	if tp := topicOf(t, res, "/camera"); tp.Packets != n-1 || res.Lost != 1 {
		t.Fatalf("%d packets, %d lost, want %d and 1; %+v", tp.Packets, res.Lost, n-1, res)
	}
}

// unchunkedCameraBag writes an MCAP file without chunks of n JPEG pictures
// on /camera, as ROS 2 messages, and returns its channel and its bytes.
func unchunkedCameraBag(t *testing.T, n int) (bagChannel, []byte) {
	t.Helper()
	cam := bagChannel{topic: "/camera", schema: "sensor_msgs/msg/CompressedImage", schemaEncoding: "ros2msg", schemaText: ros2CompressedImage, encoding: "cdr"}
	for i, p := range jpegs(t, n) {
		cam.messages = append(cam.messages, newCDR().time(stamp(i)).str("c").str("jpeg").bytes(p).b)
	}
	file, err := os.ReadFile(writeBag(t, unchunked, cam))
	if err != nil {
		t.Fatal(err)
	}
	return cam, file
}
