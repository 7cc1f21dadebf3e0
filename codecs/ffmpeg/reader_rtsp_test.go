package ffmpeg

import (
	"io"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testrtsp"
)

// lossyCamera starts an RTSP camera (25 frames/s, an IDR every second)
// and returns a Reader of it with opts, and a function that makes the
// camera lose power while it sends a keyframe, the one picture of its
// stream that takes more than one RTP packet.
func lossyCamera(t *testing.T, opts ...ReaderOption) (*Reader, func()) {
	t.Helper()
	cam := testrtsp.Start(t, testrtsp.Clip(t, 50, 25), 25)
	r := mustReader(t, cam.URL(), opts...)
	return r, func() { go cam.StopInPicture() }
}

// An RTSP camera that loses power while sending a picture: what had come
// of it is left out, counted Truncated, and every packet handed on
// decodes, the last GOP's too, which a topic's cache would replay to late
// joiners while the camera is away.
func TestReaderLeavesOutThePictureAnRTSPStreamsLossCut(t *testing.T) {
	r, lose := lossyCamera(t, WithPassthrough())
	dec := mustDecoder(t)
	var keys int
	for n := 0; ; n++ {
		if n == 30 {
			lose()
		}
		p, err := r.ReadPacket()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if p.Key {
			keys++
		}
		if _, err := dec.Decode(p); err != nil {
			t.Errorf("packet %d (key %v, %d bytes): %v", p.Seq, p.Key, len(p.Data), err)
		}
	}
	if st := r.Stats(); st != (ReadStats{Truncated: 1}) || keys != 2 {
		t.Fatalf("stats %+v, %d keyframes handed on; want the cut keyframe counted Truncated and nothing else, not handed on: 2 keyframes before it", st, keys)
	}
}

// A decoding Reader of the same camera counts the cut picture Truncated,
// not as damage it could not decode.
func TestDecodingReaderLeavesOutThePictureAnRTSPStreamsLossCut(t *testing.T) {
	r, lose := lossyCamera(t)
	for n := 0; ; n++ {
		if n == 30 {
			lose()
		}
		if _, err := r.ReadFrame(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if st := r.Stats(); st != (ReadStats{Truncated: 1}) {
		t.Fatalf("stats %+v; want the cut keyframe counted Truncated and nothing else", st)
	}
}

// A client that joins an RTSP camera inside a GOP starts at the next
// keyframe, decoding or passing through: the packets before it are
// counted BeforeKeyframe, not as damage.
func TestReaderJoiningAnRTSPCameraInsideAGOPStartsAtItsKeyframe(t *testing.T) {
	cam := testrtsp.Start(t, testrtsp.Clip(t, 50, 25), 25)
	cam.JoinAt(7) // 18 frames before the keyframe of frame 25
	for _, passthrough := range []bool{true, false} {
		var opts []ReaderOption
		if passthrough {
			opts = append(opts, WithPassthrough())
		}
		r := mustReader(t, cam.URL(), opts...)
		if passthrough {
			if p, err := r.ReadPacket(); err != nil || !p.Key {
				t.Fatalf("passthrough: first packet %+v, %v; want a keyframe", p, err)
			}
		} else if _, err := r.ReadFrame(); err != nil {
			t.Fatal(err)
		}
		if st := r.Stats(); st != (ReadStats{BeforeKeyframe: 18}) {
			t.Errorf("passthrough %v: stats %+v; want the 18 packets before the keyframe counted BeforeKeyframe, and nothing else", passthrough, st)
		}
	}
}

// A Reader of an RTSP camera stopped by WithStop (the pipeline stops)
// ends its session with a TEARDOWN, as ffmpeg does, so that a camera that
// allows few sessions frees it at once rather than at its timeout.
func TestAStoppedRTSPReaderTearsDownItsSession(t *testing.T) {
	cam := testrtsp.StartH265(t, testrtsp.ClipH265(t, 50, 25), 25)
	stop := make(chan struct{})
	r := mustReader(t, cam.URL(), WithStop(stop))
	if _, err := r.ReadFrame(); err != nil {
		t.Fatal(err)
	}
	close(stop)
	for {
		if _, err := r.ReadFrame(); err != nil {
			break
		}
	}
	r.Close()
	deadline := time.Now().Add(5 * time.Second)
	for cam.Teardowns() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if cam.Teardowns() != 1 {
		t.Fatalf("the camera got %d TEARDOWNs, want 1", cam.Teardowns())
	}
}

// A camera joined inside a GOP shows its first picture at its next
// keyframe, which comes later than the session opened: that picture is
// stamped when it came, not at the opening, decoding or passing through,
// and no capture time is later than the moment its picture is read.
func TestAnRTSPCamerasFirstKeyframeIsStampedWhenItCame(t *testing.T) {
	cam := testrtsp.Start(t, testrtsp.Clip(t, 50, 25), 25)
	cam.JoinAt(5) // 20 frames, 0.8 s, before the keyframe of frame 25
	for _, passthrough := range []bool{true, false} {
		var opts []ReaderOption
		if passthrough {
			opts = append(opts, WithPassthrough())
		}
		began := time.Now()
		r := mustReader(t, cam.URL(), opts...)
		var capture time.Time
		if passthrough {
			p, err := r.ReadPacket()
			if err != nil {
				t.Fatal(err)
			}
			capture = p.CaptureTime
		} else {
			f, err := r.ReadFrame()
			if err != nil {
				t.Fatal(err)
			}
			capture = f.CaptureTime
			f.Release()
		}
		read := time.Now()
		if after := capture.Sub(began); after < 600*time.Millisecond || capture.After(read) {
			t.Errorf("passthrough %v: the first picture, sent 0.8 s after the session began, is stamped %v after the opening began and %v before it was read; want at least 0.6 s after, and not after its reading",
				passthrough, after, read.Sub(capture))
		}
	}
}
