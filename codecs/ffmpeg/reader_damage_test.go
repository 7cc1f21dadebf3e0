package ffmpeg

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/media/testsrc"
)

// cutShort keeps the first fraction of the file at path, as a copy that
// stopped there or a recording cut by a power loss.
func cutShort(t *testing.T, path string, fraction float64) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data[:int(float64(len(data))*fraction)], 0o644); err != nil {
		t.Fatal(err)
	}
}

// decodedPassedThrough counts the pictures of path passed through and
// decoded by Decoder, the packets it refuses skipped.
func decodedPassedThrough(t *testing.T, path string) int {
	t.Helper()
	d := mustDecoder(t)
	n := 0
	for _, p := range readPackets(t, path) {
		frames, err := d.Decode(p)
		if err != nil && !errors.Is(err, codecs.ErrCorrupt) && !errors.Is(err, codecs.ErrNeedKeyframe) {
			t.Fatalf("decode seq %d: %v", p.Seq, err)
		}
		n += len(frames)
	}
	frames, _ := d.Flush()
	return n + len(frames)
}

// A file cut short inside a picture, as a recording stopped by a power
// loss, ends its stream with the pictures before the cut, as many as
// ffprobe decodes, the last packet counted as damage: not an error.
func TestReaderReadsAFileCutShort(t *testing.T) {
	for _, c := range []struct {
		name     string
		fraction float64
		args     []string
	}{
		{"frag.mp4", 0.6, []string{"-movflags", "frag_keyframe+empty_moov"}},
		{"cut.flv", 0.6, nil},
		{"first-gop.mp4", 0.3, []string{"-movflags", "frag_keyframe+empty_moov"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"-c:v", "libx264", "-g", "30", "-pix_fmt", "yuv420p"}, c.args...)
			if c.name == "first-gop.mp4" {
				args[3] = "90" // the cut comes inside the only GOP
			}
			clip := testclip.Make(t, c.name, 90, 30, args...)
			cutShort(t, clip, c.fraction)
			r := mustReader(t, clip)
			frames := readAllFrames(t, r)
			st := r.Stats()
			probed := testclip.FrameCount(t, clip)
			t.Logf("%d pictures (ffprobe %d), %s", len(frames), probed, st)
			if st.Damage() == 0 || len(frames) < probed-1 || len(frames) >= 90 {
				t.Fatalf("%d pictures, %s; ffprobe decodes %d", len(frames), st, probed)
			}
		})
	}
}

// Damage in the middle of a stream with B-frames leaves out the pictures
// from the damage to the next keyframe and no more: the GOP after it comes
// out whole though its keyframe was sent before the damage showed, the
// stream ends cleanly, and no fewer pictures come out than passthrough and
// Decoder give.
func TestReaderKeepsTheGOPAfterDamageWithBFrames(t *testing.T) {
	const n, gop = 90, 30
	clip := testclip.MakeNumbered(t, "bframes.mp4", n, "-c:v", "libx264", "-bf", "3", "-g", "30", "-keyint_min", "30",
		"-sc_threshold", "0", "-pix_fmt", "yuv420p")
	testclip.Damage(t, clip, 0.5, 3000)
	r := mustReader(t, clip)
	frames := readAllFrames(t, r)
	st := r.Stats()
	var shown []uint64
	for _, f := range frames {
		num, ok := testsrc.ReadFrameNumber(f)
		if !ok {
			t.Fatalf("picture %d: the frame number cannot be read", len(shown))
		}
		shown = append(shown, num)
	}
	var missing []uint64
	next := uint64(0)
	for _, num := range append(shown, n) {
		for ; next < num; next++ {
			missing = append(missing, next)
		}
		next = num + 1
	}
	passed := decodedPassedThrough(t, clip)
	t.Logf("%d pictures (passthrough and Decoder %d), %s; missing %v", len(frames), passed, st, missing)
	if st.Damage() == 0 || len(missing) == 0 {
		t.Fatalf("%d pictures, %s: the damage is not seen", len(frames), st)
	}
	// Missing are pictures of one GOP, from the damage on in decode order:
	// with B-frames not a run, as a picture shown earlier may be decoded
	// later.
	if first, last := missing[0], missing[len(missing)-1]; first/gop != last/gop {
		t.Fatalf("missing pictures %v: want them inside one GOP", missing)
	}
	if len(frames) < passed {
		t.Fatalf("%d pictures, fewer than passthrough and Decoder's %d", len(frames), passed)
	}
}

// Damage in the first keyframe leaves out its GOP; the next GOPs come out
// whole. In the testsrc2 clip FFmpeg conceals the damage, which a strict
// reader must still see.
func TestReaderRecoversFromDamageInTheFirstKeyframe(t *testing.T) {
	const n, gop = 90, 30
	for _, c := range []struct {
		name     string
		make     func(t *testing.T) string
		numbered bool
	}{
		{"numbered.mp4", func(t *testing.T) string {
			return testclip.MakeNumbered(t, "numbered.mp4", n, "-c:v", "libx264", "-bf", "3", "-g", "30", "-keyint_min", "30",
				"-sc_threshold", "0", "-pix_fmt", "yuv420p")
		}, true},
		{"testsrc2.mp4", func(t *testing.T) string {
			return testsrc2Clip(t, "testsrc2.mp4", n, "-c:v", "libx264", "-g", "30", "-pix_fmt", "yuv420p")
		}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			clip := c.make(t)
			damageFirstPacket(t, clip)
			r := mustReader(t, clip)
			frames := readAllFrames(t, r)
			st := r.Stats()
			if st.Damage() == 0 || len(frames) != n-gop {
				t.Fatalf("%d pictures, %s; want the first GOP's %d left out, the rest out", len(frames), st, gop)
			}
			for i, f := range frames {
				if num, ok := testsrc.ReadFrameNumber(f); c.numbered && (!ok || num != uint64(gop+i)) {
					t.Fatalf("picture %d shows frame %d (%v), want %d", i, num, ok, gop+i)
				}
			}
		})
	}
}

// damageFirstPacket overwrites bytes in the second half of the first
// packet of path's video stream, past x264's SEI, in the IDR's slice.
func damageFirstPacket(t *testing.T, path string) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	sizePos := strings.Split(testclip.Probe(t, path, "-show_packets", "-show_entries", "packet=pos,size")[0], ",")
	size, err1 := strconv.Atoi(sizePos[0])
	pos, err2 := strconv.Atoi(sizePos[1])
	if err1 != nil || err2 != nil {
		t.Fatalf("first packet %q", sizePos)
	}
	testclip.Damage(t, path, float64(pos+size/2)/float64(info.Size()), min(400, size/4))
}

// testsrc2Clip writes n frames of FFmpeg's testsrc2 pattern at 320x240, 30
// frames/s, with the output options args into a file named name in a
// temporary directory, and returns its path.
func testsrc2Clip(t *testing.T, name string, n int, args ...string) string {
	t.Helper()
	ff, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("the ffmpeg command is not installed (make deps installs it)")
	}
	path := filepath.Join(t.TempDir(), name)
	cmd := append([]string{"-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-frames:v", strconv.Itoa(n)}, args...)
	if out, err := exec.Command(ff, append(cmd, path)...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v: %s", cmd, err, out)
	}
	return path
}

// A Reader given decoder threads decodes a clip with B-frames to the same
// pictures, in order, as one thread does; a thread count out of range is
// refused.
func TestReaderThreadsDecodeTheSamePictures(t *testing.T) {
	clip := testclip.Make(t, "threads.mp4", 60, 30, "-c:v", "libx264", "-g", "30", "-bf", "2", "-pix_fmt", "yuv420p")
	one := readAllFrames(t, mustReader(t, clip))
	for _, n := range []int{0, 2} {
		got := readAllFrames(t, mustReader(t, clip, WithReaderThreads(n)))
		if len(got) != len(one) {
			t.Fatalf("%d threads: %d pictures, one thread %d", n, len(got), len(one))
		}
		for i := range got {
			if !bytes.Equal(got[i].Planes[0], one[i].Planes[0]) {
				t.Fatalf("%d threads: picture %d differs from one thread's", n, i)
			}
		}
	}
	if _, err := OpenReader(clip, WithReaderThreads(65)); !errors.Is(err, ErrBadOption) {
		t.Errorf("65 threads: %v, want ErrBadOption", err)
	}
}

// A damaged SPS is complained of by the parser and the probing decoder
// libavformat keeps inside the stream, contexts no gopline object owns:
// their lines go to the reader's own log (a node's), not to the process's,
// as the decoder's own lines do.
func TestTheLinesOfADamagedSPSGoToTheReadersLog(t *testing.T) {
	clip := testclip.Make(t, "sps.h264", 90, 30, "-c:v", "libx264", "-g", "30", "-bsf:v", "dump_extra")
	data, err := os.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	sps := []byte{0, 0, 0, 1, 0x67}
	first := bytes.Index(data, sps)
	for at := first + 1; ; {
		i := bytes.Index(data[at:], sps)
		if i < 0 {
			break
		}
		for k := 5; k < 12; k++ { // the SPS after its profile: garbage
			data[at+i+k] ^= 0xff
		}
		at += i + 1
	}
	if err := os.WriteFile(clip, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var process, mine testlog.Buffer
	SetLogger(zerolog.New(&process), zerolog.WarnLevel)
	t.Cleanup(testFFmpegLog)
	r := mustReader(t, clip, WithReaderLogger(zerolog.New(&mine)))
	frames := readAllFrames(t, r)
	t.Logf("%d pictures, %s", len(frames), r.Stats())
	if !strings.Contains(mine.String(), "POC type") || strings.Contains(process.String(), "POC type") {
		t.Fatalf("the reader's log:\n%s\nthe process's:\n%s", mine.String(), process.String())
	}
}
