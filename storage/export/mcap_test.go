package export_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/codecs/jpeg"
	"github.com/gopline/gopline/internal/foxglove"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/export"
	"github.com/gopline/gopline/storage/mcapimport"
)

// mcapMessage is a message as a JSON reader sees it, data still in base64.
type mcapMessage struct {
	Timestamp struct {
		Sec  int64 `json:"sec"`
		Nsec int64 `json:"nsec"`
	} `json:"timestamp"`
	FrameID string `json:"frame_id"`
	Data    string `json:"data"`
	Format  string `json:"format"`
}

type mcapFile struct {
	info     *mcap.Info
	logTimes []uint64
	messages []mcapMessage
}

// openMCAP opens an MCAP file for reading until the test ends.
func openMCAP(t *testing.T, path string) *mcap.Reader {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	r, err := mcap.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

// readMCAP reads an MCAP file through its index.
func readMCAP(t *testing.T, path string) mcapFile {
	t.Helper()
	r := openMCAP(t, path)
	var err error
	var out mcapFile
	if out.info, err = r.Info(); err != nil {
		t.Fatal(err)
	}
	it, err := r.Messages(mcap.UsingIndex(true), mcap.InOrder(mcap.LogTimeOrder))
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, _, m, err := it.NextInto(nil)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		var msg mcapMessage
		if err := json.Unmarshal(m.Data, &msg); err != nil {
			t.Fatalf("message %d: %v", len(out.messages), err)
		}
		if m.PublishTime != m.LogTime {
			t.Errorf("message %d: publish time %d, log time %d", len(out.messages), m.PublishTime, m.LogTime)
		}
		out.logTimes = append(out.logTimes, m.LogTime)
		out.messages = append(out.messages, msg)
	}
}

// checkMCAP checks the file's one schema, its one channel and the timing of
// its messages, which must be frames first to last.
func checkMCAP(t *testing.T, f mcapFile, schema, topic, format string, first, last int) {
	t.Helper()
	if len(f.info.Schemas) != 1 || len(f.info.Channels) != 1 {
		t.Fatalf("%d schemas, %d channels", len(f.info.Schemas), len(f.info.Channels))
	}
	for _, s := range f.info.Schemas {
		var js map[string]any
		if s.Name != schema || s.Encoding != "jsonschema" || json.Unmarshal(s.Data, &js) != nil || js["title"] != schema {
			t.Errorf("schema %q, encoding %q: %s", s.Name, s.Encoding, s.Data)
		}
	}
	for _, c := range f.info.Channels {
		if c.Topic != topic || c.MessageEncoding != "json" {
			t.Errorf("channel %+v", c)
		}
	}
	n := last - first + 1
	if f.info.Statistics.MessageCount != uint64(n) || len(f.messages) != n {
		t.Fatalf("%d messages (statistics: %d), want %d", len(f.messages), f.info.Statistics.MessageCount, n)
	}
	for i, m := range f.messages {
		capture := frameTime(first + i)
		if f.logTimes[i] != uint64(capture.UnixNano()) || m.Timestamp.Sec != capture.Unix() || m.Timestamp.Nsec != int64(capture.Nanosecond()) {
			t.Fatalf("message %d: log time %d, timestamp %+v; want %v", i, f.logTimes[i], m.Timestamp, capture)
		}
		if m.Format != format || m.FrameID != topic[1:] {
			t.Fatalf("message %d: format %q, frame_id %q", i, m.Format, m.FrameID)
		}
	}
}

func TestMCAPHoldsOneDecodableMessagePerPacket(t *testing.T) {
	rec := openRecording(t, makeRecording(t))
	dir := t.TempDir()
	path := filepath.Join(dir, "camera.mcap")
	goroutines := runtime.NumGoroutine()
	res, err := export.MCAP(t.Context(), rec, camera, time.Time{}, time.Time{}, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != h264Frames || res.Packets != h264Frames || res.Skipped != 0 || res.Duration != frameTime(h264Frames-1).Sub(t0) {
		t.Errorf("result %+v", res)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != res.Bytes {
		t.Errorf("file %v, %v; result says %d bytes", fi, err, res.Bytes)
	}
	noTempFiles(t, dir)
	f := readMCAP(t, path)
	checkMCAP(t, f, "foxglove.CompressedVideo", camera, "h264", 0, h264Frames-1)

	// The first GOP decodes from the messages alone: base64, then Annex B
	// access units with SPS and PPS in front of the IDR.
	p := testPattern(t)
	dec, err := ffmpeg.NewH264Decoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	for i, m := range f.messages[:gop] {
		data, err := base64.StdEncoding.DecodeString(m.Data)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		nalus, err := h264.SplitAnnexB(data)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		key := false
		for _, n := range nalus {
			key = key || h264.TypeOf(n) == h264.NALUTypeIDR
		}
		if key != (i == 0) {
			t.Fatalf("message %d: IDR %v", i, key)
		}
		frames, err := dec.Decode(&media.Packet{Codec: media.H264, Data: data, Key: key, Seq: uint64(i), Width: testWidth, Height: testHeight})
		if err != nil || len(frames) != 1 {
			t.Fatalf("message %d: %d pictures, %v", i, len(frames), err)
		}
		if n := frameNumber(t, frames[0]); n != i {
			t.Fatalf("message %d shows frame %d", i, n)
		}
		if psnr := lumaPSNR(t, p, frames[0]); psnr < 35 {
			t.Errorf("message %d: luma PSNR %.1f dB", i, psnr)
		}
	}

	// zstd's encoder may run goroutines of its own; none may outlive the
	// export.
	deadline := time.Now().Add(30 * time.Second)
	for runtime.NumGoroutine() > goroutines && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutines {
		t.Errorf("%d goroutines after the export, %d before", n, goroutines)
	}
}

func TestMCAPOfARangeAndOfDamage(t *testing.T) {
	rec := openRecording(t, makeRecording(t, 40))
	path := filepath.Join(t.TempDir(), "part.mcap")
	res, err := export.MCAP(t.Context(), rec, camera, frameTime(35), frameTime(65), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Frames 30 to 39, then the damaged record and the rest of its GOP are
	// left out, then 60 to 64.
	if res.Frames != 15 || res.Skipped != 20 || res.Packets != 34 {
		t.Errorf("result %+v, want 15 frames, 20 skipped", res)
	}
	f := readMCAP(t, path)
	if len(f.messages) != 15 || f.logTimes[0] != uint64(frameTime(30).UnixNano()) || f.logTimes[10] != uint64(frameTime(60).UnixNano()) {
		t.Errorf("%d messages, log times %v", len(f.messages), f.logTimes)
	}
}

func TestMCAPOfAJPEGStreamHoldsCompressedImages(t *testing.T) {
	rec := openRecording(t, makeRecording(t))
	path := filepath.Join(t.TempDir(), "jpeg.mcap")
	res, err := export.MCAP(t.Context(), rec, jpegStream, time.Time{}, time.Time{}, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != jpegFrames {
		t.Errorf("result %+v", res)
	}
	f := readMCAP(t, path)
	checkMCAP(t, f, "foxglove.CompressedImage", jpegStream, "jpeg", 0, jpegFrames-1)
	dec, err := jpeg.NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range f.messages {
		data, err := base64.StdEncoding.DecodeString(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		frames, err := dec.Decode(&media.Packet{Codec: media.JPEG, Data: data, Key: true, Seq: uint64(i)})
		if err != nil || len(frames) != 1 {
			t.Fatalf("message %d: %v", i, err)
		}
		if n := frameNumber(t, frames[0]); n != i {
			t.Fatalf("message %d shows frame %d", i, n)
		}
	}
}

// mcapRecord is a message's place in an MCAP file, in the file's order.
type mcapRecord struct {
	topic    string
	logTime  uint64
	sequence uint32
}

// readMCAPInFileOrder reads an MCAP file's messages as they lie in it,
// without its index, as a reader that streams the file sees them.
func readMCAPInFileOrder(t *testing.T, path string) []mcapRecord {
	t.Helper()
	it, err := openMCAP(t, path).Messages(mcap.UsingIndex(false))
	if err != nil {
		t.Fatal(err)
	}
	var out []mcapRecord
	for {
		_, c, m, err := it.NextInto(nil)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, mcapRecord{topic: c.Topic, logTime: m.LogTime, sequence: m.Sequence})
	}
}

func TestMCAPOfSeveralStreamsHoldsAChannelEachInOneTimeOrder(t *testing.T) {
	rec := openRecording(t, makeRecording(t))
	path := filepath.Join(t.TempDir(), "all.mcap")
	var done, total int
	res, err := export.MCAPStreams(t.Context(), rec, []string{camera, jpegStream}, time.Time{}, time.Time{}, path,
		func(_ export.Phase, d, n int) { done, total = d, n })
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != h264Frames+jpegFrames || res.Packets != res.Frames || res.Duration != frameTime(h264Frames-1).Sub(t0) || len(res.Reordered) != 0 {
		t.Errorf("result %+v", res)
	}
	if done != res.Packets || total != res.Packets {
		t.Errorf("progress ended at %d of %d, want %d of %d", done, total, res.Packets, res.Packets)
	}
	f := readMCAP(t, path)
	if len(f.info.Schemas) != 2 || len(f.info.Channels) != 2 || f.info.Statistics.MessageCount != uint64(res.Frames) {
		t.Fatalf("%d schemas, %d channels, %d messages", len(f.info.Schemas), len(f.info.Channels), f.info.Statistics.MessageCount)
	}
	records := readMCAPInFileOrder(t, path)
	next := map[string]uint32{}
	for i, m := range records {
		if i > 0 && m.logTime < records[i-1].logTime {
			t.Fatalf("message %d (%s) logged at %d, before the one in front of it (%d)", i, m.topic, m.logTime, records[i-1].logTime)
		}
		if m.sequence != next[m.topic] {
			t.Fatalf("message %d of %s has sequence %d, want %d", i, m.topic, m.sequence, next[m.topic])
		}
		next[m.topic]++
	}
	if next[camera] != h264Frames || next[jpegStream] != jpegFrames {
		t.Errorf("messages per topic %v", next)
	}
}

// A stream with nothing in the range is left out; the others are written.
func TestMCAPOfSeveralStreamsLeavesOutOneWithNothingInTheRange(t *testing.T) {
	rec := openRecording(t, makeRecording(t))
	path := filepath.Join(t.TempDir(), "late.mcap")
	res, err := export.MCAPStreams(t.Context(), rec, []string{camera, jpegStream}, frameTime(45), time.Time{}, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := readMCAP(t, path)
	// From the keyframe at or before 45 to the end; the JPEG stream ended
	// at frame 29.
	checkMCAP(t, f, "foxglove.CompressedVideo", camera, "h264", 30, h264Frames-1)
	if res.Frames != h264Frames-30 || len(res.Streams) != 1 || res.Streams[0] != camera {
		t.Errorf("result %+v, want the frames of %s alone", res, camera)
	}
	_, err = export.MCAPStreams(t.Context(), rec, []string{camera, jpegStream}, frameTime(h264Frames+10), time.Time{}, path, nil)
	if !errors.Is(err, export.ErrEmptyRange) {
		t.Errorf("a range after both streams: %v, want ErrEmptyRange", err)
	}
}

// A stream whose picture size changes (a camera restarted at another
// resolution) has a channel of each size on its topic, in the order the
// sizes came, whose metadata says the codec and the size, and each picture
// is a message of its size's channel: Foxglove configures its decoder per
// channel.
func TestMCAPGivesEachPictureSizeItsOwnChannel(t *testing.T) {
	rec := openRecording(t, sizeChangeRecording)
	path := filepath.Join(t.TempDir(), "sizes.mcap")
	res, err := export.MCAP(t.Context(), rec, camera, time.Time{}, time.Time{}, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != 30 {
		t.Fatalf("result %+v, want 30 frames", res)
	}
	it, err := openMCAP(t, path).Messages(mcap.UsingIndex(false))
	if err != nil {
		t.Fatal(err)
	}
	var sizes []string // a channel's size, in the order of the channels' first messages
	seen := map[uint16]bool{}
	for i := 0; ; i++ {
		_, c, m, err := it.NextInto(nil)
		if errors.Is(err, io.EOF) {
			if i != 30 {
				t.Fatalf("%d messages, want 30", i)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		size := c.Metadata["width"] + "x" + c.Metadata["height"]
		if c.Topic != camera || c.Metadata["codec"] != "h264" {
			t.Fatalf("message %d on channel %d: topic %q, metadata %v; want %q, codec h264", i, c.ID, c.Topic, c.Metadata, camera)
		}
		if !seen[c.ID] {
			seen[c.ID] = true
			sizes = append(sizes, size)
		}
		want := "160x120"
		if i >= 15 {
			want = "320x240"
		}
		if size != want {
			t.Fatalf("message %d on the channel of %s, want %s's", i, size, want)
		}
		var msg mcapMessage
		if err := json.Unmarshal(m.Data, &msg); err != nil {
			t.Fatal(err)
		}
		data, err := base64.StdEncoding.DecodeString(msg.Data)
		if err != nil {
			t.Fatal(err)
		}
		nalus, err := h264.SplitAnnexB(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, nalu := range nalus {
			if nalu[0]&0x1f != 7 { // the SPS of a keyframe
				continue
			}
			sps, err := h264.ParseSPS(nalu)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%dx%d", sps.Width(), sps.Height()); got != size {
				t.Fatalf("message %d: a %s keyframe on the channel of %s", i, got, size)
			}
		}
	}
	if len(sizes) != 2 || sizes[0] != "160x120" || sizes[1] != "320x240" {
		t.Fatalf("channels of %v, want one of 160x120 and one of 320x240", sizes)
	}
}

// Raw streams (an imported bag's cameras) export as foxglove.RawImage
// channels, which Foxglove's Image panel draws: RGB24 as rgb8, GRAY8 as
// mono8, YUV420P as uyvy. Imported back, each picture is the one recorded.
func TestMCAPOfRawStreamsHoldsRawImages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raw.gopline")
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	pattern := testPattern(t)
	recorded := map[string][][]byte{}
	for _, format := range []media.PixelFormat{media.YUV420P, media.RGB24, media.GRAY8} {
		stream := "/" + format.String()
		if err := rec.CreateStream(storage.StreamInfo{Name: stream, Codec: media.Raw, Format: format, Width: testWidth, Height: testHeight}); err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			f, err := pattern.Frame(uint64(i)).Convert(format)
			if err != nil {
				t.Fatal(err)
			}
			data := f.AppendPacked(nil)
			recorded[stream] = append(recorded[stream], data)
			p := &media.Packet{Codec: media.Raw, Format: format, Data: data, Key: true, Seq: uint64(i), GOP: uint64(i),
				CaptureTime: frameTime(i), Width: testWidth, Height: testHeight}
			if err := rec.Append(stream, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "raw.mcap")
	streams := []string{"/yuv420p", "/rgb24", "/gray8"}
	if _, err := export.MCAPStreams(t.Context(), openRecording(t, path), streams, time.Time{}, time.Time{}, out, nil); err != nil {
		t.Fatal(err)
	}
	info := readMCAP(t, out).info
	for _, s := range info.Schemas {
		if s.Name != foxglove.RawImage {
			t.Errorf("schema %s, want %s", s.Name, foxglove.RawImage)
		}
	}
	back := filepath.Join(t.TempDir(), "back.gopline")
	if _, err := mcapimport.ImportFile(t.Context(), out, back, mcapimport.Options{}); err != nil {
		t.Fatal(err)
	}
	imported := openRecording(t, back)
	for _, stream := range streams {
		c, err := imported.Range(stream, frameTime(0), frameTime(5))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			p, err := c.Next()
			if err != nil {
				t.Fatalf("%s picture %d: %v", stream, i, err)
			}
			if !bytes.Equal(p.Data, recorded[stream][i]) || p.Width != testWidth || p.Height != testHeight {
				t.Errorf("%s picture %d: %v %dx%d, not the one recorded", stream, i, p.Format, p.Width, p.Height)
			}
		}
		c.Close()
	}
}
