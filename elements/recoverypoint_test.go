package elements

import (
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
)

// cameraClip encodes n pictures at 25 fps with libx264 and the given x264
// parameters into MPEG-TS, as a camera streams them, and returns its path.
func cameraClip(t *testing.T, n int, params string) string {
	t.Helper()
	bin, err := exec.LookPath("ffmpeg")
	if err != nil || testing.Short() {
		t.Skip("needs ffmpeg")
	}
	path := filepath.Join(t.TempDir(), "camera.ts")
	out, err := exec.Command(bin, "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x128:rate=25",
		"-frames:v", strconv.Itoa(n), "-c:v", "libx264", "-x264-params", params, "-f", "mpegts", path).CombinedOutput()
	if err != nil {
		t.Skipf("ffmpeg cannot encode with libx264: %v: %s", err, out)
	}
	return path
}

// cameraPackets encodes a cameraClip and reads it back as videosrc
// passthrough=true does.
func cameraPackets(t *testing.T, n int, params string) []*media.Packet {
	t.Helper()
	r, err := ffmpeg.OpenReader(cameraClip(t, n, params), ffmpeg.WithPassthrough())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var pkts []*media.Packet
	for {
		p, err := r.ReadPacket()
		if errors.Is(err, io.EOF) {
			return pkts
		}
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, p)
	}
}

// picturesByTime decodes pkts from the first with FFmpeg, to the end, and
// returns the pictures by capture time.
func picturesByTime(t *testing.T, pkts []*media.Packet) map[int64]*media.Frame {
	t.Helper()
	d, err := ffmpeg.NewH264Decoder()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	pictures := map[int64]*media.Frame{}
	for _, p := range pkts {
		frames, err := d.Decode(p)
		if err != nil {
			t.Fatal(err)
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

// A viewer that joins a durable topic fed by a camera that uses intra
// refresh or open GOPs (one IDR, then recovery points) is replayed the GOP
// from the latest recovery point, not the first 600 packets of a GOP that
// never ends: it shows the newest picture first (with B-frames, the newest
// one the packets so far can show: up to delay pictures older), as clean
// as a viewer that watched from the start sees it, then the live ones, each
// in turn.
func TestLateJoinerOfAnIntraRefreshCameraSeesTheNewestPicture(t *testing.T) {
	for _, c := range []struct {
		params string
		delay  int
	}{
		{"keyint=50:intra-refresh=1:bframes=0", 0},
		{"keyint=50:open-gop=1:bframes=0", 0},
		{"keyint=50:open-gop=1:bframes=3", 3},
	} {
		t.Run(c.params, func(t *testing.T) {
			pkts := cameraPackets(t, 700, c.params) // longer than a cache holds of one GOP
			whole := picturesByTime(t, pkts)
			system := pipeline.NewSystem(zerolog.Nop())
			t.Cleanup(system.Shutdown)
			bus := transport.NewBus(system)
			t.Cleanup(func() { bus.Close() })
			topic, err := bus.Topic("/cam")
			if err != nil {
				t.Fatal(err)
			}
			durable := qos.DurableVideo()
			system.Root.Send(topic, &transport.PublisherJoined{QoS: &durable})
			publish := func(pkts []*media.Packet, total int) {
				for _, p := range pkts {
					system.Root.Send(topic, &transport.Publish{Packet: p})
				}
				waitFor(t, "the topic to take the packets", func() bool {
					st, err := bus.Stats("/cam")
					return err == nil && st.Published == uint64(total)
				})
			}
			publish(pkts[:690], 690)
			viewer := (&lateJoinRig{t: t, system: system, bus: bus, topic: "/cam"})
			out := &frames{}
			p := viewer.join(out)
			waitFor(t, "the first picture", func() bool { return len(out.all()) >= 1 })
			publish(pkts[690:], 700)
			waitFor(t, "the live pictures", func() bool { return len(out.all()) >= 11-c.delay })
			if err := p.Stop(); err != nil {
				t.Fatal(err)
			}
			shown := shownInOrder(pkts)
			newest := slices.IndexFunc(shown, func(at time.Time) bool { return at.Equal(latestCapture(pkts[:690])) })
			got := out.all()
			first := slices.IndexFunc(shown, func(at time.Time) bool { return at.Equal(got[0].CaptureTime) })
			if first < 0 || first > newest || newest-first > c.delay {
				t.Fatalf("the first picture is picture %d in display order; the newest of the replay is %d", first, newest)
			}
			for i, f := range got {
				if want := shown[first+i]; !f.CaptureTime.Equal(want) {
					t.Fatalf("picture %d captured %v, want %v", i, f.CaptureTime, want)
				}
				from, ok := whole[f.CaptureTime.UnixNano()]
				if !ok {
					t.Fatalf("picture %d captured %v: a viewer from the start has no such picture", i, f.CaptureTime)
				}
				if psnr := lumaPSNR(t, f, from); !math.IsInf(psnr, 1) && psnr < 50 {
					t.Errorf("picture %d differs from a viewer's from the start: PSNR %.1f dB", i, psnr)
				}
			}
		})
	}
}

// shownInOrder returns the capture times of pkts' pictures in display order.
func shownInOrder(pkts []*media.Packet) []time.Time {
	var at []time.Time
	for _, p := range pkts {
		at = append(at, p.CaptureTime)
	}
	slices.SortFunc(at, time.Time.Compare)
	return at
}

// latestCapture returns the latest capture time of pkts.
func latestCapture(pkts []*media.Packet) time.Time {
	var at time.Time
	for _, p := range pkts {
		if p.CaptureTime.After(at) {
			at = p.CaptureTime
		}
	}
	return at
}

func lumaPSNR(t *testing.T, a, b *media.Frame) float64 {
	t.Helper()
	psnr, err := media.LumaPSNR(a, b)
	if err != nil {
		t.Fatal(err)
	}
	return psnr
}

// A recorder of a camera without IDRs splits its recording at recovery
// points: every file after the first starts at one, and each decodes from
// its first packet to its last without damage; together they hold every
// packet.
func TestRecorderOfACameraWithoutIDRsSplitsAtRecoveryPoints(t *testing.T) {
	for _, params := range []string{"keyint=25:intra-refresh=1:bframes=0", "keyint=25:open-gop=1:bframes=3"} {
		t.Run(params, func(t *testing.T) {
			clip := cameraClip(t, 100, params)
			base := filepath.Join(t.TempDir(), "cam.gopline")
			runToEnd(t, mustParse(t, "videosrc location="+clip+" passthrough=true ! record path="+base+" stream=/cam max-size-time=900ms", nil))
			total, files := 0, 0
			for ; ; files++ {
				path := SplitPath(base, files)
				if _, err := os.Stat(path); err != nil {
					break
				}
				got := recorded(t, path, "/cam")
				if len(got) == 0 {
					t.Fatalf("%s holds no packet", path)
				}
				if access := accessOf(t, got[0]); files > 0 && (!got[0].Key || access != h264.AccessRecoveryPoint) {
					t.Fatalf("%s starts at Seq %d, Key %v, %v; want a recovery point", path, got[0].Seq, got[0].Key, access)
				}
				decodeAll(t, path, got)
				total += len(got)
			}
			if files < 3 || total != 100 {
				t.Fatalf("%d files holding %d packets; want 3 or more holding the 100", files, total)
			}
		})
	}
}

func accessOf(t *testing.T, p *media.Packet) h264.Access {
	t.Helper()
	nalus, err := h264.SplitAnnexB(p.Data)
	if err != nil {
		t.Fatal(err)
	}
	return h264.AccessOf(nalus)
}

// decodeAll decodes pkts, a file's, with a strict decoder: none may fail.
func decodeAll(t *testing.T, file string, pkts []*media.Packet) {
	t.Helper()
	d, err := ffmpeg.NewH264Decoder()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, p := range pkts {
		if _, err := d.Decode(p); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	if _, err := d.Flush(); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}
