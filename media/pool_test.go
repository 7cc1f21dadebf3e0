package media

import (
	"errors"
	"sync"
	"testing"
)

func TestFramePoolRecyclesReleasedPictures(t *testing.T) {
	p, err := NewFramePool(YUV420P, 64, 48, 2)
	if err != nil {
		t.Fatal(err)
	}
	f := p.Get()
	if err := f.Validate(); err != nil || f.Width != 64 || f.Height != 48 || f.Format != YUV420P {
		t.Fatalf("%+v: %v", f, err)
	}
	f.Planes[0][0] = 7
	mem := &f.Planes[0][0]
	f.Release()
	g := p.Get()
	if &g.Planes[0][0] != mem {
		t.Error("a released picture was not reused")
	}
	h := p.Get() // g is still held
	if &h.Planes[0][0] == mem {
		t.Error("a held picture was handed out again")
	}
	if p.Allocated() != 2 {
		t.Errorf("allocated %d pictures, want 2", p.Allocated())
	}
}

func TestFrameHoldersAndHeaderCopies(t *testing.T) {
	p, _ := NewFramePool(GRAY8, 16, 16, 0)
	f := p.Get()
	mem := &f.Planes[0][0]
	f.Retain(2) // three consumers
	copyOfHeader := *f
	copyOfHeader.Seq = 9
	f.Release()
	copyOfHeader.Release()
	if g := p.Get(); &g.Planes[0][0] == mem {
		t.Fatal("the picture came back while a holder remained")
	}
	f.Release() // the last holder
	if g := p.Get(); &g.Planes[0][0] != mem {
		t.Fatal("the picture did not come back after its last holder")
	}
	defer func() {
		if recover() == nil {
			t.Error("releasing once too often did not panic")
		}
	}()
	f.Release()
}

func TestFramesNotFromAPoolIgnoreHolders(t *testing.T) {
	f, _ := NewFrame(RGB24, 8, 8)
	f.Retain(3)
	for range 10 {
		f.Release()
	}
	if _, err := NewFramePool(YUV420P, 0, 8, 0); !errors.Is(err, ErrInvalidSize) {
		t.Errorf("a pool of 0x8 frames: %v", err)
	}
	var nilPool *FramePool
	if nilPool.Fits(YUV420P, 8, 8) {
		t.Error("a nil pool fits")
	}
}

func TestFramePoolAcrossGoroutines(t *testing.T) {
	p, _ := NewFramePool(YUV420P, 32, 32, 0)
	frames := make(chan *Frame, 8)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for f := range frames {
			for _, b := range f.Planes[0] {
				if b != f.Planes[0][0] {
					t.Error("a picture changed while held")
					break
				}
			}
			f.Release()
		}
	}()
	for i := range 1000 {
		f := p.Get()
		for j := range f.Planes[0] {
			f.Planes[0][j] = byte(i)
		}
		frames <- f
	}
	close(frames)
	wg.Wait()
	if n := p.Allocated(); n > 16 {
		t.Errorf("allocated %d pictures for 1000 frames with at most 10 in flight", n)
	}
}
