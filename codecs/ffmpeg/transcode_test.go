package ffmpeg

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
)

var transcodeStart = time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)

// shownAt is when the picture shown k-th was captured.
func shownAt(k int) time.Time { return transcodeStart.Add(time.Duration(k) * time.Second / 30) }

// transcodeAll transcodes pictures (numbered from first), each captured at
// shownAt its place in presentation order, and returns what came out, the
// flush's too, and the errors of the pictures by number.
func transcodeAll(t *testing.T, tr *Transcoder, pictures [][]byte, shown []int, first int) (out []*media.Packet, errs map[int]error) {
	t.Helper()
	errs = map[int]error{}
	for i, p := range pictures {
		n := first + i
		got, err := tr.Transcode(p, shownAt(shown[n]))
		if err != nil {
			errs[n] = err
		}
		out = append(out, got...)
	}
	rest, err := tr.Flush()
	if err != nil {
		t.Fatal(err)
	}
	return append(out, rest...), errs
}

// A robot's H.265 (with libx265's B-frames), VP9 and AV1 pictures become
// H.264 ones, one for each, in presentation order, each with its own
// capture time and number, keyframes where the stream has them, and they
// show the pictures the stream holds.
func TestTranscoderTurnsOtherCodecsIntoH264(t *testing.T) {
	for _, codec := range []string{"hevc", "vp9", "av1"} {
		t.Run(codec, func(t *testing.T) {
			const n, gop = 45, 15
			pictures, shown := testclip.CodedPictures(t, codec, n, gop)
			tr, err := NewTranscoder(codec)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			out, errs := transcodeAll(t, tr, pictures, shown, 0)
			if len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			if len(out) != n {
				t.Fatalf("%d H.264 pictures, want %d", len(out), n)
			}
			var numbers []int
			var keys []int
			for i, p := range out {
				if p.Codec != media.H264 || p.Width != 160 || p.Height != 120 {
					t.Fatalf("picture %d: %v %dx%d", i, p.Codec, p.Width, p.Height)
				}
				numbers = append(numbers, int(p.Seq))
				if p.Key {
					keys = append(keys, i)
				}
				if shown[p.Seq] != i || !p.CaptureTime.Equal(shownAt(i)) {
					t.Errorf("picture %d is number %d, shown %d-th, captured at %v; want the one shown %d-th, at %v",
						i, p.Seq, shown[p.Seq], p.CaptureTime, i, shownAt(i))
				}
			}
			slices.Sort(numbers)
			for i, k := range numbers {
				if k != i {
					t.Fatalf("numbers %v, want each of 0 to %d once", numbers, n-1)
				}
			}
			if !slices.Equal(keys, []int{0, gop, 2 * gop}) {
				t.Errorf("keyframes at %v, want the stream's, %v", keys, []int{0, gop, 2 * gop})
			}
			comparePictures(t, out, referencePictures(t, codec, pictures))
		})
	}
}

// referencePictures decodes the clip's pictures with FFmpeg's reader, in
// presentation order.
func referencePictures(t *testing.T, codec string, pictures [][]byte) []*media.Frame {
	t.Helper()
	path := filepath.Join(t.TempDir(), "clip."+codec)
	var data []byte
	for _, p := range pictures {
		data = append(data, p...)
	}
	if codec != "hevc" {
		path = filepath.Join(t.TempDir(), "clip.ivf")
		data = ivf(codec, pictures)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var frames []*media.Frame
	for {
		f, err := r.ReadFrame()
		if errors.Is(err, io.EOF) {
			return frames
		}
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f)
	}
}

// ivf writes pictures into an IVF file.
func ivf(codec string, pictures [][]byte) []byte {
	fourcc := map[string]string{"vp9": "VP90", "av1": "AV01"}[codec]
	h := []byte("DKIF\x00\x00\x20\x00" + fourcc + "\xa0\x00\x78\x00\x1e\x00\x00\x00\x01\x00\x00\x00")
	h = append(h, make([]byte, 32-len(h))...)
	for i, p := range pictures {
		h = append(h, byte(len(p)), byte(len(p)>>8), byte(len(p)>>16), byte(len(p)>>24), byte(i), 0, 0, 0, 0, 0, 0, 0)
		h = append(h, p...)
	}
	return h
}

// comparePictures decodes the H.264 pictures and checks each against the
// reference picture of its place, within what a second encode loses.
func comparePictures(t *testing.T, out []*media.Packet, want []*media.Frame) {
	t.Helper()
	if len(want) != len(out) {
		t.Fatalf("%d reference pictures for %d H.264 ones", len(want), len(out))
	}
	dec, err := NewH264Decoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	epoch := media.NewEpoch()
	for i, p := range out {
		q := *p
		q.Seq, q.Epoch = uint64(i), epoch
		frames, err := dec.Decode(&q)
		if err != nil || len(frames) != 1 {
			t.Fatalf("H.264 picture %d: %d pictures, %v", i, len(frames), err)
		}
		if psnr := lumaPSNR(t, frames[0], want[i]); psnr < 30 {
			t.Errorf("picture %d: luma PSNR %.1f dB against the stream's own, want 30 or more", i, psnr)
		}
		if i > 0 {
			if psnr := lumaPSNR(t, frames[0], want[i-1]); psnr > 40 {
				t.Errorf("picture %d is as close to the picture before (%.1f dB): out of order?", i, psnr)
			}
		}
		frames[0].Release()
	}
}

// Joined mid-stream, the pictures before the first keyframe are left out;
// a damaged picture is said, and the pictures after it up to the next
// keyframe are left out, not shown smeared; the stream goes on from there.
func TestTranscoderLeavesOutWhatCannotBeShown(t *testing.T) {
	const n, gop = 45, 15
	pictures, shown := testclip.CodedPictures(t, "vp9", n, gop)
	tr, err := NewTranscoder("vp9")
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	damaged := slices.Clone(pictures)
	damaged[20] = damaged[20][:8] // a message cut short
	out, errs := transcodeAll(t, tr, damaged[5:], shown, 5)
	for n, err := range errs {
		switch {
		case n == 20 && errors.Is(err, codecs.ErrCorrupt):
		case (n < 15 || n > 20 && n < 30) && errors.Is(err, codecs.ErrNeedKeyframe):
			// Before the first keyframe, and after the damaged one up to
			// the next: they need the pictures before them.
		default:
			t.Errorf("picture %d: %v", n, err)
		}
	}
	if errs[20] == nil {
		t.Error("the damaged picture gave no error")
	}
	var numbers []int
	for _, p := range out {
		numbers = append(numbers, 5+int(p.Seq)) // the Transcoder's numbers start at the fifth
	}
	want := []int{15, 16, 17, 18, 19}
	for i := 30; i < n; i++ {
		want = append(want, i)
	}
	if !slices.Equal(numbers, want) {
		t.Errorf("pictures %v came out, want %v", numbers, want)
	}
	if !out[0].Key || !out[5].Key {
		t.Error("the pictures after a wait do not start with a keyframe")
	}
}

func TestTranscoderOfAnUnknownCodec(t *testing.T) {
	if _, err := NewTranscoder("h266"); !errors.Is(err, ErrCodecNotFound) {
		t.Fatalf("err = %v, want ErrCodecNotFound", err)
	}
	if _, err := NewTranscoder("hevc", WithPreset("fastest")); !errors.Is(err, ErrBadOption) {
		t.Fatalf("err = %v, want ErrBadOption", err)
	}
}

// An H.265 stream joined mid-GOP starts at its next keyframe, even when
// every picture repeats the parameter sets (so that each one decodes, its
// references missing): nothing before the keyframe is shown.
func TestTranscoderJoinsH265AtAKeyframe(t *testing.T) {
	const n, gop = 45, 15
	pictures, shown := testclip.CodedPictures(t, "hevc", n, gop)
	params := h265ParameterSets(pictures[0])
	for i, p := range pictures {
		pictures[i] = append(slices.Clone(params), p...)
	}
	tr, err := NewTranscoder("hevc")
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	out, _ := transcodeAll(t, tr, pictures[5:], shown, 5)
	if len(out) == 0 || shown[5+out[0].Seq] != gop || !out[0].Key {
		t.Fatalf("the first picture out is not the keyframe shown %d-th", gop)
	}
	for i, p := range out {
		if want := gop + i; shown[5+p.Seq] != want {
			t.Fatalf("picture %d out is the one shown %d-th, want %d-th", i, shown[5+p.Seq], want)
		}
	}
	if len(out) != n-gop {
		t.Errorf("%d pictures out, want %d", len(out), n-gop)
	}
}

// h265ParameterSets returns the VPS, SPS and PPS of an access unit in
// Annex B.
func h265ParameterSets(au []byte) []byte {
	var out []byte
	for _, nal := range bytes.Split(au, []byte{0, 0, 1}) {
		if len(nal) > 0 && nal[0]>>1&0x3f >= 32 && nal[0]>>1&0x3f <= 34 {
			out = append(append(out, 0, 0, 0, 1), bytes.TrimRight(nal, "\x00")...)
		}
	}
	return out
}

// FuzzTranscoder hands a Transcoder hostile pictures: the first byte picks
// the codec, then each picture is its length (two bytes) and its bytes.
// It must never panic or hand out a picture of another codec or size.
func FuzzTranscoder(f *testing.F) {
	codecs := []string{"hevc", "vp9", "av1"}
	for i, codec := range codecs {
		pictures, _ := testclip.CodedPictures(f, codec, 4, 2)
		seed := []byte{byte(i)}
		for _, p := range pictures {
			seed = append(append(seed, byte(len(p)>>8), byte(len(p))), p...)
		}
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		tr, err := NewTranscoder(codecs[int(data[0])%len(codecs)])
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		check := func(out []*media.Packet) {
			for _, p := range out {
				if p.Codec != media.H264 || p.Width <= 0 || p.Height <= 0 || p.Width%2 != 0 || p.Height%2 != 0 {
					t.Fatalf("picture %+v", p)
				}
			}
		}
		for rest := data[1:]; len(rest) >= 2; {
			n := min(int(rest[0])<<8|int(rest[1]), len(rest)-2)
			out, _ := tr.Transcode(rest[2:2+n], transcodeStart)
			check(out)
			rest = rest[2+n:]
		}
		out, _ := tr.Flush()
		check(out)
	})
}

// A robot's H.265 pictures of 64:45 pixels flagged BT.709 become an H.264
// stream that says so from its first keyframe: the aspect and colours
// reach the stream as ffmpeg's libx264 carries them from the decoder.
func TestTranscoderKeepsTheAspectAndColours(t *testing.T) {
	pictures, shown := testclip.CodedPictures(t, "hevc", 4, 4, "-vf", "setsar=64/45",
		"-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709")
	tr, err := NewTranscoder("hevc")
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	out, errs := transcodeAll(t, tr, pictures, shown, 0)
	if len(errs) > 0 || len(out) == 0 {
		t.Fatalf("%d packets, errors %v", len(out), errs)
	}
	a, c := vuiSays(spsOf(t, out[0]))
	if a != pal169 || c != bt709 {
		t.Errorf("the H.264 stream says %v, %v; want %v, %v", a, c, pal169, bt709)
	}
}
