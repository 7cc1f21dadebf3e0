package ffmpeg

import (
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/h264"
)

// zerolatencySender is the most common GStreamer H.264 sender: x264enc's
// tune=zerolatency codes each picture in several slices (two at 160x120 on
// two threads), and rtph264pay config-interval=-1 puts SPS and PPS in
// front of each slice of a keyframe, where FFmpeg's parser cuts it.
var zerolatencySender = []string{"x264enc tune=zerolatency key-int-max=10", "rtph264pay config-interval=-1"}

// x264enc tune=zerolatency keyframes, cut by the parameter sets in front
// of each slice, decode whole, as they do from senders that do not cut
// them: the SPS and PPS once a second, or pictures in one slice.
func TestRTPDecodesSlicedKeyframesWithParameterSetsInFrontOfEachSlice(t *testing.T) {
	for _, sender := range [][]string{
		zerolatencySender,
		{"x264enc tune=zerolatency key-int-max=10", "rtph264pay config-interval=1"},
		{"x264enc tune=zerolatency sliced-threads=false key-int-max=10", "rtph264pay config-interval=-1"},
	} {
		t.Run(sender[0]+" "+sender[1], func(t *testing.T) {
			port := freeRTPPort(t)
			gstSender(t, port, sender...)
			stop := watchdog(t)
			r, err := openRTP(t, "rtp://127.0.0.1:"+strconv.Itoa(port), WithStop(stop))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			readFrames(t, r, 35, 160, 120) // three keyframes and more
			if st := r.Stats(); st.Damaged != 0 || st.Undecodable != 0 || st.Concealed != 0 {
				t.Fatalf("damage in the stream: %s", st)
			}
		})
	}
}

// Passed through, each keyframe of such a sender is one packet with its
// slices together and SPS and PPS once in front, and every packet decodes
// into one whole picture with gopline's strict decoder.
func TestRTPPassesSlicedKeyframesThroughWhole(t *testing.T) {
	port := freeRTPPort(t)
	gstSender(t, port, zerolatencySender...)
	stop := watchdog(t)
	r, err := openRTP(t, "rtp://127.0.0.1:"+strconv.Itoa(port), WithStop(stop), WithPassthrough())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	checkPassedThroughPictures(t, r, 35)
}

// An .sdp file of the same stream (ffmpeg -sdp_file, or one written for
// GStreamer's sender) is read by the same demuxer, and mended alike.
func TestRTPSessionFileDecodesSlicedKeyframes(t *testing.T) {
	port := freeRTPPort(t)
	gstSender(t, port, zerolatencySender...)
	s, err := newRTPSession("rtp://127.0.0.1:"+strconv.Itoa(port), 0, "H264")
	if err != nil {
		t.Fatal(err)
	}
	sdp := filepath.Join(t.TempDir(), "rtp.sdp")
	if err := os.WriteFile(sdp, []byte(s.description()), 0o644); err != nil {
		t.Fatal(err)
	}
	stop := watchdog(t)
	whitelist := WithInputOptions(map[string]string{"protocol_whitelist": "file,udp,rtp"})
	r, err := OpenReader(sdp, WithStop(stop), whitelist)
	if err != nil {
		t.Fatal(err)
	}
	readFrames(t, r, 35, 160, 120)
	if st := r.Stats(); st.Damaged != 0 || st.Undecodable != 0 || st.Concealed != 0 {
		t.Fatalf("damage in the stream: %s", st)
	}
	r.Close() // its port is free for the next
	p, err := OpenReader(sdp, WithStop(stop), whitelist, WithPassthrough())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	checkPassedThroughPictures(t, p, 35)
}

// watchdog returns the stop of a Reader of a live stream, closed at the
// end of the test or after half a minute: a stream that never gives what
// the test reads ends, failing the test, instead of hanging it.
func watchdog(t *testing.T) <-chan struct{} {
	stop := make(chan struct{})
	var once sync.Once
	end := func() { once.Do(func() { close(stop) }) }
	timer := time.AfterFunc(30*time.Second, end)
	t.Cleanup(func() { timer.Stop(); end() })
	return stop
}

// checkPassedThroughPictures reads n packets of r, a passthrough Reader of
// a sliced H.264 stream, and checks that each keyframe holds its slices
// with SPS and PPS once in front and that every packet decodes into one
// whole picture.
func checkPassedThroughPictures(t *testing.T, r *Reader, n int) {
	t.Helper()
	dec, err := NewH264Decoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	keyframes, pictures := 0, 0
	for i := range n {
		p, err := r.ReadPacket()
		if err != nil {
			t.Fatalf("packet %d: %v (%s)", i, err, r.Stats())
		}
		nalus, err := h264.SplitAnnexB(p.Data)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		var sps, pps, idr int
		for _, nalu := range nalus {
			switch h264.TypeOf(nalu) {
			case h264.NALUTypeSPS:
				sps++
			case h264.NALUTypePPS:
				pps++
			case h264.NALUTypeIDR:
				if sps == 0 || pps == 0 {
					t.Fatalf("packet %d: an IDR slice before the parameter sets", i)
				}
				idr++
			}
		}
		if p.Key != (idr > 0) {
			t.Fatalf("packet %d: Key %v with %d IDR slices", i, p.Key, idr)
		}
		if p.Key {
			keyframes++
			if sps != 1 || pps != 1 || idr < 2 {
				t.Fatalf("keyframe %d: %d SPS, %d PPS and %d IDR slices, want 1, 1 and the picture's slices (2 or more)",
					i, sps, pps, idr)
			}
		}
		frames, err := dec.Decode(p)
		if err != nil {
			t.Fatalf("packet %d (key %v) does not decode: %v", i, p.Key, err)
		}
		for _, f := range frames {
			if f.Width != 160 || f.Height != 120 {
				t.Fatalf("picture %dx%d, want 160x120", f.Width, f.Height)
			}
			f.Release()
		}
		pictures += len(frames)
	}
	frames, err := dec.Flush()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		f.Release()
	}
	if pictures += len(frames); pictures != n || keyframes < 3 {
		t.Fatalf("%d packets with %d keyframes decoded into %d pictures, want one each and 3 keyframes or more",
			n, keyframes, pictures)
	}
}
