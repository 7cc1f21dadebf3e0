package export

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// MP4 writes the H.264 packets of stream captured in [from, to) to an MP4
// file at path, which any player plays. A zero from is the stream's start,
// a zero to its end; the file starts at the keyframe at or before from, and
// each picture's presentation time is its capture time minus the first
// picture's, and its decode time that less its composition offset. progress, when not nil, is called after each packet read with
// the packets read so far and the number expected (an estimate for a part
// of the stream, exact at the last call).
//
// A stream of another codec returns ErrUnsupportedCodec; see the package
// documentation for the files it writes and the damage it skips.
func MP4(ctx context.Context, rec *storage.Recording, stream string, from, to time.Time, path string, progress func(done, total int)) (Result, error) {
	s, err := resolve(rec, stream, from, to)
	if err != nil {
		return Result{}, err
	}
	if s.info.Codec != media.H264 {
		return Result{}, fmt.Errorf("%w: MP4 takes H.264; stream %q of %s is %v", ErrUnsupportedCodec, stream, rec.Path(), s.info.Codec)
	}
	r, err := newPacketReader(ctx, rec, stream, s, progress)
	if err != nil {
		return Result{}, err
	}
	m := &mp4Export{path: path, tmp: tempPath(path)}
	res, err := m.run(r)
	r.finish(&res)
	if cerr := m.close(); err == nil {
		err = cerr
	}
	if err == nil && res.Frames == 0 {
		err = fmt.Errorf("%w: stream %q of %s: no packet in the range decodes", ErrEmptyRange, stream, rec.Path())
	}
	if err != nil {
		discard(path)
		return Result{}, err
	}
	if res.Bytes, err = commit(m.tmp, path); err != nil {
		discard(path)
		return Result{}, err
	}
	res.Streams = []string{stream}
	return res, nil
}

// mp4Export holds one MP4 export's writer, made at the first packet, which
// gives the track its size and parameter sets.
type mp4Export struct {
	path, tmp     string
	w             *ffmpeg.MP4Writer
	width, height int
	sps, pps      []byte
	start         time.Time // capture time of the first picture
}

func (m *mp4Export) run(r *packetReader) (Result, error) {
	var res Result
	for {
		p, err := r.next()
		if errors.Is(err, io.EOF) {
			return res, nil
		}
		if err != nil {
			return res, err
		}
		if err := m.write(p); err != nil {
			return res, err
		}
		res.Frames++
		res.Duration = max(res.Duration, p.CaptureTime.Sub(m.start)) // B-frames come before older pictures
	}
}

func (m *mp4Export) write(p *media.Packet) error {
	if p.Key {
		sps, pps, err := paramSets(p)
		if err != nil {
			return fmt.Errorf("export: %s: keyframe captured at %v: %w", m.path, p.CaptureTime, err)
		}
		if m.w == nil {
			if m.w, err = ffmpeg.CreateMP4(m.tmp, p.Width, p.Height); err != nil {
				return err
			}
			m.width, m.height, m.sps, m.pps, m.start = p.Width, p.Height, sps, pps, p.CaptureTime
		} else if p.Width != m.width || p.Height != m.height {
			return fmt.Errorf("%w: %s: %dx%d, then %dx%d from %v; export the parts before and after it separately",
				ErrStreamChanged, m.path, m.width, m.height, p.Width, p.Height, p.CaptureTime)
		} else if !bytes.Equal(sps, m.sps) || !bytes.Equal(pps, m.pps) {
			return fmt.Errorf("%w: %s: new SPS or PPS from %v; export the parts before and after it separately",
				ErrStreamChanged, m.path, p.CaptureTime)
		}
	}
	return m.w.WritePacket(p, p.CaptureTime.Sub(m.start))
}

// paramSets returns the SPS and PPS that a keyframe carries in front of its
// IDR slice.
func paramSets(p *media.Packet) (sps, pps []byte, err error) {
	nalus, err := h264.SplitAnnexB(p.Data)
	if err != nil {
		return nil, nil, err
	}
	for _, n := range nalus {
		switch h264.TypeOf(n) {
		case h264.NALUTypeSPS:
			sps = n
		case h264.NALUTypePPS:
			pps = n
		}
	}
	if sps == nil || pps == nil {
		return nil, nil, errors.New("no SPS or PPS in front of its IDR")
	}
	return sps, pps, nil
}

// close writes the MP4 index and closes the file.
func (m *mp4Export) close() error {
	if m.w == nil {
		return nil
	}
	err := m.w.Close()
	m.w = nil
	return err
}
