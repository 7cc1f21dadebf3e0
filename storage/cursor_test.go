package storage_test

import (
	"errors"
	"io"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// irregular is a stream whose GOPs have irregular lengths (forced keyframes)
// and whose packets are spaced irregularly in time, as a real camera's are.
type irregular struct {
	packets []*media.Packet
	keys    []int // indexes of the keyframes
}

func newIrregular(n int, seed uint64) irregular {
	rng := rand.New(rand.NewPCG(seed, 1))
	var s irregular
	t := epoch2024
	var gop uint64
	for i := range n {
		key := i == 0 || i%30 == 0 || rng.IntN(20) == 0
		if key {
			gop = uint64(i)
			s.keys = append(s.keys, i)
		}
		s.packets = append(s.packets, &media.Packet{
			Codec: media.H264, Data: synthData(seed, uint64(i), 200, key), Key: key,
			Seq: uint64(i), GOP: gop, Epoch: seed, CaptureTime: t, Width: 320, Height: 240,
		})
		t = t.Add(25*time.Millisecond + time.Duration(rng.IntN(20))*time.Millisecond)
	}
	return s
}

// keyAtOrBefore returns the index of the latest keyframe captured at or
// before t, or -1.
func (s irregular) keyAtOrBefore(t time.Time) int {
	i := sort.Search(len(s.keys), func(i int) bool { return s.packets[s.keys[i]].CaptureTime.After(t) })
	if i == 0 {
		return -1
	}
	return s.keys[i-1]
}

func recordIrregular(t *testing.T, s irregular) *storage.Recording {
	t.Helper()
	rec, _ := MustOpen(t)
	createCamera(t, rec)
	for _, p := range s.packets {
		if err := rec.Append("/camera", p); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestSeekLandsOnTheKeyframeAtOrBeforeT(t *testing.T) {
	s := newIrregular(400, 3)
	rec := recordIrregular(t, s)
	first, last := s.packets[0].CaptureTime, s.packets[len(s.packets)-1].CaptureTime
	rng := rand.New(rand.NewPCG(4, 4))
	instants := []time.Time{first, last, first.Add(-time.Nanosecond), last.Add(time.Hour)}
	for _, k := range s.keys[:5] {
		at := s.packets[k].CaptureTime
		instants = append(instants, at, at.Add(-time.Nanosecond), at.Add(time.Nanosecond))
	}
	for range 200 {
		span := last.Sub(first) + 2*time.Second
		instants = append(instants, first.Add(-time.Second+time.Duration(rng.Int64N(int64(span)))))
	}
	for _, at := range instants {
		want := s.keyAtOrBefore(at)
		c, err := rec.Seek("/camera", at)
		if want < 0 {
			if !errors.Is(err, storage.ErrNoKeyframe) {
				t.Fatalf("seek %v before the first keyframe: %v, want ErrNoKeyframe", at, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("seek %v: %v", at, err)
		}
		p, err := c.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !p.Key || c.Index() != uint64(want) {
			t.Fatalf("seek %v landed on index %d (key %v), want keyframe %d", at, c.Index(), p.Key, want)
		}
		// Every packet from there up to t is there, in order, so the
		// picture at t decodes.
		for i := want + 1; i < len(s.packets) && !s.packets[i].CaptureTime.After(at); i++ {
			p, err := c.Next()
			if err != nil {
				t.Fatalf("seek %v: packet %d: %v", at, i, err)
			}
			if c.Index() != uint64(i) || samePacket(p, s.packets[i]) != "" {
				t.Fatalf("seek %v: read index %d, want %d", at, c.Index(), i)
			}
		}
		c.Close()
	}
}

func TestSeekFindsNothingInAnEmptyOrUnknownStream(t *testing.T) {
	rec, _ := MustOpen(t)
	createCamera(t, rec)
	if _, err := rec.Seek("/camera", time.Now()); !errors.Is(err, storage.ErrNoKeyframe) {
		t.Errorf("empty stream: %v", err)
	}
	if _, err := rec.Seek("/nothing", time.Now()); !errors.Is(err, storage.ErrNoStream) {
		t.Errorf("unknown stream: %v", err)
	}
	if _, err := rec.First("/camera"); !errors.Is(err, storage.ErrEmptyStream) {
		t.Errorf("First of an empty stream: %v", err)
	}
	if _, err := rec.Last("/nothing"); !errors.Is(err, storage.ErrNoStream) {
		t.Errorf("Last of an unknown stream: %v", err)
	}
}

func TestRangeReadsFromTheKeyframeBeforeFromUpToTo(t *testing.T) {
	s := newIrregular(300, 5)
	rec := recordIrregular(t, s)
	rng := rand.New(rand.NewPCG(6, 6))
	first, last := s.packets[0].CaptureTime, s.packets[len(s.packets)-1].CaptureTime
	for range 100 {
		from := first.Add(time.Duration(rng.Int64N(int64(last.Sub(first)))))
		to := from.Add(time.Duration(1 + rng.Int64N(int64(2*time.Second))))
		c, err := rec.Range("/camera", from, to)
		if err != nil {
			t.Fatal(err)
		}
		got := readAll(t, c)
		start := s.keyAtOrBefore(from)
		end := start
		for end < len(s.packets) && s.packets[end].CaptureTime.Before(to) {
			end++
		}
		if len(got) != end-start {
			t.Fatalf("[%v, %v): read %d packets, want %d (indexes %d to %d)", from, to, len(got), end-start, start, end)
		}
		for j, g := range got {
			if g.index != uint64(start+j) || samePacket(g.p, s.packets[start+j]) != "" {
				t.Fatalf("[%v, %v): packet %d is index %d, want %d", from, to, j, g.index, start+j)
			}
		}
		if _, err := c.Next(); !errors.Is(err, storage.ErrClosed) {
			t.Fatalf("Next after Close: %v", err)
		}
	}
	if _, err := rec.Range("/camera", last, first); !errors.Is(err, storage.ErrBadRange) {
		t.Fatalf("inverted range: %v", err)
	}
	// A range past the end stays at io.EOF, even after more packets.
	c, err := rec.Range("/camera", last, last.Add(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, c); len(got) == 0 {
		t.Fatal("range at the last packet is empty")
	}
}

// A range that begins before the stream's first keyframe reads from that
// keyframe; one that ends before it too finds none.
func TestRangeFromBeforeTheStartReadsFromTheFirstKeyframe(t *testing.T) {
	s := newIrregular(100, 9)
	rec := recordIrregular(t, s)
	first := s.packets[0].CaptureTime
	to := s.packets[40].CaptureTime
	c, err := rec.Range("/camera", first.Add(-time.Hour), to)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, c)
	if len(got) != 40 || got[0].index != 0 || !got[0].p.Key {
		t.Fatalf("read %d packets from index %d; want the 40 before the 41st, from the first keyframe", len(got), got[0].index)
	}
	if _, err := rec.Range("/camera", first.Add(-time.Hour), first); !errors.Is(err, storage.ErrNoKeyframe) {
		t.Fatalf("a range that ends at the first packet: %v, want ErrNoKeyframe", err)
	}
}

func TestFirstAndLastAreTheCaptureTimesAtTheEnds(t *testing.T) {
	s := newIrregular(50, 8)
	rec := recordIrregular(t, s)
	first, err := rec.First("/camera")
	if err != nil {
		t.Fatal(err)
	}
	last, err := rec.Last("/camera")
	if err != nil {
		t.Fatal(err)
	}
	if !first.Equal(s.packets[0].CaptureTime) || !last.Equal(s.packets[49].CaptureTime) {
		t.Fatalf("First %v, Last %v; want %v, %v", first, last, s.packets[0].CaptureTime, s.packets[49].CaptureTime)
	}
}

func TestCursorReadsAcrossManyBatches(t *testing.T) {
	// More packets than one read transaction takes, with large ones among
	// them, so that both of a batch's limits are crossed.
	rec, _ := MustOpen(t, storage.WithSync(storage.SyncNone))
	createCamera(t, rec)
	s := newSynth()
	s.size = 40_000
	s.gop = 50
	appendAll(t, rec, "/camera", s, 0, 300)
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	got := readStream(t, rec, "/camera")
	if len(got) != 300 {
		t.Fatalf("read %d packets, want 300", len(got))
	}
	for i, g := range got {
		if g.index != uint64(i) || samePacket(g.p, s.packet(i)) != "" {
			t.Fatalf("packet %d differs", i)
		}
	}
	c, err := rec.Seek("/camera", s.packet(299).CaptureTime)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Next(); err != nil || c.Index() != 250 {
		t.Fatalf("seek to the last packet landed on %d (%v), want its keyframe 250", c.Index(), err)
	}
	for range 49 {
		if _, err := c.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("past the end: %v", err)
	}
}

// The latest picture of a B-frame stream may come before its last packet,
// which a recorder that commits often may leave in a chunk of its own:
// Last and Stats still find it.
func TestLastIsTheLatestPictureOfABFrameStream(t *testing.T) {
	rec, _ := MustOpen(t, storage.WithSync(storage.SyncNone))
	createCamera(t, rec)
	s := newSynth()
	s.gop = 8
	// Presented in the order 0 7 1 2 ... 6 | 8 15 9 10 ... 14, decoded 0 1
	// 2 3 ...: each GOP's latest picture is its second packet.
	var order []int
	for gop := 0; gop < 16; gop += 8 {
		order = append(order, gop, gop+7, gop+1, gop+2, gop+3, gop+4, gop+5, gop+6)
	}
	for i, shown := range order {
		p := s.packet(i)
		p.CaptureTime = s.start.Add(time.Duration(shown) * s.step)
		p.CompositionOffset = time.Duration(shown-i+1) * s.step
		if err := rec.Append("/camera", p); err != nil {
			t.Fatal(err)
		}
		if err := rec.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	want := s.start.Add(15 * s.step)
	last, err := rec.Last("/camera")
	if err != nil || !last.Equal(want) {
		t.Fatalf("Last %v (%v), want the latest picture's %v", last, err, want)
	}
	st, err := rec.Stats("/camera")
	if err != nil || st.Duration != 15*s.step {
		t.Fatalf("duration %v (%v), want %v", st.Duration, err, 15*s.step)
	}
}
