package jpeg

import (
	"fmt"
	"image"
	"image/jpeg"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/media"
)

// DefaultQuality is the quality NewEncoder uses without WithQuality: 75,
// image/jpeg's default and the customary default of JPEG encoders, a usual
// balance of size and fidelity for camera pictures.
const DefaultQuality = jpeg.DefaultQuality

// jfifAPP0 is the JFIF APP0 segment Encode puts after the start of image
// marker (image/jpeg writes none): version 1.01, no density units, 1:1 pixel
// aspect, no thumbnail. It tells every reader that the three components are
// full-range YCbCr.
var jfifAPP0 = []byte{0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00}

// Encoder encodes Frames as baseline JFIF pictures. It implements
// codecs.Encoder. Make one with NewEncoder; it is not safe for concurrent
// use.
type Encoder struct {
	quality int
	epoch   uint64
	seq     uint64
	closed  bool

	// ycc and out are reused between calls; Encode copies the result out.
	ycc *image.YCbCr
	out buffer
}

// Option configures NewEncoder.
type Option func(*encoderConfig)

type encoderConfig struct {
	quality int
}

// WithQuality sets the JPEG quality, 1 (smallest) to 100 (best): the
// example quantisation tables of the JPEG standard, scaled by 5000/quality
// below 50 and by 200-2*quality from 50 up. The default is DefaultQuality.
func WithQuality(quality int) Option {
	return func(c *encoderConfig) { c.quality = quality }
}

// NewEncoder returns an encoder. A quality outside 1..100 returns an error
// wrapping ErrInvalidOption.
func NewEncoder(opts ...Option) (*Encoder, error) {
	cfg := encoderConfig{quality: DefaultQuality}
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.quality < 1 || cfg.quality > 100 {
		return nil, fmt.Errorf("%w: quality %d (want 1..100)", ErrInvalidOption, cfg.quality)
	}
	return &Encoder{quality: cfg.quality, epoch: media.NewEpoch()}, nil
}

// Encode encodes f as one JPEG packet. f may be YUV420P, RGB24 or GRAY8 (a
// grayscale JPEG), of any size up to media.MaxDimension, and may change size
// or format from one call to the next: every JPEG stands alone. The encoder
// does not keep f.
//
// The packet is a keyframe whose Seq counts this encoder's packets from 0 and
// whose GOP is its own Seq; Epoch is the encoder's, CaptureTime and the size
// are f's. The packet and its Data are new memory that the caller owns.
//
// An invalid frame returns an error wrapping codecs.ErrFrameMismatch; use
// after Close, codecs.ErrClosed.
func (e *Encoder) Encode(f *media.Frame) (*media.Packet, error) {
	if e.closed {
		return nil, fmt.Errorf("jpeg: encode: %w", codecs.ErrClosed)
	}
	if f == nil {
		return nil, fmt.Errorf("jpeg: encode: %w: nil frame", codecs.ErrFrameMismatch)
	}
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("jpeg: encode: %w: %w", codecs.ErrFrameMismatch, err)
	}
	var img image.Image
	switch f.Format {
	case media.GRAY8:
		// Full-range gray is what a one-component JPEG holds: encode the
		// frame's own plane, which image/jpeg only reads.
		img = &image.Gray{Pix: f.Planes[0], Stride: f.Strides[0], Rect: image.Rect(0, 0, f.Width, f.Height)}
	case media.YUV420P:
		ycc := e.ycbcr(f.Width, f.Height)
		yuvToJFIF(ycc, f)
		img = ycc
	case media.RGB24:
		ycc := e.ycbcr(f.Width, f.Height)
		rgbToJFIF(ycc, f)
		img = ycc
	default:
		return nil, fmt.Errorf("jpeg: encode: %w: pixel format %v", codecs.ErrFrameMismatch, f.Format)
	}

	e.out.b = e.out.b[:0]
	if err := jpeg.Encode(&e.out, img, &jpeg.Options{Quality: e.quality}); err != nil {
		return nil, fmt.Errorf("jpeg: encode: %w", err)
	}
	enc := e.out.b
	if len(enc) < 2 {
		return nil, fmt.Errorf("jpeg: encode: image/jpeg wrote %d bytes", len(enc))
	}
	data := make([]byte, 0, len(enc)+len(jfifAPP0))
	data = append(data, enc[:2]...) // start of image
	data = append(data, jfifAPP0...)
	data = append(data, enc[2:]...)

	p := &media.Packet{
		Codec:       media.JPEG,
		Data:        data,
		Key:         true,
		Seq:         e.seq,
		GOP:         e.seq,
		Epoch:       e.epoch,
		CaptureTime: f.CaptureTime,
		Width:       f.Width,
		Height:      f.Height,
	}
	e.seq++
	return p, nil
}

// ycbcr returns the encoder's 4:2:0 picture, reallocated when the size
// changes.
func (e *Encoder) ycbcr(w, h int) *image.YCbCr {
	if e.ycc == nil || e.ycc.Rect.Dx() != w || e.ycc.Rect.Dy() != h {
		e.ycc = image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	}
	return e.ycc
}

// ForceKeyframe does nothing: every JPEG packet is a keyframe.
func (e *Encoder) ForceKeyframe() {}

// Close frees the encoder's buffers. Encode returns codecs.ErrClosed
// afterwards; Close itself can be called again.
func (e *Encoder) Close() error {
	e.closed = true
	e.ycc = nil
	e.out.b = nil
	return nil
}

// buffer is the writer image/jpeg encodes into. Having Flush and WriteByte
// spares image/jpeg from wrapping it in a new bufio.Writer on every call.
type buffer struct{ b []byte }

func (w *buffer) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

func (w *buffer) WriteByte(c byte) error {
	w.b = append(w.b, c)
	return nil
}

func (w *buffer) Flush() error { return nil }
