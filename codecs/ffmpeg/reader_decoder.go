package ffmpeg

import (
	"errors"
	"fmt"
	"io"

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
	out.Aspect, out.Colour = f.Aspect.Turned(r.turns), f.Colour
	return out, nil
}

// ReadFrame returns the next decoded picture, or io.EOF at the end of the
// stream.
//
// Decoding starts at the stream's first keyframe: the packets before it (a
// live stream joined part-way, a file cut inside a GOP) are skipped,
// counted BeforeKeyframe, not as damage.
//
// Damage inside a file, or a file cut short, does not end the stream. By
// default the Reader is strict like Decoder: a packet FFmpeg rejects is
// counted Undecodable, a picture it flags as damaged is left out, and so are
// the pictures of the packets after damage up to the next keyframe, counted
// Damaged, since they would be built on a broken reference; that keyframe's
// GOP comes out whole, even when a B-frame stream's reordering shows the
// damage only after the keyframe was read. With WithDamageConcealed the
// pictures FFmpeg concealed come out marked Concealed, counted Concealed.
func (r *Reader) ReadFrame() (*media.Frame, error) {
	if r.dec == nil {
		return nil, errors.New("ffmpeg: ReadFrame on a passthrough reader (use ReadPacket)")
	}
	r.readTook = 0
	for {
		err := r.dec.ReceiveFrame(r.frame)
		switch {
		case err == nil:
			r.failing = 0
			if f, err := r.picture(); f != nil || err != nil {
				return f, err
			}
			continue
		case errors.Is(err, astiav.ErrEof):
			return nil, r.end()
		case isDamage(err):
			// The damage of a packet sent before; FFmpeg does not say which.
			if err := r.decodeFailed(r.damage.last(), err); err != nil {
				return nil, err
			}
			continue
		case !errors.Is(err, astiav.ErrEagain):
			return nil, fmt.Errorf("ffmpeg: decoding %q: %w", r.shown, err)
		}
		if r.fed {
			return nil, r.end()
		}
		if err := r.feed(); err != nil {
			return nil, err
		}
	}
}

// picture converts the decoded picture in r.frame, or returns nil when a
// strict Reader leaves it out for damage.
func (r *Reader) picture() (*media.Frame, error) {
	corrupt := frameCorrupt(r.frame)
	if !r.cfg.conceal {
		at := r.damage.last()
		if pos := framePacketPos(r.frame); pos >= 0 {
			at = uint64(pos) // the index feed gave its packet
		}
		r.damage.cameOut(at)
		keep, count := r.damage.picture(at)
		if keep && corrupt {
			keep, count = false, true
			r.damage.damaged(at)
		}
		if !keep {
			r.frame.Unref()
			if count {
				r.stats.Damaged++
			}
			return nil, nil
		}
	}
	if r.cfg.conceal {
		corrupt = r.smear.picture(corrupt, r.frame.KeyFrame())
	}
	ts := bestEffortTimestamp(r.frame)
	if err := r.deinterlace(); err != nil {
		r.frame.Unref()
		return nil, err
	}
	aspect := r.squarePixels()
	f, err := r.scale.convert(r.frame, aspect)
	r.frame.Unref()
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: %q: %w", r.shown, err)
	}
	if r.turns > 0 {
		if f, err = r.turn(f); err != nil {
			return nil, err
		}
	}
	if corrupt {
		r.stats.Concealed++
	}
	f.Seq, f.Concealed = r.seq, corrupt
	r.seq++
	jumps := r.times.jumps
	f.CaptureTime = r.times.picture(ts)
	r.sayJump(jumps, "picture", f.Seq)
	return f, nil
}

// feed sends the decoder the next packet of the video stream, or the end
// of the stream after the last. A strict Reader after damage leaves
// packets out until the next keyframe.
func (r *Reader) feed() error {
	err := r.readVideoPacket()
	if err == io.EOF {
		r.fed = true
		r.countCutY4M()
		// What the decoder holds still comes out after damage here (a
		// last packet cut short); what it cannot decode is counted.
		err := r.dec.SendPacket(nil)
		if err != nil && !errors.Is(err, astiav.ErrEof) && !isDamage(err) {
			return fmt.Errorf("ffmpeg: flushing decoder of %q: %w", r.shown, err)
		}
		if isDamage(err) {
			return r.decodeFailed(r.damage.last(), err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	defer r.pkt.Unref()
	if r.rawStream && r.rawSize == 0 {
		r.rawSize = r.pkt.Size() // a container's raw pictures are all the size of its first
	}
	if r.pkt.Size() < r.rawSize {
		r.stats.Truncated++ // the last, as the input ended inside it
		return nil
	}
	key := r.pkt.Flags().Has(astiav.PacketFlagKey)
	if r.waitingForKeyframe(key) {
		return nil
	}
	if !r.cfg.conceal && r.damage.skip(key) {
		r.stats.Damaged++
		return nil
	}
	at := r.damage.sent(key)
	r.lastSent, r.lastSentEnd, r.lostSent = at, r.dataEnd, r.lostRead
	r.stats.Damaged += r.damage.takeLost()
	// The packet's position in the file is of no use to the decoder; its
	// index names the packet of each picture that comes out (see picture).
	r.pkt.SetPos(int64(at))
	r.failing = 0
	err = r.dec.SendPacket(r.pkt)
	if isDamage(err) {
		return r.decodeFailed(at, err)
	} else if err != nil {
		return fmt.Errorf("ffmpeg: decoding %q: %w", r.shown, err)
	}
	return nil
}

// squarePixels returns the aspect of the pixels of the decoded picture in
// r.frame, the stream's (or the picture's own, where the container states
// none), and sets the scaler to make them square, unless WithSize's size
// or WithoutSquarePixels says otherwise.
func (r *Reader) squarePixels() PixelAspect {
	aspect := aspectOf(r.fc.GuessSampleAspectRatio(r.stream, r.frame))
	if r.cfg.squarePixels && r.cfg.width == 0 {
		r.scale.makeSquare(r.frame, aspect)
	}
	return aspect
}

// deinterlace deinterlaces the decoded picture in r.frame as
// WithReaderDeinterlace asks, and says once in the log when its pixel
// format cannot be.
func (r *Reader) deinterlace() error {
	unsupported, err := r.deint.picture(r.frame)
	if err != nil {
		return fmt.Errorf("ffmpeg: %q: %w", r.shown, err)
	}
	if log := r.logger(); unsupported && r.deint.Unsupported == 1 && log != nil {
		log.Warn().Str("location", r.shown).Str("pixel_format", r.frame.PixelFormat().String()).
			Msg("the stream's pictures are interlaced, but only pictures of 8-bit samples are deinterlaced: these go on with both fields woven")
	}
	return nil
}
