package ffmpeg

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/media"
)

// DefaultJPEGQScale is the JPEG encoder's default quantiser scale (ffmpeg's
// -q:v): it gives higher luma PSNR than Go image/jpeg's quality 75 in fewer
// bytes (docs/benchmarks.md).
const DefaultJPEGQScale = 4

// qp2lambda is FFmpeg's FF_QP2LAMBDA: global_quality is a lambda.
const qp2lambda = 118

type jpegConfig struct{ qscale int }

// JPEGOption configures a JPEGEncoder.
type JPEGOption func(*jpegConfig) error

// WithQScale sets the quantiser scale, 2 (best, largest) to 31 (worst).
func WithQScale(q int) JPEGOption {
	return func(c *jpegConfig) error {
		if q < 2 || q > 31 {
			return fmt.Errorf("%w: JPEG qscale %d (want 2..31)", ErrBadOption, q)
		}
		c.qscale = q
		return nil
	}
}

// JPEGEncoder encodes Frames as baseline JPEG with FFmpeg's MJPEG encoder,
// four times faster than Go's image/jpeg on one core (docs/benchmarks.md).
// Every packet is a keyframe. YUV420P input (limited range) is converted to
// JPEG's full range; RGB24 and GRAY8 are converted first.
//
// It is not safe for concurrent use. Close frees its FFmpeg objects.
type JPEGEncoder struct {
	width, height int
	epoch, seq    uint64

	ctx  *astiav.CodecContext
	full *astiav.Frame // full range, what the encoder takes
	pkt  *astiav.Packet
}

// Limited-to-full range tables for JPEG (BT.601: luma 16..235, chroma
// 16..240 to 0..255), rounded.
var lumaToFull, chromaToFull = rangeTables()

func rangeTables() (luma, chroma [256]byte) {
	for i := range 256 {
		luma[i] = clampByte((float64(i)-16)*255/219 + 0.5)
		chroma[i] = clampByte((float64(i)-128)*255/224 + 128.5)
	}
	return luma, chroma
}

func clampByte(v float64) byte {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return byte(v)
}

var _ codecs.Encoder = (*JPEGEncoder)(nil)

// NewJPEGEncoder opens an MJPEG encoder for width x height pictures.
func NewJPEGEncoder(width, height int, opts ...JPEGOption) (*JPEGEncoder, error) {
	cfg := jpegConfig{qscale: DefaultJPEGQScale}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if width <= 0 || height <= 0 || width > media.MaxDimension || height > media.MaxDimension {
		return nil, fmt.Errorf("%w: JPEG %dx%d", media.ErrInvalidSize, width, height)
	}
	codec := astiav.FindEncoder(astiav.CodecIDMjpeg)
	if codec == nil {
		return nil, fmt.Errorf("%w: mjpeg", ErrCodecNotFound)
	}
	e := &JPEGEncoder{width: width, height: height, epoch: media.NewEpoch()}
	if err := e.open(codec, cfg); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

func (e *JPEGEncoder) open(codec *astiav.Codec, cfg jpegConfig) error {
	if e.ctx = astiav.AllocCodecContext(codec); e.ctx == nil {
		return errors.New("ffmpeg: allocating mjpeg context failed")
	}
	e.ctx.SetWidth(e.width)
	e.ctx.SetHeight(e.height)
	e.ctx.SetPixelFormat(astiav.PixelFormatYuvj420P)
	e.ctx.SetTimeBase(astiav.NewRational(1, DefaultFrameRate))
	e.ctx.SetThreadCount(1)
	e.ctx.SetFlags(e.ctx.Flags().Add(astiav.CodecContextFlagQscale))
	dict := astiav.NewDictionary()
	defer dict.Free()
	// qmin = qmax pins the scale for every picture, as ffmpeg's -q:v does.
	q := strconv.Itoa(cfg.qscale)
	for k, v := range map[string]string{"global_quality": strconv.Itoa(cfg.qscale * qp2lambda), "qmin": q, "qmax": q} {
		if err := dict.Set(k, v, 0); err != nil {
			return fmt.Errorf("ffmpeg: mjpeg option %s=%s: %w", k, v, err)
		}
	}
	if err := e.ctx.Open(codec, dict); err != nil {
		return fmt.Errorf("ffmpeg: opening mjpeg %dx%d: %w", e.width, e.height, err)
	}
	e.full, e.pkt = astiav.AllocFrame(), astiav.AllocPacket()
	e.full.SetWidth(e.width)
	e.full.SetHeight(e.height)
	e.full.SetPixelFormat(astiav.PixelFormatYuvj420P)
	if err := e.full.AllocBuffer(0); err != nil {
		return fmt.Errorf("ffmpeg: mjpeg frame: %w", err)
	}
	return nil
}

// ForceKeyframe does nothing: every JPEG is a keyframe.
func (e *JPEGEncoder) ForceKeyframe() {}

// Encode encodes f as one JPEG. f is not kept; the Packet is the caller's.
func (e *JPEGEncoder) Encode(f *media.Frame) (*media.Packet, error) {
	if e.ctx == nil {
		return nil, codecs.ErrClosed
	}
	src, err := encoderInput(f, e.width, e.height)
	if err != nil {
		return nil, err
	}
	if err := makeWritable(e.full); err != nil {
		return nil, err
	}
	linesize := e.full.Linesize()
	for i := range 3 {
		lut := &chromaToFull
		if i == 0 {
			lut = &lumaToFull
		}
		_, rows := media.YUV420P.PlaneSize(i, e.width, e.height)
		out := plane(e.full, i, rows)
		for r := range rows {
			in, o := src.Row(i, r), out[r*linesize[i]:]
			for x, v := range in {
				o[x] = lut[v]
			}
		}
	}
	e.full.SetPts(int64(e.seq))
	if err := e.ctx.SendFrame(e.full); err != nil {
		return nil, fmt.Errorf("ffmpeg: mjpeg send frame %d: %w", e.seq, err)
	}
	if err := e.ctx.ReceivePacket(e.pkt); err != nil {
		return nil, fmt.Errorf("ffmpeg: mjpeg receive packet %d: %w", e.seq, err)
	}
	defer e.pkt.Unref()
	p := &media.Packet{
		Codec: media.JPEG, Data: e.pkt.Data(), Key: true,
		Seq: e.seq, GOP: e.seq, Epoch: e.epoch,
		CaptureTime: f.CaptureTime, Width: e.width, Height: e.height,
	}
	e.seq++
	return p, nil
}

// Close frees the encoder.
func (e *JPEGEncoder) Close() error {
	if e.full != nil {
		e.full.Free()
		e.full = nil
	}
	if e.pkt != nil {
		e.pkt.Free()
		e.pkt = nil
	}
	if e.ctx != nil {
		e.ctx.Free()
		e.ctx = nil
	}
	return nil
}
