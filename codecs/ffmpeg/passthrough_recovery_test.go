package ffmpeg

import (
	"math"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/gopline/gopline/media"
)

// encodeX264 encodes n pictures of testsrc2 at 25 fps with libx264 and the
// given x264 parameters into an MPEG-TS file, as a camera streams them, and
// returns its path. bsf, when set, is a bitstream filter run on the output.
func encodeX264(t *testing.T, n int, params, bsf string) string {
	t.Helper()
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil || testing.Short() {
		t.Skip("needs ffmpeg")
	}
	path := filepath.Join(t.TempDir(), "camera.ts")
	args := []string{"-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
		"-frames:v", strconv.Itoa(n), "-c:v", "libx264", "-x264-params", params}
	if bsf != "" {
		args = append(args, "-bsf:v", bsf)
	}
	if out, err := exec.Command(ffmpeg, append(args, "-f", "mpegts", path)...).CombinedOutput(); err != nil {
		t.Skipf("ffmpeg cannot encode with libx264: %v: %s", err, out)
	}
	return path
}

// noIDRCameras are streams whose random access points after the first are
// recovery points, not IDRs, and the Seqs passthrough must mark Key.
var noIDRCameras = []struct {
	name, params, bsf string
	keys              []uint64
}{
	{"intra refresh", "keyint=50:intra-refresh=1:bframes=0", "", []uint64{0, 50, 100}},
	{"open GOP", "keyint=50:open-gop=1", "", []uint64{0, 48, 98}},
	{"open GOP without its IDR", "keyint=50:open-gop=1", "filter_units=remove_types=5", []uint64{0, 50}},
}

// TestPassthroughStartsAGOPAtEachRecoveryPoint reads cameras that send
// recovery points instead of IDRs, and decodes each from its last
// keyframe, as a late joiner's replay does: the strict decoder reports no
// damage, numbers and times each picture as its packet, and its last
// picture is the one of a decoder that started at the stream's beginning.
func TestPassthroughStartsAGOPAtEachRecoveryPoint(t *testing.T) {
	for _, cam := range noIDRCameras {
		t.Run(cam.name, func(t *testing.T) {
			pkts, _ := passPackets(t, encodeX264(t, 150, cam.params, cam.bsf))
			var keys []uint64
			for _, p := range pkts {
				if p.Key {
					keys = append(keys, p.Seq)
				}
			}
			if !slicesEqual(keys, cam.keys) {
				t.Fatalf("keyframes at %v, want %v", keys, cam.keys)
			}
			whole := decodeFrom(t, pkts, pkts[0].Seq)
			last := pkts[keys[len(keys)-1]]
			joined := decodeFrom(t, pkts, last.Seq)
			if _, ok := joined[pkts[len(pkts)-1].CaptureTime.UnixNano()]; !ok {
				t.Error("no picture of the last packet")
			}
			for at, f := range joined {
				if f.Seq < last.Seq || f.CaptureTime.Before(last.CaptureTime) {
					t.Errorf("picture %d captured %v of a decoder that joined at %d, captured %v",
						f.Seq, f.CaptureTime, last.Seq, last.CaptureTime)
				}
				if psnr := lumaPSNR(t, f, whole[at]); !math.IsInf(psnr, 1) && psnr < 50 {
					t.Errorf("picture captured %v differs from the whole stream's: PSNR %.1f dB", f.CaptureTime, psnr)
				}
			}
		})
	}
}

// decodeFrom decodes pkts from Seq from on with a strict decoder and
// returns its pictures by capture time (in Unix nanoseconds).
func decodeFrom(t *testing.T, pkts []*media.Packet, from uint64) map[int64]*media.Frame {
	t.Helper()
	d := mustDecoder(t)
	pictures := map[int64]*media.Frame{}
	for _, p := range pkts[from:] {
		frames, err := d.Decode(p)
		if err != nil {
			t.Fatalf("decoding from %d: %v", from, err)
		}
		for _, f := range frames {
			pictures[f.CaptureTime.UnixNano()] = f
		}
	}
	frames, err := d.Flush()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		pictures[f.CaptureTime.UnixNano()] = f
	}
	return pictures
}

func slicesEqual(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A decoder that joins an open-GOP camera at any of its recovery points
// decodes the GOP without damage, though the pictures after it unref
// pictures from before it that the decoder never had (x264's B-pyramid):
// every picture from the recovery point on is the one a decoder from the
// start shows.
func TestDecoderJoinsAnOpenGOPAtEveryRecoveryPoint(t *testing.T) {
	pkts, _ := passPackets(t, encodeX264(t, 100, "keyint=25:open-gop=1:bframes=3:b-pyramid=normal", ""))
	whole := decodeFrom(t, pkts, pkts[0].Seq)
	joins := 0
	for _, key := range pkts[1:] {
		if !key.Key {
			continue
		}
		joins++
		joined := decodeFrom(t, pkts, key.Seq)
		for at, f := range joined {
			if psnr := lumaPSNR(t, f, whole[at]); !math.IsInf(psnr, 1) && psnr < 50 {
				t.Errorf("joined at %d: picture captured %v differs from the whole stream's: PSNR %.1f dB", key.Seq, f.CaptureTime, psnr)
			}
		}
		for _, p := range pkts[key.Seq:] {
			if _, ok := joined[p.CaptureTime.UnixNano()]; !ok && !p.CaptureTime.Before(key.CaptureTime) {
				t.Errorf("joined at %d: no picture of packet %d", key.Seq, p.Seq)
			}
		}
	}
	if joins < 3 {
		t.Fatalf("%d recovery points after the first IDR, want 3", joins)
	}
}
