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
// file at path, which any player plays; the pictures of a JPEG or raw
// stream are encoded as H.264 for it (Result.Encoded says so). A zero from
// is the stream's start, a zero to its end; the file starts at the keyframe
// at or before from, and each picture's presentation time is its capture
// time minus the first picture's, and its decode time that less its
// composition offset. The range is read twice: its keyframes (or sizes)
// first, before anything is written (progress is told ScanningKeyframes),
// then every packet as it is written (Writing).
//
// A stream of another codec returns ErrUnsupportedCodec; see the package
// documentation for the files it writes and the damage it skips.
func MP4(ctx context.Context, rec *storage.Recording, stream string, from, to time.Time, path string, progress Progress) (Result, error) {
	s, err := resolve(rec, stream, from, to)
	if err != nil {
		return Result{}, err
	}
	return writeMP4(ctx, stream, s, path, progress)
}

// MP4Files is MP4 over recs, the files of one recording in the order of
// time (a split recording's, or those of a recording that went on in a
// new file where the stream's picture size changed): the stream goes on
// from one file to the next, and its range counts over them all. Files
// without the stream, or without packets of it in the range, are passed
// over; a stream whose packets in one file do not all come before those in
// the next returns ErrFilesOverlap. A change of picture size or parameter
// sets between files makes an avc3 track, as within one file.
func MP4Files(ctx context.Context, recs []*storage.Recording, stream string, from, to time.Time, path string, progress Progress) (Result, error) {
	s, err := resolveFiles(recs, stream, from, to)
	if err != nil {
		return Result{}, err
	}
	return writeMP4(ctx, stream, s, path, progress)
}

// writeMP4 writes the MP4 of the resolved range s of stream.
func writeMP4(ctx context.Context, stream string, s span, path string, progress Progress) (Result, error) {
	if err := s.oneCodec(stream); err != nil {
		return Result{}, err
	}
	switch s.info.Codec {
	case media.H264:
	case media.JPEG, media.Raw:
		return writeEncodedMP4(ctx, stream, s, path, progress)
	default:
		return Result{}, fmt.Errorf("%w: MP4 takes H.264, JPEG or raw pictures; stream %q of %s is %v", ErrUnsupportedCodec, stream, s.label, s.info.Codec)
	}
	changes, err := scanKeyframes(ctx, stream, s, path, progress.of(ScanningKeyframes))
	if err != nil {
		return Result{}, err
	}
	res, err := writeTrack(ctx, stream, s, path, progress, func(tmp string) track {
		return &mp4Export{path: path, tmp: tmp, inBand: changes.paramSets}
	})
	if err != nil {
		return Result{}, err
	}
	res.ParameterSetsChange, res.SizeChanges = changes.paramSets, changes.sizes
	return res, nil
}

// track writes the packets of a range into an MP4's temporary file.
type track interface {
	// run writes the packets r reads, and counts what it wrote.
	run(r *packetReader) (Result, error)
	// close finishes the file.
	close() error
}

// writeTrack writes the range s of stream into the track that open makes
// in a temporary file beside path, and puts it at path once it is whole.
func writeTrack(ctx context.Context, stream string, s span, path string, progress Progress, open func(tmp string) track) (Result, error) {
	r, err := newPacketReader(ctx, stream, s, progress.of(Writing))
	if err != nil {
		return Result{}, err
	}
	tmp, err := reserveTemp(path)
	if err != nil {
		var res Result
		r.finish(&res)
		return Result{}, err
	}
	t := open(tmp)
	res, err := t.run(r)
	r.finish(&res)
	if cerr := t.close(); err == nil {
		err = cerr
	}
	if err == nil && res.Frames == 0 {
		err = fmt.Errorf("%w: stream %q of %s: no picture in the range decodes", ErrEmptyRange, stream, s.label)
	}
	if err != nil {
		discard(tmp)
		return Result{}, noRoom(path, err)
	}
	if res.Bytes, err = commit(tmp, path); err != nil {
		discard(tmp)
		return Result{}, noRoom(path, err)
	}
	res.Streams = []string{stream}
	return res, nil
}

// keyframeChanges is what the keyframes of a range change: their SPS or
// PPS, which an avc3 track holds (each keyframe carrying its own), and
// among them the picture size.
type keyframeChanges struct {
	paramSets bool
	sizes     []SizeChange
}

// scanKeyframes reads the keyframes of the range, before anything is
// written, since an MP4 track's sample entry is chosen at its start, and
// the steps between all its packets, which a *GapError refuses when one
// is longer than an MP4 holds.
// Records that do not decode are left out, as the export leaves them out.
// progress, when not nil, is told of each record read.
func scanKeyframes(ctx context.Context, stream string, s span, path string, progress func(done, total int)) (keyframeChanges, error) {
	var c keyframeChanges
	cur, err := openParts(stream, s)
	if err != nil {
		return c, err
	}
	defer cur.Close()
	count := progressCount{report: progress, total: s.total}
	gaps := gapWatch{stream: stream, origin: s.origin}
	var last *media.Packet
	var sps, pps []byte
	for {
		if err := ctx.Err(); err != nil {
			return c, fmt.Errorf("export: %w", err)
		}
		p, err := cur.Next()
		if !errors.Is(err, io.EOF) {
			count.count()
		}
		switch {
		case errors.Is(err, io.EOF):
			count.finish()
			return c, gaps.end()
		case errors.Is(err, storage.ErrCorruptRecord):
			continue
		case err != nil:
			return c, err
		}
		if err := gaps.see(p); err != nil {
			return c, err
		}
		if !p.Key {
			continue
		}
		ksps, kpps, err := paramSets(p)
		if err != nil {
			return c, fmt.Errorf("export: %s: keyframe captured %s: %w", path, sinceStart(p.CaptureTime, s.origin), err)
		}
		if last != nil && (p.Width != last.Width || p.Height != last.Height) {
			c.sizes = append(c.sizes, SizeChange{At: p.CaptureTime, Width: p.Width, Height: p.Height})
		}
		if last != nil && (!bytes.Equal(ksps, sps) || !bytes.Equal(kpps, pps)) {
			c.paramSets = true
		}
		last, sps, pps = p, ksps, kpps
	}
}

// mp4Export holds one MP4 export's writer, made at the first packet, which
// gives the track its size and first parameter sets.
type mp4Export struct {
	path, tmp string
	inBand    bool // the parameter sets change: an avc3 track
	w         *ffmpeg.MP4Writer
	start     time.Time // capture time of the first picture
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
	if m.w == nil {
		w, err := ffmpeg.CreateMP4(m.tmp, p.Width, p.Height)
		if err != nil {
			return err
		}
		m.w, m.start = w, p.CaptureTime
		if m.inBand {
			if err := m.w.KeepParameterSets(); err != nil {
				return err
			}
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
