package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// The H.264 an MP4 export encodes a stream of pictures into (a USB camera's
// MJPEG passed through, a raw stream), as ffmpeg -i cam.avi cam.mp4 does
// with libx264: CRF 18, close to the pictures it is given at any size, at
// libx264's veryfast preset, and a keyframe every EncodedGOP pictures for
// players to seek to. The pictures keep their capture times.
const (
	EncodedCRF    = 18
	EncodedPreset = "veryfast"
	EncodedGOP    = 60
)

// writeEncodedMP4 writes the MP4 of the resolved range s of stream, a
// stream of pictures that each decode alone (JPEG, Raw), encoded as H.264.
// A picture that does not decode is skipped and counted damaged, as a
// record that does not decode is.
func writeEncodedMP4(ctx context.Context, stream string, s span, path string, progress Progress) (Result, error) {
	dec, err := newDecoder(s.info)
	if err != nil {
		return Result{}, err
	}
	defer dec.Close()
	sizes, err := scanSizes(ctx, stream, s, progress.of(ScanningKeyframes))
	if err != nil {
		return Result{}, err
	}
	var e *mp4Encode
	res, err := writeTrack(ctx, stream, s, path, progress, func(tmp string) track {
		e = &mp4Encode{mp4: mp4Export{path: path, tmp: tmp, inBand: len(sizes) > 0}, dec: dec, origin: s.origin}
		return e
	})
	if err != nil {
		return Result{}, err
	}
	res.Encoded, res.Cropped = s.info.Codec, e.cropped
	res.ParameterSetsChange, res.SizeChanges = len(sizes) > 0, sizes
	return res, nil
}

// scanSizes returns where the picture size of the range changes: the MP4
// track is then avc3, each encoder's keyframes carrying their own SPS. A
// step between two pictures longer than an MP4 holds is a *GapError.
func scanSizes(ctx context.Context, stream string, s span, progress func(done, total int)) ([]SizeChange, error) {
	cur, err := openParts(stream, s)
	if err != nil {
		return nil, err
	}
	defer cur.Close()
	count := progressCount{report: progress, total: s.total}
	gaps := gapWatch{stream: stream, origin: s.origin}
	var sizes []SizeChange
	var last *media.Packet
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		p, err := cur.Next()
		switch {
		case errors.Is(err, io.EOF):
			count.finish()
			return sizes, gaps.end()
		case err != nil && !errors.Is(err, storage.ErrCorruptRecord):
			return nil, err
		}
		count.count()
		if err != nil {
			continue
		}
		if err := gaps.see(p); err != nil {
			return nil, err
		}
		if last != nil && (p.Width != last.Width || p.Height != last.Height) {
			sizes = append(sizes, SizeChange{At: p.CaptureTime, Width: p.Width, Height: p.Height})
		}
		last = p
	}
}

// mp4Encode decodes each picture and encodes it into the MP4's track with
// an encoder opened for its size.
type mp4Encode struct {
	mp4    mp4Export
	dec    codecs.Decoder
	enc    *ffmpeg.H264Encoder
	width  int // enc's picture size
	height int
	origin time.Time // the recording's start, which messages count from
	// cropped tells that a picture of an odd width or height lost its
	// last column or row.
	cropped bool
}

func (e *mp4Encode) run(r *packetReader) (Result, error) {
	var res Result
	for {
		p, err := r.next()
		if errors.Is(err, io.EOF) {
			return res, nil
		}
		if err != nil {
			return res, err
		}
		frames, err := e.dec.Decode(p)
		if errors.Is(err, codecs.ErrCorrupt) {
			r.skipDamaged()
			continue
		}
		if err != nil {
			return res, err
		}
		for _, f := range frames {
			err := e.encode(f)
			f.Release()
			if err != nil {
				return res, err
			}
			res.Frames++
			res.Duration = max(res.Duration, f.CaptureTime.Sub(e.mp4.start))
		}
	}
}

// encode encodes f, with a new encoder when its size is not the last one's,
// and writes its packet.
func (e *mp4Encode) encode(f *media.Frame) error {
	f, cut := f.EvenSides()
	e.cropped = e.cropped || cut
	if e.enc == nil || f.Width != e.width || f.Height != e.height {
		if e.enc != nil {
			e.enc.Close()
			e.enc = nil
		}
		enc, err := ffmpeg.NewH264Encoder(f.Width, f.Height, ffmpeg.WithPreset(EncodedPreset), ffmpeg.WithCRF(EncodedCRF),
			ffmpeg.WithGOP(EncodedGOP), ffmpeg.WithDescriptionOf(f))
		if err != nil {
			return fmt.Errorf("export: encoding the %dx%d pictures from %s as H.264: %w",
				f.Width, f.Height, sinceStart(f.CaptureTime, e.origin), err)
		}
		e.enc, e.width, e.height = enc, f.Width, f.Height
	}
	p, err := e.enc.Encode(f)
	if err != nil {
		return err
	}
	return e.mp4.write(p)
}

func (e *mp4Encode) close() error {
	if e.enc != nil {
		e.enc.Close()
		e.enc = nil
	}
	return e.mp4.close()
}
