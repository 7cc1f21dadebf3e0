package mcapimport_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage/mcapimport"
)

func ffmpegTranscoder(codec string) (mcapimport.Transcoder, error) {
	return ffmpeg.NewTranscoder(codec)
}

// A robot's H.265 (Foxglove's CompressedVideo "h265", joined mid-GOP;
// ffmpeg_image_transport's hevc_nvenc packets), VP9 and AV1 topics are
// transcoded to H.264: each picture from the first keyframe at its own
// stamp, keyframes where the camera made them.
func TestImportTranscodesOtherCodecs(t *testing.T) {
	const n, gop = 45, 15
	video := func(topic, codec, format string, from int) bagChannel {
		pictures, shown := testclip.CodedPictures(t, codec, n, gop)
		ch := bagChannel{topic: topic, schema: "foxglove_msgs/msg/CompressedVideo", schemaEncoding: "ros2msg",
			schemaText: ros2CompressedVideo, encoding: "cdr"}
		for i := from; i < n; i++ {
			ch.messages = append(ch.messages, newCDR().time(stamp(shown[i])).str("camera").bytes(pictures[i]).str(format).b)
		}
		return ch
	}
	pictures, shown := testclip.CodedPictures(t, "hevc", n, gop)
	nvenc := bagChannel{topic: "/rear", schema: "ffmpeg_image_transport_msgs/msg/FFMPEGPacket", schemaEncoding: "ros2msg",
		schemaText: ros2FFMPEGPacket, encoding: "cdr"}
	for i, p := range pictures {
		nvenc.messages = append(nvenc.messages, newCDR().time(stamp(shown[i])).str("rear").u32(160).u32(120).str("hevc_nvenc").
			u64(uint64(shown[i])).u8(0).u8(0).bytes(p).b)
	}
	bag := writeBag(t, mcap.CompressionZSTD, video("/front", "hevc", "h265", 5), nvenc, video("/left", "vp9", "vp9", 0),
		video("/down", "av1", "av1", 0))

	out, res := importBag(t, bag, mcapimport.Options{Transcode: ffmpegTranscoder})
	for _, c := range []struct {
		topic, from    string
		first, packets int
	}{
		{"/front", "h265", gop, n - gop},
		{"/rear", "hevc_nvenc", 0, n},
		{"/left", "vp9", 0, n},
		{"/down", "av1", 0, n},
	} {
		tp := topicOf(t, res, c.topic)
		if tp.Transcoded != c.from || tp.Codec != media.H264 || tp.Width != 160 || tp.Height != 120 || tp.Packets != int64(c.packets) {
			t.Errorf("%s: %+v", c.topic, tp)
			continue
		}
		if left := tp.BeforeKeyframe + tp.Damaged + tp.Dropped + tp.OtherFormat; tp.Packets+left != tp.Messages {
			t.Errorf("%s: %d messages, %d stored, %d counted as left out", c.topic, tp.Messages, tp.Packets, left)
		}
		info, pkts := readStream(t, out, c.topic)
		if want := fmt.Sprintf("transcoded from %s", c.from); !strings.Contains(info.Source, want) {
			t.Errorf("%s: source %q does not say %q", c.topic, info.Source, want)
		}
		for i, p := range pkts {
			if want := stamp(c.first + i); !p.CaptureTime.Equal(want) || p.Key != ((c.first+i)%gop == 0) {
				t.Fatalf("%s: packet %d at %v, key %v; want the picture shown at %v, key every %d", c.topic, i, p.CaptureTime, p.Key, want, gop)
			}
		}
	}
	if tp := topicOf(t, res, "/front"); tp.BeforeKeyframe != 10 {
		t.Errorf("/front joined at picture 5: %d before the first keyframe, want 10", tp.BeforeKeyframe)
	}

	// Without a Transcoder, such topics are named and left out.
	_, res = importBag(t, writeBag(t, mcap.CompressionZSTD, video("/front", "hevc", "h265", 0), jpegChannel(t)), mcapimport.Options{})
	if tp := topicOf(t, res, "/front"); tp.Packets != 0 || !strings.Contains(tp.Skipped, `"h265"`) {
		t.Errorf("without a Transcoder: %+v", tp)
	}
}

// jpegChannel is a topic of one JPEG picture.
func jpegChannel(t testing.TB) bagChannel {
	return bagChannel{topic: "/camera", schema: "sensor_msgs/msg/CompressedImage", schemaEncoding: "ros2msg", schemaText: ros2CompressedImage,
		encoding: "cdr", messages: [][]byte{newCDR().time(stamp(0)).str("c").str("jpeg").bytes(jpegs(t, 1)[0]).b}}
}

// scripted is a Transcoder that plays a script: for picture i, errs[i]
// when set, else the numbers out[i] (with their capture times) come out.
type scripted struct {
	n     int
	times map[int]time.Time
	errs  map[int]error
	out   map[int][]int
	flush []int
}

func (s *scripted) Transcode(data []byte, capture time.Time) ([]*media.Packet, error) {
	i := s.n
	s.n++
	s.times[i] = capture
	if err := s.errs[i]; err != nil {
		return nil, err
	}
	return s.packets(s.out[i]), nil
}

func (s *scripted) packets(numbers []int) []*media.Packet {
	var out []*media.Packet
	for _, k := range numbers {
		p := h264Delta
		if k == 7 {
			p = h264Keyframe
		}
		out = append(out, &media.Packet{Codec: media.H264, Data: p, Seq: uint64(k), CaptureTime: s.times[k]})
	}
	return out
}

func (s *scripted) Flush() ([]*media.Packet, error) { return s.packets(s.flush), nil }
func (s *scripted) Close() error                    { return nil }

var h264Keyframe, h264Delta []byte

// What a Transcoder leaves out is counted: errors while it waits for the
// first keyframe, and pictures before it that gave none, as before the
// keyframe; damaged ones as damaged; errors after it, and pictures that
// never came out, as dropped. Every message is counted once.
func TestImportCountsWhatATranscoderLeftOut(t *testing.T) {
	aus := h264AUs(t, 2, 30)
	h264Keyframe, h264Delta = aus[0].Data, aus[1].Data
	need := fmt.Errorf("%w: waiting", codecs.ErrNeedKeyframe)
	damaged := fmt.Errorf("%w: cut short", codecs.ErrCorrupt)
	s := &scripted{times: map[int]time.Time{},
		// 0-4 fail waiting, 5 and 6 give nothing (before the keyframe, 7),
		// 7 comes out with 8, 9 is damaged, 10 fails waiting after it, 11
		// and 12 come out, 13 and 14 never do, 15 at the flush.
		errs:  map[int]error{0: need, 1: need, 2: need, 3: need, 4: need, 9: damaged, 10: need},
		out:   map[int][]int{8: {7, 8}, 11: {11}, 12: {12}},
		flush: []int{15},
	}
	ch := bagChannel{topic: "/front", schema: "foxglove_msgs/msg/CompressedVideo", schemaEncoding: "ros2msg", schemaText: ros2CompressedVideo, encoding: "cdr"}
	for i := range 16 {
		ch.messages = append(ch.messages, newCDR().time(stamp(i)).str("front").bytes([]byte{1, 2, 3}).str("h265").b)
	}
	_, res := importBag(t, writeBag(t, mcap.CompressionZSTD, ch), mcapimport.Options{Transcode: func(codec string) (mcapimport.Transcoder, error) {
		if codec != "h265" {
			return nil, errors.New("asked for " + codec)
		}
		return s, nil
	}})
	tp := topicOf(t, res, "/front")
	if tp.Messages != 16 || tp.Packets != 5 || tp.BeforeKeyframe != 7 || tp.Damaged != 1 || tp.Dropped != 3 {
		t.Fatalf("%d messages: %d stored, %d before the keyframe, %d damaged, %d dropped; want 16: 5, 7, 1, 3",
			tp.Messages, tp.Packets, tp.BeforeKeyframe, tp.Damaged, tp.Dropped)
	}
	if !tp.First.Equal(stamp(7)) || !tp.Last.Equal(stamp(15)) {
		t.Errorf("stored from %v to %v, want %v to %v", tp.First, tp.Last, stamp(7), stamp(15))
	}
}

// Pictures whose NAL units come behind four-byte lengths (MP4's form),
// which some producers put in Foxglove's CompressedVideo where it asks for
// Annex B, are taken as their Annex B selves: H.264 stored, H.265
// transcoded.
func TestImportTakesLengthPrefixedNALUnits(t *testing.T) {
	avcc := func(annexB []byte) []byte { return lengthPrefixed(t, annexB) }
	aus := h264AUs(t, 30, 15)
	avc := bagChannel{topic: "/h264", schema: "foxglove_msgs/msg/CompressedVideo", schemaEncoding: "ros2msg", schemaText: ros2CompressedVideo, encoding: "cdr"}
	for i, au := range aus {
		avc.messages = append(avc.messages, newCDR().time(stamp(i)).str("c").bytes(avcc(au.Data)).str("h264").b)
	}
	pictures, shown := testclip.CodedPictures(t, "hevc", 30, 15)
	hvc := bagChannel{topic: "/h265", schema: "foxglove_msgs/msg/CompressedVideo", schemaEncoding: "ros2msg", schemaText: ros2CompressedVideo, encoding: "cdr"}
	for i, p := range pictures {
		hvc.messages = append(hvc.messages, newCDR().time(stamp(shown[i])).str("c").bytes(avcc(p)).str("h265").b)
	}
	out, res := importBag(t, writeBag(t, mcap.CompressionZSTD, avc, hvc), mcapimport.Options{Transcode: ffmpegTranscoder})
	for _, topic := range []string{"/h264", "/h265"} {
		if tp := topicOf(t, res, topic); tp.Packets != 30 || tp.Damaged != 0 {
			t.Errorf("%s: %+v", topic, tp)
		}
	}
	_, pkts := readStream(t, out, "/h264")
	for i, p := range pkts {
		got, err := h264.SplitAnnexB(p.Data)
		want, _ := h264.SplitAnnexB(aus[i].Data)
		if err != nil || len(got) != len(want) {
			t.Fatalf("packet %d: %d NAL units (%v), want %d", i, len(got), err, len(want))
		}
		for k := range got {
			if !bytes.Equal(got[k], want[k]) {
				t.Fatalf("packet %d: NAL unit %d differs", i, k)
			}
		}
	}
}

// lengthPrefixed returns an access unit in Annex B with its NAL units
// behind four-byte lengths instead.
func lengthPrefixed(t testing.TB, annexB []byte) []byte {
	nalus, err := h264.SplitAnnexB(annexB)
	if err != nil {
		t.Fatal(err)
	}
	out, err := h264.JoinAVCC(nalus, 4)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
