package ffmpeg

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopline/gopline/internal/testclip"
)

// joinedMidGOP returns an MPEG-TS file of 100 H.264 pictures in GOPs of 50
// that starts at a quarter of its bytes, inside its first GOP, as `dd
// skip=` cuts it: the stream a reader sees when it joins a camera's
// MPEG-TS part-way.
func joinedMidGOP(t *testing.T) string {
	t.Helper()
	whole := testclip.Make(t, "whole.ts", 100, 25, "-c:v", "libx264", "-g", "50", "-pix_fmt", "yuv420p")
	data, err := os.ReadFile(whole)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "joined.ts")
	if err := os.WriteFile(cut, data[len(data)/4+1:], 0o644); err != nil {
		t.Fatal(err)
	}
	return cut
}

// A stream joined inside a GOP decodes from its first keyframe: the packets
// before it are counted as waited for, not as damage, and the second GOP
// comes out whole.
func TestReaderJoinedMidGOPStartsAtTheFirstKeyframeWithoutDamage(t *testing.T) {
	path := joinedMidGOP(t)
	r := mustReader(t, path)
	frames := readAllFrames(t, r)
	st := r.Stats()
	if len(frames) != 50 || st.Damage() != 0 || st.BeforeKeyframe == 0 {
		t.Fatalf("%d pictures, stats %+v; want the 50 of the second GOP, no damage, the packets before it counted BeforeKeyframe", len(frames), st)
	}
	p := mustReader(t, path, WithPassthrough())
	for {
		if _, err := p.ReadPacket(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if p.Stats().BeforeKeyframe != st.BeforeKeyframe {
		t.Errorf("decoding waited %d packets for the first keyframe, passthrough %d", st.BeforeKeyframe, p.Stats().BeforeKeyframe)
	}
}

// Damage after the first keyframe of a joined stream is still damage.
func TestReaderJoinedMidGOPStillCountsDamageAfterTheFirstKeyframe(t *testing.T) {
	path := joinedMidGOP(t)
	testclip.Damage(t, path, 0.8, 2000)
	r := mustReader(t, path)
	frames := readAllFrames(t, r)
	if st := r.Stats(); st.Damage() == 0 || st.BeforeKeyframe == 0 || len(frames) == 0 || len(frames) >= 50 {
		t.Fatalf("%d pictures, stats %+v; want pictures of the second GOP up to the damage, the damage counted", len(frames), st)
	}
}

// A live MPEG-TS stream over UDP that was sending before the reader opened
// it decodes from its first keyframe without damage.
func TestReaderJoiningALiveUDPStreamFindsNoDamage(t *testing.T) {
	clip := testclip.Make(t, "camera.ts", 100, 25, "-c:v", "libx264", "-g", "25", "-pix_fmt", "yuv420p")
	url := testclip.SendUDP(t, clip)
	r := mustReader(t, url)
	for i := 0; i < 40; i++ {
		if _, err := r.ReadFrame(); err != nil {
			t.Fatalf("picture %d: %v (stats: %s)", i, err, r.Stats())
		}
	}
	if st := r.Stats(); st.Damage() != 0 {
		t.Fatalf("stats %+v; a stream joined part-way is not damaged", st)
	}
	t.Logf("joined part-way: %s", r.Stats())
}

// A live stream read until the stop of WithStop closes ends without
// damage: the packet the interrupt cut short is not the input's damage.
// Each of three stops interrupts a read at a different point.
func TestReaderStoppedPartWayThroughALiveStreamFindsNoDamage(t *testing.T) {
	clip := testclip.Make(t, "camera.ts", 100, 25, "-c:v", "libx264", "-g", "25", "-pix_fmt", "yuv420p")
	url := testclip.SendUDP(t, clip)
	for i := 0; i < 3; i++ {
		stop := make(chan struct{})
		r, err := OpenReader(url, WithStop(stop))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for n := 0; n < 5+7*i; n++ {
			if _, err := r.ReadFrame(); err != nil {
				t.Fatalf("picture %d: %v", n, err)
			}
		}
		close(stop)
		for {
			if _, err := r.ReadFrame(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("after the stop: %v, want io.EOF", err)
			}
		}
		if st := r.Stats(); st.Damage() != 0 {
			t.Fatalf("stop %d: stats %+v; want no damage", i, st)
		}
		r.Close()
	}
}
