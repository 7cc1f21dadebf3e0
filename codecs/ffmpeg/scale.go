package ffmpeg

import (
	"fmt"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/media"
)

// scaler converts decoded pictures of any size and FFmpeg pixel format into
// media.Frames of one size and format. It makes its swscale context on the
// first picture and again whenever the input's size or format changes. Its
// frames come from a media.FramePool: a consumer that releases them lets
// the next ones reuse their memory.
type scaler struct {
	width, height int // 0 keeps the input's size
	format        media.PixelFormat
	avFormat      astiav.PixelFormat
	pool          *media.FramePool

	ctx        *astiav.SoftwareScaleContext
	out        *astiav.Frame
	inW, inH   int
	inFormat   astiav.PixelFormat
	outW, outH int
}

func newScaler(width, height int, format media.PixelFormat) (*scaler, error) {
	av, err := avPixelFormat(format)
	if err != nil {
		return nil, err
	}
	return &scaler{width: width, height: height, format: format, avFormat: av, out: astiav.AllocFrame()}, nil
}

// convert returns src as a media.Frame of the scaler's size and format.
// src is not kept.
func (s *scaler) convert(src *astiav.Frame) (*media.Frame, error) {
	outW, outH := s.width, s.height
	if outW == 0 || outH == 0 {
		outW, outH = src.Width(), src.Height()
	}
	if !s.pool.Fits(s.format, outW, outH) {
		pool, err := media.NewFramePool(s.format, outW, outH, 0)
		if err != nil {
			return nil, fmt.Errorf("ffmpeg: %dx%d %v pictures: %w", outW, outH, s.format, err)
		}
		s.pool = pool
	}
	if src.PixelFormat() == s.avFormat && outW == src.Width() && outH == src.Height() {
		return readFrame(src, s.pool)
	}
	if s.ctx == nil || src.Width() != s.inW || src.Height() != s.inH || src.PixelFormat() != s.inFormat || outW != s.outW || outH != s.outH {
		if err := s.reset(src, outW, outH); err != nil {
			return nil, err
		}
	}
	if err := s.ctx.ScaleFrame(src, s.out); err != nil {
		return nil, fmt.Errorf("ffmpeg: scaling %dx%d %s to %dx%d %v: %w", src.Width(), src.Height(), src.PixelFormat(), outW, outH, s.format, err)
	}
	return readFrame(s.out, s.pool)
}

func (s *scaler) reset(src *astiav.Frame, outW, outH int) error {
	if s.ctx != nil {
		s.ctx.Free()
		s.ctx = nil
	}
	s.out.Unref()
	ctx, err := astiav.CreateSoftwareScaleContext(src.Width(), src.Height(), src.PixelFormat(), outW, outH, s.avFormat,
		astiav.NewSoftwareScaleContextFlags(astiav.SoftwareScaleContextFlagBilinear))
	if err != nil {
		return fmt.Errorf("ffmpeg: scaler for %dx%d %s to %dx%d %v: %w", src.Width(), src.Height(), src.PixelFormat(), outW, outH, s.format, err)
	}
	s.out.SetWidth(outW)
	s.out.SetHeight(outH)
	s.out.SetPixelFormat(s.avFormat)
	if err := s.out.AllocBuffer(0); err != nil {
		ctx.Free()
		return fmt.Errorf("ffmpeg: scaler output frame: %w", err)
	}
	s.ctx, s.inW, s.inH, s.inFormat, s.outW, s.outH = ctx, src.Width(), src.Height(), src.PixelFormat(), outW, outH
	return nil
}

func (s *scaler) close() {
	if s.ctx != nil {
		s.ctx.Free()
		s.ctx = nil
	}
	if s.out != nil {
		s.out.Free()
		s.out = nil
	}
}
