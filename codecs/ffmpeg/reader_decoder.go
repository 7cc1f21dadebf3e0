package ffmpeg

import (
	"fmt"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/media"
)

// openDecoder opens the decoder of a decoding Reader, its threads chosen
// for what it must find of damage, and the scaler of its pictures.
func (r *Reader) openDecoder(par *astiav.CodecParameters) error {
	codec := astiav.FindDecoder(par.CodecID())
	if codec == nil {
		return fmt.Errorf("%w: %s decoder for %q", ErrCodecNotFound, r.info.Codec, r.shown)
	}
	if r.dec = astiav.AllocCodecContext(codec); r.dec == nil {
		return fmt.Errorf("ffmpeg: allocating %s decoder for %q failed", r.info.Codec, r.shown)
	}
	r.decAt = r.logs.bind(r.dec)
	if err := par.ToCodecContext(r.dec); err != nil {
		return fmt.Errorf("ffmpeg: %s decoder parameters for %q: %w", r.info.Codec, r.shown, err)
	}
	// Strict, the decoder runs on one thread unless told otherwise
	// (WithReaderThreads): FFmpeg 5.1 conceals damage in a slice a worker
	// thread decodes without reporting it (see WithDecoderThreads), and
	// frame threads lose its marks of concealed pictures and report a
	// packet's damage packets later, when the next keyframe may have been
	// sent. Concealing, on slice threads.
	switch {
	case r.cfg.conceal:
		r.dec.SetThreadType(astiav.ThreadTypeSlice)
		r.dec.SetThreadCount(r.cfg.threads)
	case r.cfg.threadsSet && r.cfg.threads != 1:
		r.dec.SetThreadType(astiav.ThreadTypeFrame | astiav.ThreadTypeSlice)
		r.dec.SetThreadCount(r.cfg.threads)
	default:
		r.dec.SetThreadCount(1)
	}
	dict := astiav.NewDictionary()
	defer dict.Free()
	if err := dict.Set("err_detect", errDetect(r.cfg.conceal), 0); err != nil {
		return fmt.Errorf("ffmpeg: %s decoder option for %q: %w", r.info.Codec, r.shown, err)
	}
	if err := r.dec.Open(codec, dict); err != nil {
		return fmt.Errorf("ffmpeg: opening %s decoder for %q: %w", r.info.Codec, r.shown, err)
	}
	r.frame = astiav.AllocFrame()
	width, height := r.cfg.width, r.cfg.height
	if turns, ok := r.info.Rotation.QuarterTurns(); ok && r.cfg.autorotate {
		// Scaled first, to the turned size of WithSize's.
		r.turns = turns
		width, height = media.RotatedSize(width, height, turns)
	}
	var err error
	r.scale, err = newScaler(width, height, r.cfg.format)
	return err
}

// turn returns f turned by r.turns quarter turns, in a picture of r.turned,
// and releases f.
func (r *Reader) turn(f *media.Frame) (*media.Frame, error) {
	defer f.Release()
	w, h := media.RotatedSize(f.Width, f.Height, r.turns)
	if !r.turned.Fits(f.Format, w, h) {
		pool, err := media.NewFramePool(f.Format, w, h, 0)
		if err != nil {
			return nil, fmt.Errorf("ffmpeg: %q: turned %dx%d %v pictures: %w", r.shown, w, h, f.Format, err)
		}
		r.turned = pool
	}
	out := r.turned.Get()
	if err := f.RotateInto(out, r.turns); err != nil {
		out.Release()
		return nil, fmt.Errorf("ffmpeg: %q: %w", r.shown, err)
	}
	return out, nil
}
