package testsrc

import (
	"fmt"
	"sync"
	"time"

	"github.com/gopline/gopline/media"
)

// Pattern makes the frames of one test picture of a fixed size and pixel
// format. Make one with New. A Pattern is safe for concurrent use: it only
// reads the tables New computed, and guards its one scratch frame with a
// mutex.
type Pattern struct {
	width, height int
	format        media.PixelFormat
	scene         scene

	// An RGB24 pattern draws into a YUV420P frame first and converts it.
	// Whoever holds scratchMu uses scratch; a concurrent caller allocates
	// its own frame rather than wait.
	scratchMu sync.Mutex
	scratch   *media.Frame
}

// Option configures New.
type Option func(*config)

type config struct {
	format media.PixelFormat
}

// WithFormat sets the pixel format of the frames: media.YUV420P (the default,
// and the format the pattern is drawn in), media.RGB24 or media.GRAY8. The
// RGB24 and GRAY8 frames are exactly what media.Frame.Convert makes of the
// YUV420P frame.
func WithFormat(format media.PixelFormat) Option {
	return func(c *config) { c.format = format }
}

// New returns the pattern for width x height frames. A size outside
// 1..media.MaxDimension returns an error wrapping media.ErrInvalidSize; a
// format other than YUV420P, RGB24 and GRAY8 one wrapping
// media.ErrUnknownPixelFormat.
//
// Any size works, odd ones too, but H.264 encoders want even sizes, and only
// frames of at least MinCodeWidth x MinCodeHeight carry the frame number code
// that ReadFrameNumber reads.
func New(width, height int, opts ...Option) (*Pattern, error) {
	cfg := config{format: media.YUV420P}
	for _, opt := range opts {
		opt(&cfg)
	}
	switch cfg.format {
	case media.YUV420P, media.RGB24, media.GRAY8:
	default:
		return nil, fmt.Errorf("testsrc: %w: %v (want yuv420p, rgb24 or gray8)", media.ErrUnknownPixelFormat, cfg.format)
	}
	if width <= 0 || height <= 0 || width > media.MaxDimension || height > media.MaxDimension {
		return nil, fmt.Errorf("testsrc: %w: %dx%d (want 1..%d on each side)", media.ErrInvalidSize, width, height, media.MaxDimension)
	}
	p := &Pattern{width: width, height: height, format: cfg.format, scene: newScene(width, height)}
	return p, nil
}

// Width returns the width of the pattern's frames.
func (p *Pattern) Width() int { return p.width }

// Height returns the height of the pattern's frames.
func (p *Pattern) Height() int { return p.height }

// Format returns the pixel format of the pattern's frames.
func (p *Pattern) Format() media.PixelFormat { return p.format }

// Frame returns frame number n as a new Frame with packed planes, which the
// caller owns. Its Seq is n and its CaptureTime is zero: a source sets the
// time it publishes the frame at. The same pattern and n always give the same
// bytes. Frame returns nil only for a Pattern not made by New.
func (p *Pattern) Frame(n uint64) *media.Frame {
	f, err := media.NewFrame(p.format, p.width, p.height)
	if err != nil {
		return nil
	}
	if err := p.FrameInto(f, n); err != nil {
		return nil
	}
	return f
}

// FrameInto draws frame number n into dst, which must have the pattern's size
// and pixel format (any strides), sets dst.Seq to n, clears dst.CaptureTime
// and sets dst.Aspect and dst.Colour to what the pattern is: square pixels,
// BT.601 limited range in YUV420P. It does not allocate in steady state, so a loop that
// reuses one Frame produces frames without garbage. A dst of another size or
// format returns an error wrapping media.ErrFormatMismatch; one whose planes
// are too short, the error of dst.Validate.
func (p *Pattern) FrameInto(dst *media.Frame, n uint64) error {
	if dst == nil {
		return fmt.Errorf("testsrc: %w: nil frame", media.ErrFormatMismatch)
	}
	if dst.Width != p.width || dst.Height != p.height || dst.Format != p.format {
		return fmt.Errorf("testsrc: %w: frame is %v %dx%d, pattern is %v %dx%d",
			media.ErrFormatMismatch, dst.Format, dst.Width, dst.Height, p.format, p.width, p.height)
	}
	if err := dst.Validate(); err != nil {
		return fmt.Errorf("testsrc: %w", err)
	}
	switch p.format {
	case media.YUV420P:
		p.scene.drawLuma(dst.Planes[0], dst.Strides[0], n)
		p.scene.drawChroma(dst.Planes[1], dst.Planes[2], dst.Strides[1], dst.Strides[2], n)
	case media.GRAY8:
		p.scene.drawLuma(dst.Planes[0], dst.Strides[0], n)
		for r := range p.height {
			row := dst.Row(0, r)
			for x, y := range row {
				row[x] = limitedToFull[y]
			}
		}
	case media.RGB24:
		if err := p.drawRGB(dst, n); err != nil {
			return fmt.Errorf("testsrc: %w", err)
		}
	}
	dst.Seq = n
	dst.CaptureTime = time.Time{}
	dst.Aspect, dst.Colour = square, patternColour.Converted(media.YUV420P, p.format)
	return nil
}

// square is the shape of the pattern's pixels, and patternColour what the
// values of its YUV420P frames mean: the BT.601 matrix of media's
// conversions, in limited range. Its colours are numbers, of no camera's
// primaries or transfer: those it leaves unsaid.
var (
	square        = media.PixelAspect{Width: 1, Height: 1}
	patternColour = media.Colour{Matrix: media.ColourSMPTE170M, Range: media.RangeLimited}
)

// drawRGB draws frame n in YUV420P and converts it into dst.
func (p *Pattern) drawRGB(dst *media.Frame, n uint64) error {
	var yuv *media.Frame
	if p.scratchMu.TryLock() {
		defer p.scratchMu.Unlock()
		if p.scratch == nil {
			f, err := media.NewFrame(media.YUV420P, p.width, p.height)
			if err != nil {
				return err
			}
			p.scratch = f
		}
		yuv = p.scratch
	} else {
		f, err := media.NewFrame(media.YUV420P, p.width, p.height)
		if err != nil {
			return err
		}
		yuv = f
	}
	p.scene.drawLuma(yuv.Planes[0], yuv.Strides[0], n)
	p.scene.drawChroma(yuv.Planes[1], yuv.Planes[2], yuv.Strides[1], yuv.Strides[2], n)
	yuvToRGB(dst, yuv)
	return nil
}
