package export

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/gopline/gopline/codecs"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/codecs/jpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// PNG writes the picture of stream (H.264, JPEG or Raw) shown at each of
// times as a PNG file in dir (created if needed), and returns the files'
// paths in the order of times. The picture shown at t is the latest one captured at or before t:
// PNG seeks to the keyframe at or before t and decodes from there, discarding
// the pictures before t (from the keyframe before it when t lies within the
// sweep of an intra refresh that starts at that keyframe, whose pictures
// show only after it). Times in increasing order within a GOP share its
// decoding.
//
// A file's name is the stream's name (without leading slashes, other
// slashes made dashes) and t's offset from the recording's start, the
// earliest capture time of any of its streams, in milliseconds:
// "camera-000012.345s.png". Two times in the same millisecond share a file.
//
// Every time is checked before anything is written: a time before the
// stream's first packet or after its last returns ErrOutOfRange. A time
// whose picture does not decode (its packets are damaged) is left out and
// the others are written: the error then joins one ErrNoPicture per time
// left out, and the paths are those written. Messages give times from the
// recording's start.
//
// When ctx ends, PNG stops before the next picture, or within the
// decoding that leads to it, and returns the paths written so far with an
// error wrapping ctx's: each of them is a whole picture, and no temporary
// file is left.
func PNG(ctx context.Context, rec *storage.Recording, stream string, times []time.Time, dir string) ([]string, error) {
	return PNGFiles(ctx, []*storage.Recording{rec}, stream, times, dir)
}

// PNGFile writes the picture of stream shown at t as a PNG file at path, as
// PNG does for one time: through a temporary file beside it, into a directory that must
// exist. Its errors, and what it leaves when ctx ends, are those of PNG.
func PNGFile(ctx context.Context, rec *storage.Recording, stream string, t time.Time, path string) error {
	return PNGFileFiles(ctx, []*storage.Recording{rec}, stream, t, path)
}

// PNGFiles is PNG over recs, the files of one recording in the order of
// time, as MP4Files takes them: the picture shown at t is the latest
// captured at or before t in any of them (in a pause between two files,
// the earlier one's last), decoded from its own file, whose codec may
// differ from the others'; names count from the earliest capture time of
// them all. A stream's packets in one file must all come before those in
// the next (else ErrFilesOverlap).
func PNGFiles(ctx context.Context, recs []*storage.Recording, stream string, times []time.Time, dir string) ([]string, error) {
	mkdir := func() error { return os.MkdirAll(dir, 0o755) }
	return writePictures(ctx, recs, stream, times, mkdir, func(offset time.Duration) string {
		return filepath.Join(dir, PNGName(stream, offset))
	})
}

// PNGFileFiles is PNGFile over recs, the files of one recording, as
// PNGFiles takes them.
func PNGFileFiles(ctx context.Context, recs []*storage.Recording, stream string, t time.Time, path string) error {
	_, err := writePictures(ctx, recs, stream, []time.Time{t}, nil, func(time.Duration) string { return path })
	return err
}

// writePictures writes the picture shown at each of times to the path that
// name gives for its offset from the recording's start. prepare, when not
// nil, runs once the times are checked, before the first picture.
func writePictures(ctx context.Context, recs []*storage.Recording, stream string, times []time.Time, prepare func() error, name func(offset time.Duration) string) ([]string, error) {
	s, err := picturesSpan(recs, stream, times)
	if err != nil || len(times) == 0 {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("export: %w", err) // before the directory is made
	}
	if prepare != nil {
		if err := prepare(); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
	}
	pr := &partReader{ctx: ctx, stream: stream, s: s}
	defer pr.close()
	var paths []string
	var missing []error
	for _, t := range times {
		f, err := pr.at(t)
		if errors.Is(err, ErrNoPicture) {
			missing = append(missing, err)
			continue
		}
		if err != nil {
			return paths, err
		}
		path := name(t.Sub(s.origin))
		if err := writePNG(f, path); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, errors.Join(missing...)
}

// picturesSpan resolves the stream over recs and checks every time and
// every part's codec before anything is written: a time before the
// stream's first packet or after its last returns ErrOutOfRange.
func picturesSpan(recs []*storage.Recording, stream string, times []time.Time) (span, error) {
	s, err := resolveFiles(recs, stream, time.Time{}, time.Time{})
	switch {
	case errors.Is(err, ErrEmptyRange) && len(times) == 0:
		return span{}, nil // no time to check
	case errors.Is(err, ErrEmptyRange):
		return span{}, fmt.Errorf("%w: %w", ErrOutOfRange, err)
	case err != nil:
		return span{}, err
	}
	first, last := s.parts[0].from, s.parts[len(s.parts)-1].to.Add(-time.Nanosecond)
	for _, t := range times {
		if t.Before(first) || t.After(last) {
			return span{}, fmt.Errorf("%w: %v from the start of %s is not within stream %q, which spans %v to %v",
				ErrOutOfRange, t.Sub(s.origin), s.label, stream, first.Sub(s.origin), last.Sub(s.origin))
		}
	}
	for _, p := range s.parts {
		if err := canDecode(p.info); err != nil {
			return span{}, err
		}
	}
	return s, nil
}

// partReader decodes the pictures shown at given times from the part of
// a span that holds each (partAt), with a pictureReader of that part's
// file and codec, kept while the times stay in it.
type partReader struct {
	ctx    context.Context
	stream string
	s      span
	part   int
	pr     *pictureReader // of part; nil before the first time
}

// at returns the picture shown at t.
func (r *partReader) at(t time.Time) (*media.Frame, error) {
	i := partAt(r.s.parts, t)
	if r.pr == nil || i != r.part {
		r.close()
		p := r.s.parts[i]
		dec, err := newDecoder(p.info)
		if err != nil {
			return nil, err
		}
		r.part, r.pr = i, &pictureReader{ctx: r.ctx, rec: p.rec, stream: r.stream, dec: dec, start: r.s.origin}
	}
	return r.pr.at(t)
}

// close closes the reader of the part being read and its decoder.
func (r *partReader) close() {
	if r.pr != nil {
		r.pr.close()
		r.pr.dec.Close()
		r.pr = nil
	}
}

// PNGName is the name PNG gives the picture of stream at offset from the
// recording's start ("camera-000012.345s.png"), so that a caller can look
// for a file of that name before it exports. Letters and digits of any
// script are kept (/前/image and /後/image are two cameras), "/" becomes
// "-", and other characters "_".
func PNGName(stream string, offset time.Duration) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r == '/':
			return '-'
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, strings.TrimLeft(stream, "/"))
	if strings.Trim(name, ".") == "" {
		name = "stream"
	}
	ms := offset.Milliseconds()
	return fmt.Sprintf("%s-%06d.%03ds.png", name, ms/1000, ms%1000)
}

// writePNG writes f as a PNG file at path, through a temporary file.
func writePNG(f *media.Frame, path string) error {
	img, err := f.Image()
	if err != nil {
		return fmt.Errorf("export: %s: %w", path, err)
	}
	out, err := createTemp(path)
	if err != nil {
		return err
	}
	err = png.Encode(out, img)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		_, err = commit(out.Name(), path)
	}
	if err != nil {
		discard(out.Name())
		return outputError(path, err)
	}
	return nil
}

// newDecoder returns a decoder for the stream's codec. H.264 is decoded
// straight to RGB, as ffmpeg's PNG encoder takes it: a 4:2:2 or 4:4:4
// stream keeps its chroma, which a 4:2:0 picture on the way would halve.
// Its pixels are made square where its SPS says they are not (a PAL
// camera's 720x576 at 64:45 gives 1024x576), as players show them: a PNG
// has no aspect of its own.
func newDecoder(info storage.StreamInfo) (codecs.Decoder, error) {
	switch info.Codec {
	case media.H264:
		return ffmpeg.NewH264Decoder(ffmpeg.WithOutputFormat(media.RGB24), ffmpeg.WithSquarePixels())
	case media.JPEG:
		return jpeg.NewDecoder()
	case media.Raw:
		return rawDecoder{}, nil
	}
	return nil, canDecode(info)
}

// canDecode is the error of a stream whose codec PNG cannot decode, nil
// for one it decodes (newDecoder).
func canDecode(info storage.StreamInfo) error {
	switch info.Codec {
	case media.H264, media.JPEG, media.Raw:
		return nil
	}
	return fmt.Errorf("%w: PNG cannot decode stream %q of codec %v", ErrUnsupportedCodec, info.Name, info.Codec)
}

// rawDecoder makes a Frame of a Raw packet's packed planes.
type rawDecoder struct{}

func (rawDecoder) Decode(p *media.Packet) ([]*media.Frame, error) {
	f, err := media.FrameFromPacked(p.Format, p.Width, p.Height, p.Data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", codecs.ErrCorrupt, err)
	}
	f.Seq, f.CaptureTime = p.Seq, p.CaptureTime
	return []*media.Frame{f}, nil
}

func (rawDecoder) Close() error { return nil }

// pictureReader decodes the pictures shown at given times. It keeps its
// Cursor and decoder between times, so that a later time whose keyframe it
// has already passed goes on decoding from where the previous one stopped
// instead of seeking back. A stream with reordering (B-frames) holds
// pictures back in the decoder: for it, each time drains the decoder, and
// the next one seeks again.
type pictureReader struct {
	ctx    context.Context // its end stops the decoding
	rec    *storage.Recording
	stream string
	dec    codecs.Decoder
	start  time.Time // the recording's start, which messages count from

	cur       *storage.Cursor
	index     uint64        // index of the last packet (or record) read from cur
	key       *media.Packet // the keyframe cur started at
	next      *media.Packet // read from cur but decoded after last
	frame     *media.Frame  // the picture shown at last, nil when it did not decode
	ahead     []*media.Frame
	last      time.Time // the time asked for last
	reordered bool      // a packet had a composition offset
}

// at returns the picture shown at t: the latest one captured at or before
// t. Every such picture is decoded before the first packet decoded after t.
//
// A decoder that starts at an intra refresh's recovery point shows no
// picture until the refresh has swept it: a t within the sweep is decoded
// from the keyframe before, through the recovery point.
func (pr *pictureReader) at(t time.Time) (*media.Frame, error) {
	f, err := pr.decodeAt(t, t)
	if errors.Is(err, ErrNoPicture) && refreshes(pr.key) {
		if g, gerr := pr.decodeAt(pr.key.CaptureTime.Add(-time.Nanosecond), t); gerr == nil {
			return g, nil
		}
	}
	return f, err
}

// refreshes reports whether key is an H.264 recovery point whose pictures
// are correct only some frames after it: an intra refresh's.
func refreshes(key *media.Packet) bool {
	if key == nil || key.Codec != media.H264 {
		return false
	}
	nalus, err := h264.SplitAnnexB(key.Data)
	if err != nil || h264.AccessOf(nalus) != h264.AccessRecoveryPoint {
		return false
	}
	rp, _ := h264.FindRecoveryPoint(nalus)
	return rp.FrameCount > 0
}

// decodeAt decodes the picture shown at t, from the keyframe at or before
// from when it has not passed it yet.
func (pr *pictureReader) decodeAt(from, t time.Time) (*media.Frame, error) {
	if err := pr.seek(from, t); err != nil {
		return nil, err
	}
	for {
		if err := pr.ctx.Err(); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		p := pr.next
		pr.next = nil
		if p == nil {
			var err error
			p, err = pr.cur.Next()
			pr.index = pr.cur.Index()
			switch {
			case errors.Is(err, io.EOF):
				return pr.picture(t)
			case errors.Is(err, storage.ErrCorruptRecord):
				// The decoder sees the hole in Seq and waits for a keyframe.
				continue
			case err != nil:
				return nil, err
			}
		}
		if p.DecodeTime().After(t) {
			pr.next = p
			return pr.picture(t)
		}
		pr.reordered = pr.reordered || p.CompositionOffset != 0
		frames, err := pr.dec.Decode(p)
		switch {
		case errors.Is(err, codecs.ErrCorrupt) || errors.Is(err, codecs.ErrNeedKeyframe):
			pr.frame, pr.ahead = nil, nil
		case err != nil:
			return nil, err
		}
		pr.offer(frames, t)
	}
}

// seek positions the reader for t at the keyframe at or before from: it
// goes on from where it stopped when that keyframe was read already, and
// seeks afresh otherwise.
func (pr *pictureReader) seek(from, t time.Time) error {
	seek, err := pr.rec.Seek(pr.stream, from)
	if err != nil {
		return err
	}
	key, err := seek.Next()
	if err != nil && !errors.Is(err, storage.ErrCorruptRecord) {
		seek.Close()
		return err
	}
	if pr.cur != nil && !t.Before(pr.last) && seek.Index() <= pr.index {
		seek.Close() // the keyframe was read already: go on from there
		pr.last = t
		pr.offer(nil, t)
		return nil
	}
	pr.close()
	if err := pr.restart(); err != nil {
		seek.Close()
		return err
	}
	pr.cur, pr.index, pr.next, pr.frame, pr.ahead, pr.last = seek, seek.Index(), key, nil, nil, t
	pr.key = key
	return nil
}

// offer takes decoded pictures, in presentation order: the latest one
// captured at or before t is shown at t, the later ones wait for a later
// time.
func (pr *pictureReader) offer(frames []*media.Frame, t time.Time) {
	pr.ahead = append(pr.ahead, frames...)
	n := 0
	for n < len(pr.ahead) && !pr.ahead[n].CaptureTime.After(t) {
		pr.frame = pr.ahead[n]
		n++
	}
	pr.ahead = pr.ahead[n:]
}

// restart makes the decoder start afresh at the keyframe of a new seek,
// which may lie before the packets it has decoded.
func (pr *pictureReader) restart() error {
	f, ok := pr.dec.(codecs.Flusher)
	if !ok {
		return nil
	}
	frames, err := f.Flush()
	for _, fr := range frames {
		fr.Release()
	}
	if errors.Is(err, codecs.ErrCorrupt) {
		return nil // damage at the old position does not matter at the new one
	}
	return err
}

func (pr *pictureReader) picture(t time.Time) (*media.Frame, error) {
	if pr.reordered || pr.frame == nil {
		// Pictures captured at or before t may still be in the decoder: a
		// stream with reordering holds them back, even after a first
		// packet without a composition offset (an MKV's, passed through).
		f, ok := pr.dec.(codecs.Flusher)
		if ok {
			frames, err := f.Flush()
			if err == nil {
				pr.offer(frames, t)
			}
		}
		pr.close() // the decoder starts afresh: the next time seeks again
	}
	if pr.frame == nil {
		// To the millisecond, as the pictures' file names.
		return nil, fmt.Errorf("%w: stream %q of %s at %v from its start: the packets leading to it are damaged",
			ErrNoPicture, pr.stream, pr.rec.Path(), t.Sub(pr.start).Truncate(time.Millisecond))
	}
	return pr.frame, nil
}

func (pr *pictureReader) close() {
	if pr.cur != nil {
		pr.cur.Close()
		pr.cur = nil
	}
}
