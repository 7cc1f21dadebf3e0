package media

import (
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// countingOwner counts FreePixels calls and signals the first.
type countingOwner struct {
	freed atomic.Int32
	done  chan struct{}
}

func newCountingOwner() *countingOwner { return &countingOwner{done: make(chan struct{})} }

func (o *countingOwner) FreePixels() {
	if o.freed.Add(1) == 1 {
		close(o.done)
	}
}

// ownedGray returns a 16x8 GRAY8 frame over mem with a stride of 20.
func ownedGray(t *testing.T, mem []byte, o PixelOwner) *Frame {
	t.Helper()
	f := Frame{Width: 16, Height: 8, Format: GRAY8, Seq: 4}
	f.Planes[0], f.Strides[0] = mem, 20
	owned, err := NewOwnedFrame(f, o)
	if err != nil {
		t.Fatal(err)
	}
	return owned
}

func TestOwnedFrameFreedOnceByItsLastHolder(t *testing.T) {
	o := newCountingOwner()
	mem := make([]byte, 20*8)
	f := ownedGray(t, mem, o)
	if f.Owner() != o || f.Seq != 4 || &f.Planes[0][0] != &mem[0] || f.Strides[0] != 20 {
		t.Fatalf("the frame does not alias its owner's memory: %+v", f)
	}
	f.Retain(2)
	header := *f
	f.Release()
	header.Release()
	if n := o.freed.Load(); n != 0 {
		t.Fatalf("freed %d times while a holder remained", n)
	}
	f.Release()
	if n := o.freed.Load(); n != 1 {
		t.Fatalf("freed %d times after the last holder, want 1", n)
	}
	defer func() {
		if recover() == nil {
			t.Error("releasing once too often did not panic")
		}
		if n := o.freed.Load(); n != 1 {
			t.Errorf("freed %d times, want 1", n)
		}
	}()
	f.Release()
}

func TestOwnedFrameNobodyReleasesIsFreedByTheCollector(t *testing.T) {
	o := newCountingOwner()
	ownedGray(t, make([]byte, 20*8), o) // dropped without Release
	for range 1000 {
		runtime.GC()
		select {
		case <-o.done:
			if n := o.freed.Load(); n != 1 {
				t.Fatalf("freed %d times, want 1", n)
			}
			return
		case <-time.After(time.Millisecond):
		}
	}
	t.Fatal("an unreachable owned frame was never freed")
}

func TestOwnedFrameRejectsShortPlanesWithoutTakingTheOwner(t *testing.T) {
	o := newCountingOwner()
	f := Frame{Width: 16, Height: 8, Format: GRAY8}
	f.Planes[0], f.Strides[0] = make([]byte, 20*7), 20
	if _, err := NewOwnedFrame(f, o); !errors.Is(err, ErrShortPlane) {
		t.Fatalf("a short plane: %v", err)
	}
	runtime.GC()
	if n := o.freed.Load(); n != 0 {
		t.Errorf("a rejected owner was freed %d times", n)
	}
}

func TestOnlyOwnedFramesHaveAnOwner(t *testing.T) {
	p, _ := NewFramePool(GRAY8, 8, 8, 0)
	plain, _ := NewFrame(GRAY8, 8, 8)
	for _, f := range []*Frame{p.Get(), plain, plain.Clone()} {
		if f.Owner() != nil {
			t.Errorf("%+v has an owner", f)
		}
	}
	o := newCountingOwner()
	owned := ownedGray(t, make([]byte, 20*8), o)
	clone := owned.Clone()
	owned.Release()
	if clone.Owner() != nil || clone.Strides[0] != 16 {
		t.Errorf("a clone of an owned frame is not plain Go memory: %+v", clone)
	}
}
