package media

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// FramePool recycles the pixel memory of frames of one format and size, so
// that a source or a decoder does not allocate (and the kernel does not
// fault in) a new picture for every frame.
//
// A frame from Get has one holder. A stage that hands it to several
// consumers adds holders with Retain (the pipeline does so for a node with
// several outputs); each consumer that is done with the pixels and does not
// hand the frame on calls Release. When the last holder releases it, its
// memory goes back to the pool. A frame that is never released is simply
// collected by the garbage collector: Release is an optimisation, never a
// duty, and a sink that keeps frames need not do anything.
//
// A FramePool is safe for concurrent use.
type FramePool struct {
	format        PixelFormat
	width, height int
	size          int
	keep          int

	mu   sync.Mutex
	free [][]byte

	allocated atomic.Uint64
}

// DefaultPoolFrames is how many free pictures a pool keeps by default:
// enough for the frames a pipeline holds in flight (a few per link).
const DefaultPoolFrames = 16

// NewFramePool makes a pool of width x height frames of format that keeps
// at most keep free pictures (DefaultPoolFrames when keep <= 0).
func NewFramePool(format PixelFormat, width, height, keep int) (*FramePool, error) {
	if err := checkSize(format, width, height); err != nil {
		return nil, err
	}
	if keep <= 0 {
		keep = DefaultPoolFrames
	}
	return &FramePool{format: format, width: width, height: height, size: format.PictureSize(width, height), keep: keep}, nil
}

// Fits reports whether the pool makes frames of this format and size.
func (p *FramePool) Fits(format PixelFormat, width, height int) bool {
	return p != nil && p.format == format && p.width == width && p.height == height
}

// Get returns a frame with packed planes and one holder. Its pixels are
// whatever an earlier frame left there: the caller writes every one.
func (p *FramePool) Get() *Frame {
	p.mu.Lock()
	var mem []byte
	if n := len(p.free); n > 0 {
		mem, p.free[n-1] = p.free[n-1], nil
		p.free = p.free[:n-1]
	}
	p.mu.Unlock()
	if mem == nil {
		mem = make([]byte, p.size)
		p.allocated.Add(1)
	}
	f := &Frame{Width: p.width, Height: p.height, Format: p.format, buf: &pixels{pool: p, mem: mem}}
	f.buf.holders.Store(1)
	buf := mem
	for i := range p.format.NumPlanes() {
		w, h := p.format.PlaneSize(i, p.width, p.height)
		f.Planes[i], buf = buf[:w*h:w*h], buf[w*h:]
		f.Strides[i] = w
	}
	return f
}

// Allocated reports how many pictures the pool has allocated so far.
func (p *FramePool) Allocated() uint64 { return p.allocated.Load() }

func (p *FramePool) put(mem []byte) {
	p.mu.Lock()
	if len(p.free) < p.keep {
		p.free = append(p.free, mem)
	}
	p.mu.Unlock()
}

// pixels is what keeps a frame's pixel memory alive, shared by every copy
// of the frame's header: a FramePool's memory (pool, mem) or memory owned
// elsewhere (owner, see NewOwnedFrame).
type pixels struct {
	holders atomic.Int32

	pool *FramePool
	mem  []byte

	owner   PixelOwner
	cleanup runtime.Cleanup // frees owner if no holder ever releases it
}

// Retain adds n holders to f's pixels: f is about to be handed to n more
// consumers, each of which may Release it. It does nothing for a frame that
// is neither from a FramePool nor made by NewOwnedFrame.
func (f *Frame) Retain(n int) {
	if f.buf != nil && n > 0 {
		f.buf.holders.Add(int32(n))
	}
}

// Release says that the caller is done with f's pixels and does not hand f
// on. When every holder has released it, the pixels go back to their pool,
// or to their owner (PixelOwner.FreePixels), and f, and every copy of its
// header, must no longer be read. It does nothing for a frame that is
// neither from a FramePool nor made by NewOwnedFrame. Releasing more often
// than Get, NewOwnedFrame and Retain gave holders is a bug and panics.
func (f *Frame) Release() {
	if f.buf == nil {
		return
	}
	switch n := f.buf.holders.Add(-1); {
	case n == 0:
		f.buf.free()
	case n < 0:
		panic("media: a Frame released more often than it was retained")
	}
}

// free hands the pixels back, once: the last holder has released them.
func (p *pixels) free() {
	if p.owner != nil {
		p.cleanup.Stop()
		p.owner.FreePixels()
		return
	}
	p.pool.put(p.mem)
}
