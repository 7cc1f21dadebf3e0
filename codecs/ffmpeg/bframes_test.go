package ffmpeg

import (
	"slices"
	"strconv"
	"testing"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
)

// numberedBFrameClip encodes frames 0..n-1 of gopline's test pattern, each
// carrying its frame number, with libx264 and two B-frames, a keyframe
// every gop frames, into a raw H.264 file, and returns its path.
func numberedBFrameClip(t *testing.T, n, gop int) string {
	t.Helper()
	g := strconv.Itoa(gop)
	path := testclip.MakeNumbered(t, "bframes.h264", n, "-c:v", "libx264", "-bf", "2", "-b_strategy", "0",
		"-g", g, "-keyint_min", g, "-sc_threshold", "0", "-pix_fmt", "yuv420p")
	if types := testclip.Probe(t, path, "-show_frames", "-show_entries", "frame=pict_type"); !slices.Contains(types, "B") {
		t.Fatalf("no B-frame in the clip: %v", types)
	}
	return path
}

// checkNumbers checks that the pictures are numbered from first up, +1 per
// picture, each showing the frame its number says, less offset.
func checkNumbers(t *testing.T, frames []*media.Frame, first, offset uint64) {
	t.Helper()
	for i, f := range frames {
		shown, ok := testsrc.ReadFrameNumber(f)
		if !ok {
			t.Fatalf("picture %d: the frame number cannot be read", i)
		}
		if f.Seq != first+uint64(i) || shown != f.Seq-offset {
			t.Fatalf("picture %d out has Seq %d and shows frame %d; want Seq %d showing frame %d",
				i, f.Seq, shown, first+uint64(i), first+uint64(i)-offset)
		}
	}
}

// The decoder numbers a B-frame stream's pictures in presentation order,
// as they come out and as they were shot, not by their packets' decode
// order: a snapshot named by Seq shows the frame its name says.
func TestDecoderNumbersBFramePicturesInPresentationOrder(t *testing.T) {
	const n, gop = 36, 12
	pkts := readPackets(t, numberedBFrameClip(t, n, gop))
	if len(pkts) != n {
		t.Fatalf("%d packets, want %d", len(pkts), n)
	}
	frames := decodeAll(t, mustDecoder(t), pkts)
	if len(frames) != n {
		t.Fatalf("%d pictures, want %d", len(frames), n)
	}
	checkNumbers(t, frames, 0, 0)
}

// A viewer that joins a B-frame stream at a keyframe gets that keyframe's
// Seq for its first picture, and the source's numbers after it.
func TestDecoderKeepsTheSourcesNumbersForALateJoiner(t *testing.T) {
	const n, gop, join = 36, 12, 1200
	pkts := readPackets(t, numberedBFrameClip(t, n, gop))
	if len(pkts) != n || !pkts[gop].Key {
		t.Fatalf("%d packets, packet %d not a keyframe", len(pkts), gop)
	}
	var late []*media.Packet
	for _, p := range pkts[gop:] {
		q := *p
		q.Seq, q.GOP = p.Seq+join-gop, p.GOP+join-gop
		late = append(late, &q)
	}
	d := mustDecoder(t)
	for _, p := range late[:gop] {
		// The older pictures of a replayed GOP, discarded, still count.
		if err := d.DecodeDiscard(p); err != nil {
			t.Fatal(err)
		}
	}
	frames := decodeAll(t, d, late[gop:])
	if len(frames) == 0 {
		t.Fatal("no picture")
	}
	// The discarded GOP's held-back pictures come out first, with its
	// last numbers.
	first := frames[0].Seq
	if first < join || first > join+gop {
		t.Fatalf("first kept picture has Seq %d, want one of the joined GOP's, %d..%d", first, join, join+gop)
	}
	checkNumbers(t, frames, first, join-gop)
	if last := frames[len(frames)-1].Seq; last != join+n-gop-1 {
		t.Fatalf("last picture has Seq %d, want %d", last, join+n-gop-1)
	}
	whole := decodeAll(t, mustDecoder(t), late)
	if len(whole) != n-gop || whole[0].Seq != join {
		t.Fatalf("%d pictures, the first of Seq %d; want %d from Seq %d", len(whole), whole[0].Seq, n-gop, join)
	}
	checkNumbers(t, whole, join, join-gop)
}

// The decoding Reader already gives a B-frame file's pictures in
// presentation order, numbered as they come out.
func TestReaderNumbersBFramePicturesInPresentationOrder(t *testing.T) {
	const n = 36
	frames := readAllFrames(t, mustReader(t, numberedBFrameClip(t, n, 12)))
	if len(frames) != n {
		t.Fatalf("%d pictures, want %d", len(frames), n)
	}
	checkNumbers(t, frames, 0, 0)
}
