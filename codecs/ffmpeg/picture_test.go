package ffmpeg

import (
	"bytes"
	"sync"
	"testing"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
)

// frameNumber reads the test pattern's frame number out of f.
func frameNumber(t *testing.T, f *media.Frame) uint64 {
	t.Helper()
	n, ok := testsrc.ReadFrameNumber(f)
	if !ok {
		t.Fatalf("frame seq %d: no frame number in the picture", f.Seq)
	}
	return n
}

func TestDecodedFramesAreTheDecodersPicturesFreedOnceByTheirLastHolder(t *testing.T) {
	pkts := encodeClip(t, pattern(t, 160, 120), 8)
	d := mustDecoder(t)
	live := d.scale.live
	var frames []*media.Frame
	for _, p := range pkts {
		f := decodeOne(t, d, p)
		if pictureOf(f) == nil {
			t.Fatalf("frame %d is a copy, not the decoder's picture", f.Seq)
		}
		frames = append(frames, f)
	}
	if n := live.Load(); n != int32(len(pkts)) {
		t.Fatalf("%d pictures live, want %d", n, len(pkts))
	}
	// Frames outlive their decoder, and every holder of a frame shares one
	// picture, freed when the last lets go.
	d.Close()
	for i, f := range frames {
		if n := frameNumber(t, f); n != uint64(i) {
			t.Errorf("frame %d shows picture %d after its decoder closed", i, n)
		}
		f.Retain(1)
		header := *f
		f.Release()
		if n := live.Load(); n != int32(len(pkts)-i) {
			t.Fatalf("frame %d freed while a holder remained (%d live)", i, n)
		}
		header.Release()
	}
	if n := live.Load(); n != 0 {
		t.Errorf("%d pictures still live after every holder released them", n)
	}
}

func TestHeldPicturesAreBoundedThenCopied(t *testing.T) {
	pkts := encodeClip(t, pattern(t, 160, 120), maxLivePictures+4)
	d := mustDecoder(t)
	var held []*media.Frame
	for i, p := range pkts {
		f := decodeOne(t, d, p)
		owned := pictureOf(f) != nil
		if owned != (i < maxLivePictures) {
			t.Errorf("frame %d: shared picture %v with %d frames held", i, owned, len(held))
		}
		if n := frameNumber(t, f); n != uint64(i) {
			t.Errorf("frame %d shows picture %d", i, n)
		}
		held = append(held, f) // never released: a consumer that keeps frames
	}
	held[0].Release()
	if f := decodeOne(t, d, encodeClip(t, pattern(t, 160, 120), 1)[0]); pictureOf(f) == nil {
		t.Error("a released picture did not make room for a shared one")
	}
}

func TestEncoderTakesDecodedPicturesAsTheyAre(t *testing.T) {
	const n = 12
	pkts := encodeClip(t, pattern(t, 160, 120), n)
	d := mustDecoder(t)
	e := mustEncoder(t, 160, 120)
	check := mustDecoder(t)
	for i, p := range pkts {
		f := decodeOne(t, d, p)
		if pictureOf(f) == nil {
			t.Fatalf("frame %d is not the decoder's picture", i)
		}
		again, err := e.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		f.Release()
		// The encoder took its own reference and dropped it: only the
		// frame's holders kept the picture.
		if live := d.scale.live.Load(); live != 0 {
			t.Fatalf("%d pictures live after the frame's only holder released it", live)
		}
		g := decodeOne(t, check, again)
		if got := frameNumber(t, g); got != uint64(i) {
			t.Errorf("re-encoded frame %d shows picture %d", i, got)
		}
		g.Release()
	}
}

func TestScaledFramesAreOwnedAndOutliveTheReader(t *testing.T) {
	p := pattern(t, 320, 240)
	var frames []*media.Frame
	for i := range uint64(4) {
		frames = append(frames, p.Frame(i))
	}
	path := y4mFile(t, frames)
	for _, opts := range [][]ReaderOption{
		nil, // the raw picture as it is
		{WithSize(160, 120)},
		{WithPixelFormat(media.RGB24)},
	} {
		r := mustReader(t, path, opts...)
		live := r.scale.live
		var got []*media.Frame
		var before [][]byte
		for range frames {
			f, err := r.ReadFrame()
			if err != nil {
				t.Fatal(err)
			}
			if pictureOf(f) == nil {
				t.Errorf("%d options: frame %d is a copy", len(opts), f.Seq)
			}
			got = append(got, f)
			before = append(before, f.AppendPacked(nil))
		}
		r.Close()
		for i, f := range got {
			if !bytes.Equal(f.AppendPacked(nil), before[i]) {
				t.Errorf("%d options: frame %d changed after the reader closed", len(opts), i)
			}
			if f.Width == 320 {
				if n := frameNumber(t, f); n != uint64(i) {
					t.Errorf("%d options: frame %d shows picture %d", len(opts), i, n)
				}
			}
			f.Release()
		}
		if n := live.Load(); n != 0 {
			t.Errorf("%d options: %d pictures live after release", len(opts), n)
		}
	}
}

func TestPicturesReleasedOnOtherGoroutines(t *testing.T) {
	pkts := encodeClip(t, pattern(t, 160, 120), 30)
	d := mustDecoder(t)
	frames := make(chan *media.Frame, 4)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for f := range frames {
			frameNumber(t, f)
			f.Release()
		}
	}()
	for _, p := range pkts {
		f := decodeOne(t, d, p)
		f.Retain(1)
		frames <- f
		f.Release()
	}
	close(frames)
	wg.Wait()
	if n := d.scale.live.Load(); n != 0 {
		t.Errorf("%d pictures live after release", n)
	}
}

func TestGoMemoryFramesAreCopiedIntoTheEncoder(t *testing.T) {
	p := pattern(t, 160, 120)
	pool, err := media.NewFramePool(media.YUV420P, 160, 120, 0)
	if err != nil {
		t.Fatal(err)
	}
	e := mustEncoder(t, 160, 120)
	d := mustDecoder(t)
	for i := range uint64(3) {
		f := pool.Get()
		if err := p.FrameInto(f, i); err != nil {
			t.Fatal(err)
		}
		if pictureOf(f) != nil {
			t.Fatal("a pool frame has an FFmpeg picture")
		}
		pkt, err := e.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		f.Release()
		g := decodeOne(t, d, pkt)
		if n := frameNumber(t, g); n != i {
			t.Errorf("frame %d shows picture %d", i, n)
		}
	}
}
