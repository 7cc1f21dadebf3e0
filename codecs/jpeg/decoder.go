package jpeg

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/media"
)

// DefaultMaxPixels is the largest picture, in pixels, that a Decoder decodes
// without WithMaxPixels: 16 megapixels (4096x4096), more than any camera a
// robot streams from. Decoding allocates memory in proportion to the pixels
// the header declares (about 4 bytes per sample for a progressive JPEG,
// roughly 200 MB at this limit), so the limit keeps a packet of a few
// hundred bytes from claiming gigabytes.
const DefaultMaxPixels = 4096 * 4096

// Decoder decodes JPEG packets into Frames. It implements codecs.Decoder.
// Make one with NewDecoder; it is not safe for concurrent use.
type Decoder struct {
	format    media.PixelFormat
	maxPixels int
	closed    bool
}

// DecoderOption configures NewDecoder.
type DecoderOption func(*decoderConfig)

type decoderConfig struct {
	format    media.PixelFormat
	maxPixels int
}

// WithOutputFormat sets the pixel format of the decoded Frames: media.YUV420P
// (the default), media.RGB24 or media.GRAY8.
func WithOutputFormat(format media.PixelFormat) DecoderOption {
	return func(c *decoderConfig) { c.format = format }
}

// WithMaxPixels sets the largest width x height that Decode accepts; the
// default is DefaultMaxPixels. Each side is also bounded by
// media.MaxDimension whatever the limit.
func WithMaxPixels(pixels int) DecoderOption {
	return func(c *decoderConfig) { c.maxPixels = pixels }
}

// NewDecoder returns a decoder. An unknown output format returns an error
// wrapping media.ErrUnknownPixelFormat, a pixel limit below 1 one wrapping
// ErrInvalidOption.
func NewDecoder(opts ...DecoderOption) (*Decoder, error) {
	cfg := decoderConfig{format: media.YUV420P, maxPixels: DefaultMaxPixels}
	for _, opt := range opts {
		opt(&cfg)
	}
	if !cfg.format.Valid() {
		return nil, fmt.Errorf("jpeg: %w: %w: output format %v", ErrInvalidOption, media.ErrUnknownPixelFormat, cfg.format)
	}
	if cfg.maxPixels < 1 {
		return nil, fmt.Errorf("%w: max pixels %d (want at least 1)", ErrInvalidOption, cfg.maxPixels)
	}
	return &Decoder{format: cfg.format, maxPixels: cfg.maxPixels}, nil
}

// Decode decodes one JPEG packet into one Frame in the decoder's output
// format, whose Seq and CaptureTime are the packet's, and whose Colour
// says what its values mean (in YUV420P: JPEG's BT.601 matrix, in video
// range). It accepts baseline and progressive JPEGs, with 4:2:0, 4:2:2,
// 4:4:4 (and the rarer 4:4:0, 4:1:1, 4:1:0) chroma, grayscale JPEGs, and
// any size. The Frame is new
// memory that the caller owns; Decode neither keeps nor changes p.
//
// A packet whose data is empty, damaged, truncated or not a JPEG returns an
// error wrapping codecs.ErrCorrupt, as does a JPEG whose size differs from a
// non-zero p.Width and p.Height; a packet of another codec, one wrapping both
// codecs.ErrWrongCodec and codecs.ErrCorrupt. A JPEG
// whose header declares a picture over the limits (see WithMaxPixels) returns
// one wrapping both codecs.ErrCorrupt and ErrTooLarge, before anything is
// decoded. The decoder stays usable after any of these.
func (d *Decoder) Decode(p *media.Packet) ([]*media.Frame, error) {
	if d.closed {
		return nil, fmt.Errorf("jpeg: decode: %w", codecs.ErrClosed)
	}
	if p == nil {
		return nil, fmt.Errorf("%w: jpeg: nil packet", codecs.ErrCorrupt)
	}
	if p.Codec != media.JPEG {
		return nil, fmt.Errorf("%w: %w: jpeg decoder got a %v packet", codecs.ErrWrongCodec, codecs.ErrCorrupt, p.Codec)
	}
	if len(p.Data) == 0 {
		return nil, fmt.Errorf("%w: jpeg: empty packet", codecs.ErrCorrupt)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(p.Data))
	if err != nil {
		return nil, fmt.Errorf("%w: jpeg: %w", codecs.ErrCorrupt, err)
	}
	if err := d.checkSize(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	if (p.Width != 0 || p.Height != 0) && (p.Width != cfg.Width || p.Height != cfg.Height) {
		return nil, fmt.Errorf("%w: jpeg: picture is %dx%d, packet says %dx%d", codecs.ErrCorrupt, cfg.Width, cfg.Height, p.Width, p.Height)
	}
	img, err := decodeImage(p.Data)
	if err != nil {
		return nil, fmt.Errorf("%w: jpeg: %w", codecs.ErrCorrupt, err)
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, fmt.Errorf("%w: jpeg: decoded %v, header says %dx%d", codecs.ErrCorrupt, b, cfg.Width, cfg.Height)
	}
	f, err := d.toFrame(img)
	if err != nil {
		return nil, fmt.Errorf("%w: jpeg: %w", codecs.ErrCorrupt, err)
	}
	f.Seq, f.CaptureTime = p.Seq, p.CaptureTime
	f.Colour = decodedColour.Converted(media.YUV420P, d.format)
	return []*media.Frame{f}, nil
}

// decodedColour is what a decoded YUV420P Frame's values mean: JPEG's
// matrix (JFIF's BT.601, which FFmpeg names bt470bg), in the video range
// the decoder converts JPEG's full range to. An H.264 encoder writes it
// into its stream.
var decodedColour = media.Colour{Matrix: media.ColourBT470BG, Range: media.RangeLimited}

func (d *Decoder) checkSize(w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%w: jpeg: picture is %dx%d", codecs.ErrCorrupt, w, h)
	}
	if w > media.MaxDimension || h > media.MaxDimension || w*h > d.maxPixels {
		return fmt.Errorf("%w: %w: %dx%d (limits: %d per side, %d pixels)",
			codecs.ErrCorrupt, ErrTooLarge, w, h, media.MaxDimension, d.maxPixels)
	}
	return nil
}

// decodeImage runs image/jpeg on untrusted bytes. image/jpeg is not known to
// panic on bad input; the recover is a second line of defence, so that a
// hostile packet can never take down the goroutine that decodes it.
func decodeImage(data []byte) (img image.Image, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("image/jpeg failed: %v", r)
		}
	}()
	return jpeg.Decode(bytes.NewReader(data))
}

// Close marks the decoder closed; Decode returns codecs.ErrClosed
// afterwards. Close itself can be called again.
func (d *Decoder) Close() error {
	d.closed = true
	return nil
}

// toFrame converts a decoded picture into a new Frame in the decoder's
// format.
func (d *Decoder) toFrame(img image.Image) (*media.Frame, error) {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.YCbCr:
		if hs, vs, ok := chromaShifts(m.SubsampleRatio); ok && b.Min == (image.Point{}) {
			f, err := media.NewFrame(d.format, b.Dx(), b.Dy())
			if err != nil {
				return nil, err
			}
			switch d.format {
			case media.YUV420P:
				jfifToYUV(f, m, hs, vs)
			case media.RGB24:
				jfifToRGB(f, m, hs, vs)
			case media.GRAY8:
				copyPlane(f, m.Y, m.YStride)
			}
			return f, nil
		}
	case *image.Gray:
		if b.Min == (image.Point{}) {
			f, err := media.NewFrame(d.format, b.Dx(), b.Dy())
			if err != nil {
				return nil, err
			}
			grayToFrame(f, m)
			return f, nil
		}
	}
	// CMYK and RGB (Adobe) JPEGs are rare in video; take the general path.
	return media.FrameFromImage(img, d.format)
}
