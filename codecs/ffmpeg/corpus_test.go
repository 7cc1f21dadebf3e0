package ffmpeg

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs/jpeg"
	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
)

// The corpus of these tests is made by the ffmpeg command in each test
// (internal/testclip): small clips of the kinds that third-party files are
// (B-frames, packed B-frames, variable frame rate, MJPEG), never committed.

// decodeAll decodes pkts in order, then flushes, and returns the pictures.
func decodeAll(t *testing.T, d *Decoder, pkts []*media.Packet) []*media.Frame {
	t.Helper()
	var out []*media.Frame
	for _, p := range pkts {
		frames, err := d.Decode(p)
		if err != nil {
			t.Fatalf("decode seq %d: %v", p.Seq, err)
		}
		out = append(out, frames...)
	}
	frames, err := d.Flush()
	if err != nil {
		t.Fatalf("flush: %v", err)
	}
	return append(out, frames...)
}

func readPackets(t *testing.T, path string) []*media.Packet {
	t.Helper()
	r := mustReader(t, path, WithPassthrough())
	var pkts []*media.Packet
	for {
		p, err := r.ReadPacket()
		if err == io.EOF {
			return pkts
		}
		if err != nil {
			t.Fatalf("packet %d: %v", len(pkts), err)
		}
		pkts = append(pkts, p)
	}
}

// A stream with B-frames, passed through and decoded, gives every picture
// ffprobe finds, in presentation order: the decoder's Flush gives out the
// pictures it held back at the end.
func TestPassthroughBFramesDecodeEveryPicture(t *testing.T) {
	for _, name := range []string{"bframes.mp4", "bframes.mkv"} {
		t.Run(name, func(t *testing.T) {
			clip := testclip.Make(t, name, 50, 25, "-c:v", "libx264", "-bf", "3", "-g", "24", "-pix_fmt", "yuv420p")
			pkts := readPackets(t, clip)
			frames := decodeAll(t, mustDecoder(t), pkts)
			if want := testclip.FrameCount(t, clip); len(frames) != want || len(pkts) != want {
				t.Fatalf("%d packets, %d pictures; ffprobe decodes %d", len(pkts), len(frames), want)
			}
			for i := 1; i < len(frames); i++ {
				if !frames[i].CaptureTime.After(frames[i-1].CaptureTime) {
					t.Fatalf("picture %d at %v, not after picture %d at %v", i, frames[i].CaptureTime, i-1, frames[i-1].CaptureTime)
				}
			}
		})
	}
}

// A new Epoch drains the pictures of the old stream before its keyframe, so
// that a restarted stream loses none.
func TestNewEpochDrainsTheOldStream(t *testing.T) {
	clip := testclip.Make(t, "bframes.mp4", 30, 25, "-c:v", "libx264", "-bf", "2", "-g", "30", "-pix_fmt", "yuv420p")
	pkts := readPackets(t, clip)
	d := mustDecoder(t)
	var n int
	for _, p := range pkts {
		frames, err := d.Decode(p)
		if err != nil {
			t.Fatal(err)
		}
		n += len(frames)
	}
	restarted := *pkts[0]
	restarted.Epoch++
	frames, err := d.Decode(&restarted)
	if err != nil {
		t.Fatal(err)
	}
	if n+len(frames) < len(pkts) {
		t.Fatalf("%d pictures of %d before the new epoch's first", n+len(frames), len(pkts))
	}
	rest, err := d.Flush()
	if err != nil {
		t.Fatal(err)
	}
	if total := n + len(frames) + len(rest); total != len(pkts)+1 {
		t.Fatalf("%d pictures of %d packets", total, len(pkts)+1)
	}
}

func near(a, b time.Duration) bool { return (a - b).Abs() <= time.Millisecond }

var timedClips = []struct {
	name string
	args []string
	// exact: ffprobe's best-effort times are the pictures' times. Packed
	// or unpacked B-frames in AVI have no presentation times to compare.
	exact bool
}{
	{"bframes.mp4", []string{"-c:v", "libx264", "-bf", "3", "-g", "24", "-pix_fmt", "yuv420p"}, true},
	{"bframes.mkv", []string{"-c:v", "libx264", "-bf", "3", "-g", "24", "-pix_fmt", "yuv420p"}, true},
	{"bframes.avi", []string{"-c:v", "mpeg4", "-bf", "2", "-g", "24"}, false},
	{"vfr.mp4", []string{"-vf", "select='lt(n\\,10)+not(mod(n\\,4))'", "-fps_mode", "vfr", "-c:v", "libx264", "-bf", "2", "-pix_fmt", "yuv420p"}, true},
}

// Decoded pictures of B-frame, AVI and variable frame rate files come in
// presentation order at their own times: what ffprobe finds, on a timeline
// that starts when the file was opened, whatever the wall clock does.
func TestReaderTimesPicturesOnTheStreamsTimeline(t *testing.T) {
	for _, clip := range timedClips {
		t.Run(clip.name, func(t *testing.T) {
			path := testclip.Make(t, clip.name, 48, 25, clip.args...)
			start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
			r := mustReader(t, path, WithClock(func() time.Time { start = start.Add(time.Hour); return start }))
			var got []time.Time
			for {
				f, err := r.ReadFrame()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, f.CaptureTime)
			}
			want := testclip.Times(t, path, "frame", "best_effort_timestamp_time")
			if len(got) != len(want) || len(got) == 0 {
				t.Fatalf("%d pictures, ffprobe finds %d", len(got), len(want))
			}
			for i := range got {
				if i > 0 && !got[i].After(got[i-1]) {
					t.Fatalf("picture %d at %v, not after %v", i, got[i], got[i-1])
				}
				if off := got[i].Sub(got[0]); clip.exact && !near(off, want[i]-want[0]) {
					t.Fatalf("picture %d at +%v, ffprobe says +%v", i, off, want[i]-want[0])
				}
			}
			if got[0] != start {
				t.Fatalf("first picture at %v, want the time of opening %v", got[0], start)
			}
		})
	}
}

// Packets passed through keep decode order and carry both times: their
// presentation and decode times are those of ffprobe's packets.
func TestReaderPassthroughCarriesDecodeAndPresentationTimes(t *testing.T) {
	for _, name := range []string{"bframes.mp4", "bframes.mkv"} {
		t.Run(name, func(t *testing.T) {
			path := testclip.Make(t, name, 40, 25, "-c:v", "libx264", "-bf", "3", "-g", "20", "-pix_fmt", "yuv420p")
			pkts := readPackets(t, path)
			pts := testclip.Times(t, path, "packet", "pts_time")
			if len(pkts) != len(pts) {
				t.Fatalf("%d packets, ffprobe finds %d", len(pkts), len(pts))
			}
			var reordered bool
			for i, p := range pkts {
				if off := p.CaptureTime.Sub(pkts[0].CaptureTime); !near(off, pts[i]-pts[0]) {
					t.Fatalf("packet %d presented at +%v, ffprobe says +%v", i, off, pts[i]-pts[0])
				}
				if i > 0 && !p.DecodeTime().After(pkts[i-1].DecodeTime()) {
					t.Fatalf("packet %d decoded at %v, not after %v", i, p.DecodeTime(), pkts[i-1].DecodeTime())
				}
				if p.DecodeTime().After(p.CaptureTime) {
					t.Fatalf("packet %d decoded after it is presented", i)
				}
				reordered = reordered || p.CompositionOffset > 0
			}
			if !reordered {
				t.Fatal("no packet of a B-frame stream has a composition offset")
			}
			if name == "bframes.mp4" {
				dts := testclip.Times(t, path, "packet", "dts_time")
				for i, p := range pkts {
					if off := p.DecodeTime().Sub(pkts[0].CaptureTime); !near(off, dts[i]-pts[0]) {
						t.Fatalf("packet %d decoded at +%v, ffprobe says +%v", i, off, dts[i]-pts[0])
					}
				}
			}
		})
	}
}

// A raw H.264 stream has no container to time it: its SPS's VUI timing
// does, and WithAssumedFrameRate is only for streams without it.
func TestRawAnnexBTakesItsRateFromTheVUI(t *testing.T) {
	path := testclip.Make(t, "clip.h264", 12, 30, "-c:v", "libx264", "-bf", "2", "-pix_fmt", "yuv420p")
	for _, passthrough := range []bool{false, true} {
		opts := []ReaderOption{WithAssumedFrameRate(10)}
		if passthrough {
			opts = append(opts, WithPassthrough())
		}
		r := mustReader(t, path, opts...)
		if rate := r.Info().FrameRate; rate != 30 {
			t.Fatalf("frame rate %v, want the VUI's 30", rate)
		}
		var times []time.Time
		for {
			var at time.Time
			if passthrough {
				p, err := r.ReadPacket()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				at = p.DecodeTime()
			} else {
				f, err := r.ReadFrame()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				at = f.CaptureTime
			}
			times = append(times, at)
		}
		if len(times) != 12 {
			t.Fatalf("passthrough %v: %d pictures, want 12", passthrough, len(times))
		}
		for i := 1; i < len(times); i++ {
			if d := times[i].Sub(times[i-1]); !near(d, time.Second/30) {
				t.Fatalf("passthrough %v: picture %d %v after the one before, want 1/30 s", passthrough, i, d)
			}
		}
	}
}

// An MJPEG stream passes through as JPEG packets, each a keyframe that
// gopline's JPEG decoder reads; other codecs stay a clear error.
func TestPassthroughOfMJPEGGivesJPEGPackets(t *testing.T) {
	clip := testclip.Make(t, "mjpeg.avi", 10, 25, "-c:v", "mjpeg", "-q:v", "5", "-pix_fmt", "yuvj420p")
	pkts := readPackets(t, clip)
	if len(pkts) != 10 {
		t.Fatalf("%d packets, want 10", len(pkts))
	}
	for i, p := range pkts {
		if err := p.Validate(); err != nil || p.Codec != media.JPEG || p.Width != 160 || p.Height != 120 {
			t.Fatalf("packet %d: %v %dx%d: %v", i, p.Codec, p.Width, p.Height, err)
		}
		if i > 0 && p.CaptureTime.Sub(pkts[i-1].CaptureTime) != 40*time.Millisecond {
			t.Fatalf("packet %d %v after the one before", i, p.CaptureTime.Sub(pkts[i-1].CaptureTime))
		}
		f, err := jpeg.NewDecoder()
		if err != nil {
			t.Fatal(err)
		}
		frames, err := f.Decode(p)
		if err != nil || len(frames) != 1 {
			t.Fatalf("packet %d: %d pictures: %v", i, len(frames), err)
		}
	}
	mpeg4 := testclip.Make(t, "clip.avi", 3, 25, "-c:v", "mpeg4")
	if _, err := OpenReader(mpeg4, WithPassthrough()); !errors.Is(err, ErrNotH264) || !strings.Contains(err.Error(), "mpeg4") {
		t.Fatalf("passthrough of MPEG-4 Part 2: %v", err)
	}
}

// readAllFrames reads every picture of a decoding reader.
func readAllFrames(t *testing.T, r *Reader) []*media.Frame {
	t.Helper()
	var out []*media.Frame
	for {
		f, err := r.ReadFrame()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("frame %d: %v", len(out), err)
		}
		out = append(out, f)
	}
}

// A raw H.264 stream damaged in its middle, with no keyframe after the
// damage: the strict reader gives the pictures before it, none marked
// Concealed, and counts what it left out as damage; a concealing reader
// gives more pictures, the concealed ones marked and counted.
func TestReaderCountsDamage(t *testing.T) {
	clip := testclip.Make(t, "damaged.h264", 40, 25, "-c:v", "libx264", "-g", "1000", "-pix_fmt", "yuv420p")
	testclip.Damage(t, clip, 0.4, 64)
	strict := mustReader(t, clip)
	frames := readAllFrames(t, strict)
	st := strict.Stats()
	if st.Damage() == 0 || len(frames) == 0 || len(frames) >= 40 {
		t.Fatalf("strict: %d pictures, %s; want some pictures and the damage counted", len(frames), st)
	}
	for _, f := range frames {
		if f.Concealed {
			t.Fatalf("strict: picture %d marked Concealed", f.Seq)
		}
	}
	if st.Reasons()["damaged"]+st.Reasons()["undecodable"] != st.Damage() {
		t.Errorf("reasons %v do not add up to the damage %d", st.Reasons(), st.Damage())
	}
	t.Logf("strict: %d pictures, %s", len(frames), st)
	soft := mustReader(t, clip, WithDamageConcealed())
	concealed := readAllFrames(t, soft)
	marked := 0
	for _, f := range concealed {
		if f.Concealed {
			marked++
		}
	}
	if sst := soft.Stats(); marked == 0 || marked != sst.Concealed || sst.Damaged != 0 || len(concealed) <= len(frames) {
		t.Errorf("concealing: %d pictures, %d marked, %s; strict gave %d", len(concealed), marked, sst, len(frames))
	}
}

// A concealing reader marks Concealed, and counts, every picture from
// the one FFmpeg concealed to the next keyframe: those after it are
// predicted from its smear, though FFmpeg flags it alone. The keyframe's
// GOP is clean.
func TestConcealingReaderMarksThePicturesBuiltOnAConcealedOne(t *testing.T) {
	clip := testclip.Make(t, "damaged-gop10-p.h264", 40, 25, "-c:v", "libx264", "-bf", "0", "-g", "10", "-keyint_min", "10", "-sc_threshold", "0", "-pix_fmt", "yuv420p")
	testclip.Damage(t, clip, 0.45, 64)
	r := mustReader(t, clip, WithDamageConcealed())
	frames := readAllFrames(t, r)
	if len(frames) != 40 {
		t.Fatalf("%d pictures, want 40", len(frames))
	}
	first := slices.IndexFunc(frames, func(f *media.Frame) bool { return f.Concealed })
	if first < 0 {
		t.Fatalf("no picture marked Concealed; stats %s", r.Stats())
	}
	next := (first/10 + 1) * 10 // the next keyframe
	for i, f := range frames {
		if want := i >= first && i < next; f.Concealed != want {
			t.Errorf("picture %d: Concealed %v, want %v (the first concealed is %d, the next keyframe %d)", i, f.Concealed, want, first, next)
		}
	}
	if st := r.Stats(); st.Concealed != next-first {
		t.Errorf("stats %s; want %d concealed", st, next-first)
	}
}

// After damage the strict reader resumes at the next keyframe: of a clip
// with a keyframe every 10 pictures (and B-frames, whose reordering may
// hold a picture of the next GOP behind the damage) fewer than two GOPs'
// are left out, and every other picture comes out.
func TestStrictReaderResumesAtTheNextKeyframe(t *testing.T) {
	clip := testclip.Make(t, "damaged-gop10.h264", 40, 25, "-c:v", "libx264", "-g", "10", "-keyint_min", "10", "-sc_threshold", "0", "-pix_fmt", "yuv420p")
	testclip.Damage(t, clip, 0.55, 64)
	r := mustReader(t, clip)
	frames := readAllFrames(t, r)
	st := r.Stats()
	if st.Damage() == 0 || st.Damage() > 20 || len(frames)+st.Damage() != 40 {
		t.Fatalf("%d pictures, %s; want the damage counted, under two GOPs of it, the rest out", len(frames), st)
	}
}
