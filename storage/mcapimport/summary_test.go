package mcapimport_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/storage/mcapimport"
)

// What an import would end in that a bag's summary already says is said
// before the bag is read: a topic asked for that it lacks (naming its
// topics), and no topic of a type of pictures (or none of those asked
// for). The bags' first chunk is damaged: a read would count it.
func TestImportRefusesFromTheSummary(t *testing.T) {
	cam := jpegChannel(t)
	imu := bagChannel{topic: "/imu", schema: "sensor_msgs/msg/Imu", schemaEncoding: "ros2msg", schemaText: ros2Imu, encoding: "cdr"}
	for i := range 3 {
		imu.messages = append(imu.messages, newCDR().time(stamp(i)).str("imu").b)
	}
	out := filepath.Join(t.TempDir(), "out.gopline")
	for _, c := range []struct {
		name     string
		channels []bagChannel
		topics   []string
		want     error
	}{
		{"a topic it lacks", []bagChannel{cam}, []string{"/front"}, mcapimport.ErrNoTopic},
		{"no pictures", []bagChannel{imu}, nil, mcapimport.ErrNoPictures},
		{"no pictures asked for", []bagChannel{imu, cam}, []string{"/imu"}, mcapimport.ErrNoPictures},
	} {
		bag := damageFirstChunk(t, writeBag(t, mcap.CompressionZSTD, c.channels...))
		res, err := mcapimport.ImportFile(context.Background(), bag, out, mcapimport.Options{Topics: c.topics})
		if !errors.Is(err, c.want) || res.DamagedChunks != 0 || len(res.Topics) != len(c.channels) || res.Topics[0].Topic != c.channels[0].topic {
			t.Errorf("%s: %v, %+v", c.name, err, res)
		}
	}
	// Read, the damaged chunk is counted.
	bag := damageFirstChunk(t, writeBag(t, mcap.CompressionZSTD, cam))
	if res, err := mcapimport.ImportFile(context.Background(), bag, out, mcapimport.Options{}); !errors.Is(err, mcapimport.ErrNoPictures) ||
		res.DamagedChunks != 1 {
		t.Errorf("the damaged chunk read: %v, %+v", err, res)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s written", out)
	}
}

// damageFirstChunk damages the first chunk of the MCAP file at path, in
// place, and returns path.
func damageFirstChunk(t *testing.T, path string) string {
	t.Helper()
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info := mcapInfo(t, whole)
	if len(info.ChunkIndexes) == 0 {
		t.Fatal("no chunk index")
	}
	damageChunk(whole, info.ChunkIndexes[0])
	if err := os.WriteFile(path, whole, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// mcapInfo returns what the summary of the MCAP file in b says.
func mcapInfo(t *testing.T, b []byte) *mcap.Info {
	t.Helper()
	reader, err := mcap.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	info, err := reader.Info()
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// damageChunk turns over 20 bytes of the chunk c of the MCAP file in b,
// near its end: its compressed bytes, or its records, no longer read.
func damageChunk(b []byte, c *mcap.ChunkIndex) {
	end := c.ChunkStartOffset + c.ChunkLength
	for i := end - 30; i < end-10; i++ {
		b[i] ^= 0xff
	}
}

// A damaged length in an MCAP file whose footer and summary hold (a
// message index's, which took the start of the next chunk into its record;
// a chunk's own, past the file's end) does not end the reading as if the
// file were cut short:
// the summary's chunk index says where the next chunk begins, and the
// reading goes on from there. Only a damaged chunk's messages are lost.
func TestImportReadsOnPastDamageTheChunkIndexLocates(t *testing.T) {
	const n = 60
	cam := bagChannel{topic: "/camera", schema: "sensor_msgs/msg/CompressedImage", schemaEncoding: "ros2msg", schemaText: ros2CompressedImage, encoding: "cdr"}
	for i, p := range jpegs(t, n) {
		cam.messages = append(cam.messages, newCDR().time(stamp(i)).str("c").str("jpeg").bytes(p).b)
	}
	file, err := os.ReadFile(writeBag(t, mcap.CompressionZSTD, cam))
	if err != nil {
		t.Fatal(err)
	}
	info := mcapInfo(t, file)
	if len(info.ChunkIndexes) < 3 {
		t.Fatalf("%d chunks: the test wants several", len(info.ChunkIndexes))
	}
	first, second := info.ChunkIndexes[0], info.ChunkIndexes[1]
	inSecond := 0
	for i := range n {
		if at := uint64(logTime(i).UnixNano()); at >= second.MessageStartTime && at <= second.MessageEndTime {
			inSecond++
		}
	}
	for _, c := range []struct {
		name    string
		at      uint64 // the length field damaged
		length  uint64
		packets int64
		chunks  int64
	}{
		{"a message index's length", first.ChunkStartOffset + first.ChunkLength + 1, 100, n, 0},
		{"a chunk's length", second.ChunkStartOffset + 1, 1 << 40, int64(n - inSecond), 1},
	} {
		damaged := slices.Clone(file)
		if mcap.OpCode(damaged[c.at-1]) != mcap.OpMessageIndex && mcap.OpCode(damaged[c.at-1]) != mcap.OpChunk {
			t.Fatalf("%s: byte %d is no record's start", c.name, c.at-1)
		}
		binary.LittleEndian.PutUint64(damaged[c.at:], binary.LittleEndian.Uint64(damaged[c.at:])+c.length)
		_, res := importBag(t, writeFile(t, "damaged.mcap", damaged), mcapimport.Options{})
		if tp := topicOf(t, res, "/camera"); tp.Packets != c.packets || res.DamagedChunks != c.chunks || len(res.ReadPast) != 1 ||
			len(res.Truncated) != 0 || len(res.Stopped) != 0 {
			t.Errorf("%s: %d packets, want %d; %+v", c.name, tp.Packets, c.packets, res)
		}
	}
}
