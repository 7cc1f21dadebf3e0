package mcapimport_test

import (
	"testing"
	"time"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage/mcapimport"
)

// ffmpeg_image_transport's libx264 packets with B-frames, stamped with
// their pictures' capture times (so not in order), are stored in decode
// order at those times, each with the composition offset that puts its
// decode time before them, as a recording of such a file keeps them; none
// is retimed, and they decode to the pictures in the order captured. A
// bag stamped in decode order stores as validly, and so does one logged
// at the stamps: its order stored is its decode order.
func TestImportKeepsBFramesInTheirOrder(t *testing.T) {
	const n, gop = 45, 15
	pictures, shown := testclip.CodedPictures(t, "h264", n, gop)
	reordered := false
	for i := range shown {
		reordered = reordered || shown[i] != i
	}
	if !reordered {
		t.Fatal("the clip has no B-frames")
	}
	for _, c := range []struct {
		name    string
		stamped func(i int) time.Time
		logged  bool // logged at its stamp, as a converter from a file logs
	}{
		{"stamped as captured", func(i int) time.Time { return stamp(shown[i]) }, false},
		{"stamped in decode order", stamp, false},
		{"stamped and logged as captured", func(i int) time.Time { return stamp(shown[i]) }, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			ch := bagChannel{topic: "/front", schema: "ffmpeg_image_transport_msgs/msg/FFMPEGPacket", schemaEncoding: "ros2msg",
				schemaText: ros2FFMPEGPacket, encoding: "cdr"}
			for i, p := range pictures {
				ch.messages = append(ch.messages, newCDR().time(c.stamped(i)).str("front").u32(160).u32(120).str("libx264").
					u64(uint64(i)).u8(0).u8(0).bytes(p).b)
				if c.logged {
					ch.logTimes = append(ch.logTimes, c.stamped(i))
				}
			}
			out, res := importBag(t, writeBag(t, mcap.CompressionZSTD, ch), mcapimport.Options{})
			if tp := topicOf(t, res, "/front"); tp.Packets != n || tp.Retimed != 0 || !tp.First.Equal(stamp(0)) || !tp.Last.Equal(stamp(n-1)) {
				t.Fatalf("%+v", tp)
			}
			_, pkts := readStream(t, out, "/front")
			dec, err := ffmpeg.NewH264Decoder()
			if err != nil {
				t.Fatal(err)
			}
			defer dec.Close()
			var decoded []time.Time
			for i, p := range pkts {
				if !p.CaptureTime.Equal(c.stamped(i)) || p.CompositionOffset < 0 {
					t.Fatalf("packet %d at %v, offset %v; want at %v, offset at least 0", i, p.CaptureTime, p.CompositionOffset, c.stamped(i))
				}
				if i > 0 && !p.DecodeTime().After(pkts[i-1].DecodeTime()) {
					t.Fatalf("packet %d decoded at %v, not after packet %d (%v)", i, p.DecodeTime(), i-1, pkts[i-1].DecodeTime())
				}
				frames, err := dec.Decode(p)
				if err != nil {
					t.Fatalf("packet %d: %v", i, err)
				}
				decoded = append(decoded, times(frames)...)
			}
			frames, err := dec.Flush()
			if err != nil {
				t.Fatal(err)
			}
			decoded = append(decoded, times(frames)...)
			if len(decoded) != n {
				t.Fatalf("%d pictures decoded, want %d", len(decoded), n)
			}
			for i := 1; i < n; i++ {
				if c.name == "stamped as captured" && !decoded[i].Equal(stamp(i)) {
					t.Fatalf("picture %d shown at %v, want %v", i, decoded[i], stamp(i))
				}
			}
		})
	}
}

func times(frames []*media.Frame) []time.Time {
	var out []time.Time
	for _, f := range frames {
		out = append(out, f.CaptureTime)
		f.Release()
	}
	return out
}

// With Encode, an H.264 stream with B-frames (which WebRTC and Foxglove do
// not play) is re-encoded without them, every picture at its own stamp, in
// the order captured: a long one from its first GOP on, a short one (one
// keyframe, fewer packets than the window) at the end of the topic. A
// stream without B-frames is stored as it came.
func TestImportWithEncodeTakesBFramesOut(t *testing.T) {
	for _, c := range []struct {
		name    string
		n, gop  int
		bframes bool
		lengths bool // NAL units behind four-byte lengths
	}{
		{"long", 45, 15, true, false},
		{"short", 20, 30, true, false},
		{"behind lengths", 45, 15, true, true},
		{"without B-frames", 45, 15, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var pictures [][]byte
			var shown []int
			if c.bframes {
				pictures, shown = testclip.CodedPictures(t, "h264", c.n, c.gop)
			} else {
				for i, p := range h264AUs(t, c.n, c.gop) {
					pictures, shown = append(pictures, p.Data), append(shown, i)
				}
			}
			ch := bagChannel{topic: "/front", schema: "ffmpeg_image_transport_msgs/msg/FFMPEGPacket", schemaEncoding: "ros2msg",
				schemaText: ros2FFMPEGPacket, encoding: "cdr"}
			for i, p := range pictures {
				if c.lengths {
					p = lengthPrefixed(t, p)
				}
				ch.messages = append(ch.messages, newCDR().time(stamp(shown[i])).str("front").u32(160).u32(120).str("libx264").
					u64(uint64(i)).u8(0).u8(0).bytes(p).b)
			}
			out, res := importBag(t, writeBag(t, mcap.CompressionZSTD, ch),
				mcapimport.Options{Encode: ffmpegEncoder, Transcode: ffmpegTranscoder})
			tp := topicOf(t, res, "/front")
			want := "h264 with B-frames"
			if !c.bframes {
				want = ""
			}
			if tp.Packets != int64(c.n) || tp.Transcoded != want || tp.Retimed != 0 || tp.Dropped != 0 || tp.Damaged != 0 {
				t.Fatalf("%+v", tp)
			}
			_, pkts := readStream(t, out, "/front")
			for i, p := range pkts {
				if !p.CaptureTime.Equal(stamp(i)) || p.CompositionOffset != 0 {
					t.Fatalf("packet %d at %v, offset %v; want at %v, no offset", i, p.CaptureTime, p.CompositionOffset, stamp(i))
				}
			}
			if !pkts[0].Key {
				t.Fatal("the stream does not begin at a keyframe")
			}
		})
	}
}
