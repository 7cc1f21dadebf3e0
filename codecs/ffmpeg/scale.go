package ffmpeg

import (
	"fmt"
	"sync/atomic"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/media"
)

// scaler turns decoded pictures of any size and FFmpeg pixel format into
// media.Frames of one size and format. It makes its swscale context on the
// first picture and again whenever the input's size or format changes.
//
// Its Frames are FFmpeg's memory, not copies (see picture): a picture
// already in the wanted size and format is handed on as it is, sharing the
// decoder's buffers; any other is scaled into a picture from the scaler's
// own buffer pool. A consumer that releases a Frame gives its buffers back
// at once; one that does not leaves that to the garbage collector. While
// maxLivePictures of its Frames are held, the scaler copies into Go memory
// from a media.FramePool instead.
type scaler struct {
	width, height int  // 0 keeps the input's size
	square        bool // width and height make the input's pixels square (makeSquare)
	format        media.PixelFormat
	avFormat      astiav.PixelFormat
	pool          *media.FramePool // for copies, past maxLivePictures
	live          *atomic.Int32    // this scaler's Frames not yet freed

	ctx        *swsContext
	pictures   *picturePool
	out        *astiav.Frame // scaled here first when the picture is copied
	inW, inH   int
	inFormat   astiav.PixelFormat
	outW, outH int
}

func newScaler(width, height int, format media.PixelFormat) (*scaler, error) {
	av, err := avPixelFormat(format)
	if err != nil {
		return nil, err
	}
	return &scaler{width: width, height: height, format: format, avFormat: av, live: new(atomic.Int32), out: astiav.AllocFrame()}, nil
}

// convert returns src, a picture of pixels of aspect (the stream's), as
// a media.Frame of the scaler's size and format whose Aspect and Colour
// say what it holds: pixels made square are 1:1, pixels scaled to another
// size keep the picture's shape on screen (see PixelAspect.Scaled), and a
// YUV picture of full range became one of video range. It may take src's
// references (leaving src blank); the caller unrefs src afterwards either
// way.
func (s *scaler) convert(src *astiav.Frame, aspect PixelAspect) (*media.Frame, error) {
	inW, inH := src.Width(), src.Height()
	colour, class := sourceColour(src)
	f, err := s.convertPixels(src)
	if err != nil {
		return nil, err
	}
	f.Colour = scaledColour(colour, class, s.format)
	if s.square {
		f.Aspect = PixelAspect{Width: 1, Height: 1}
	} else {
		f.Aspect = aspect.Scaled(inW, inH, f.Width, f.Height)
	}
	return f, nil
}

// convertPixels converts src's pixels for convert.
func (s *scaler) convertPixels(src *astiav.Frame) (*media.Frame, error) {
	outW, outH := s.width, s.height
	if outW == 0 || outH == 0 {
		outW, outH = src.Width(), src.Height()
	}
	share := s.live.Load() < maxLivePictures
	if src.PixelFormat() == s.avFormat && outW == src.Width() && outH == src.Height() && !fullRangeYUV(src) {
		if share {
			if f, err := ownPicture(src, s.format, s.live); f != nil || err != nil {
				return f, err
			}
		}
		return s.copyOut(src, outW, outH)
	}
	if s.ctx == nil || src.Width() != s.inW || src.Height() != s.inH || src.PixelFormat() != s.inFormat || outW != s.outW || outH != s.outH || !s.ctx.fits(src) {
		if err := s.reset(src, outW, outH); err != nil {
			return nil, err
		}
	}
	if !share {
		if err := s.scale(src, s.out); err != nil {
			return nil, err
		}
		return s.copyOut(s.out, outW, outH)
	}
	dst := astiav.AllocFrame()
	defer dst.Free()
	if err := s.pictures.get(dst); err != nil {
		return nil, err
	}
	if err := s.scale(src, dst); err != nil {
		return nil, err
	}
	f, err := ownPicture(dst, s.format, s.live)
	if f == nil && err == nil {
		err = fmt.Errorf("ffmpeg: a scaled %dx%d %v picture has no buffers", outW, outH, s.format)
	}
	return f, err
}

func (s *scaler) scale(src, dst *astiav.Frame) error {
	if err := s.ctx.scale(src, dst); err != nil {
		return fmt.Errorf("ffmpeg: scaling %dx%d %s to %dx%d %v: %w", src.Width(), src.Height(), src.PixelFormat(), s.outW, s.outH, s.format, err)
	}
	return nil
}

// copyOut copies src, already in the scaler's size and format, into a
// Frame of Go memory.
func (s *scaler) copyOut(src *astiav.Frame, outW, outH int) (*media.Frame, error) {
	if !s.pool.Fits(s.format, outW, outH) {
		pool, err := media.NewFramePool(s.format, outW, outH, 0)
		if err != nil {
			return nil, fmt.Errorf("ffmpeg: %dx%d %v pictures: %w", outW, outH, s.format, err)
		}
		s.pool = pool
	}
	return readFrame(src, s.pool)
}

func (s *scaler) reset(src *astiav.Frame, outW, outH int) error {
	s.free()
	ctx, err := newSwsContext(src, outW, outH, s.avFormat)
	if err != nil {
		return err
	}
	pictures, err := newPicturePool(s.avFormat, outW, outH)
	if err != nil {
		ctx.free()
		return err
	}
	s.out.SetWidth(outW)
	s.out.SetHeight(outH)
	s.out.SetPixelFormat(s.avFormat)
	if err := s.out.AllocBuffer(0); err != nil {
		ctx.free()
		pictures.close()
		return fmt.Errorf("ffmpeg: scaler output frame: %w", err)
	}
	s.ctx, s.pictures, s.inW, s.inH, s.inFormat, s.outW, s.outH = ctx, pictures, src.Width(), src.Height(), src.PixelFormat(), outW, outH
	return nil
}

// free frees the swscale context and gives up the buffer pool and the copy
// frame; Frames handed out stay valid.
func (s *scaler) free() {
	s.ctx.free()
	s.ctx = nil
	s.pictures.close()
	s.pictures = nil
	if s.out != nil {
		s.out.Unref()
	}
}

func (s *scaler) close() {
	s.free()
	if s.out != nil {
		s.out.Free()
		s.out = nil
	}
}
