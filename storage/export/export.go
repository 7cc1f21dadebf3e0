package export

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// Result describes what an export wrote.
type Result struct {
	// Packets is how many packets were read from the recording, starting at
	// the keyframe at or before the range's start; records that did not
	// decode are not counted.
	Packets int
	// Frames is how many pictures the output holds: MP4 samples or MCAP
	// messages, one per packet written.
	Frames int
	// Skipped counts the records that did not decode and the deltas after
	// them that were left out because their keyframe chain broke.
	Skipped int
	// Damaged is how many of the Skipped were records that did not decode;
	// the rest were deltas whose chain had broken (after damage, or a gap).
	Damaged int
	// Bytes is the output file's size.
	Bytes int64
	// Duration is the span of capture times from the first picture written
	// to the last.
	Duration time.Duration
	// Streams names the streams the output holds, in the order asked: an
	// MCAP export leaves out those with nothing in its range.
	Streams []string
	// ParameterSetsChange tells that the H.264 SPS or PPS of an MP4
	// export's stream change within its range (a camera restarted with
	// other settings or another size): its track is avc3, each keyframe
	// carrying its own, rather than avc1 with them in the sample entry
	// alone.
	ParameterSetsChange bool
	// SizeChanges lists, in order, the keyframes of an MP4 export's range
	// at which the picture size changes (a file recorded before the store
	// refused such a change within a stream). The track's size is its
	// first picture's; the pictures decode at their own.
	SizeChanges []SizeChange
	// Encoded is the codec of an MP4 export's stream when its pictures were
	// encoded as H.264 for the MP4 (JPEG, Raw; see EncodedCRF); zero when
	// its H.264 packets were copied as recorded.
	Encoded media.Codec
	// Cropped tells that pictures of an odd width or height were encoded
	// without their last column or row: H.264's 4:2:0 pictures have even
	// sides.
	Cropped bool
	// Reordered names the H.264 streams of an MCAP export whose pictures
	// come out of decode order (B-frames), which Foxglove's CompressedVideo
	// does not play: it decodes without lookahead.
	Reordered []string
	// Undecodable lists the H.264 streams of an MCAP export whose SPS
	// names a picture format Foxglove does not decode (High 4:4:4, High
	// 4:2:2, High 10: see h264.PictureFormat.BrowserDecodable), each with
	// the first such format found: the file is whole, but Foxglove shows
	// nothing of them.
	Undecodable []UndecodableStream
	// BeforeEpoch lists the streams of an MCAP export with messages
	// captured before 1970 (a robot whose clock was not set, its time 0
	// less an offset), which neither an MCAP log time nor a Foxglove
	// timestamp holds: they are written at 1970-01-01T00:00:00Z, in their
	// order, and the rest at their own times.
	BeforeEpoch []BeforeEpochStream
}

// BeforeEpochStream is a stream of an MCAP export whose messages captured
// before 1970 were written at its start: how many, and the earliest
// capture time.
type BeforeEpochStream struct {
	Stream   string
	Messages int
	Earliest time.Time
}

// UndecodableStream is a stream of an export and the picture format of
// its that players such as Foxglove do not decode.
type UndecodableStream struct {
	Stream string
	Format h264.PictureFormat
}

// SizeChange is a keyframe at which a stream's picture size changes.
type SizeChange struct {
	At            time.Time // the keyframe's capture time
	Width, Height int       // the size from At on
}

// findStream returns the named stream's info, or an error wrapping
// storage.ErrNoStream that names the file and lists its streams.
func findStream(rec *storage.Recording, stream string) (storage.StreamInfo, error) {
	infos, err := rec.Streams()
	if err != nil {
		return storage.StreamInfo{}, err
	}
	names := make([]string, 0, len(infos))
	for _, info := range infos {
		if info.Name == stream {
			return info, nil
		}
		names = append(names, info.Name)
	}
	return storage.StreamInfo{}, fmt.Errorf("%w: %s has no stream %q (it has %s)", storage.ErrNoStream, rec.Path(), stream, listNames(names))
}

func listNames(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// span is an export's range resolved against the stream.
type span struct {
	info     storage.StreamInfo
	origin   time.Time // the recording's start, which messages count from
	from, to time.Time // [from, to) within the stream
	total    int       // packets expected, for progress
	// parts are the files the range is read from, in order: one, or
	// several of one recording (resolveFiles).
	parts []part
	label string // the files, for messages
}

// part is the range of a stream in one file.
type part struct {
	rec      *storage.Recording
	info     storage.StreamInfo // the stream as this file holds it
	from, to time.Time          // [from, to), to at most just past the stream's last packet
}

// oneCodec checks that the stream has one codec in all of s's parts, as a
// track or a channel holds one: a stream that changed its codec between
// files (an H.264 camera that went on as MJPEG) is exported a codec at a
// time.
func (s span) oneCodec(stream string) error {
	for _, p := range s.parts[1:] {
		if p.info.Codec != s.info.Codec {
			return fmt.Errorf("%w: stream %q is %v in %s and %v in %s: export the files of each codec on their own",
				ErrUnsupportedCodec, stream, s.info.Codec, s.parts[0].rec.Path(), p.info.Codec, p.rec.Path())
		}
	}
	return nil
}

// partAt is the index of the part of parts, in the order of time, that
// holds the picture shown at t: the last one whose range starts at or
// before t (a time in a pause between two files is shown the earlier
// file's last picture), or the first when t comes before them all.
func partAt(parts []part, t time.Time) int {
	i := 0
	for j, p := range parts {
		if !p.from.After(t) {
			i = j
		}
	}
	return i
}

// resolveFiles resolves the range [from, to) of stream over recs, the
// files of one recording in the order of time (a split recording, or one
// that went on in a new file where the stream's picture size changed):
// the files whose stream has packets in the range are read in turn. The
// stream's packets in one file must all come before those in the next.
func resolveFiles(recs []*storage.Recording, stream string, from, to time.Time) (span, error) {
	set := span{label: filesLabel(recs)}
	var empty, missing error // of the files passed over: a file with the stream says more
	for _, rec := range recs {
		all, err := rec.RecordingStats()
		if err != nil {
			return span{}, err
		}
		if all.Packets > 0 && (set.origin.IsZero() || all.First.Before(set.origin)) {
			set.origin = all.First
		}
		s, err := resolve(rec, stream, from, to)
		if errors.Is(err, ErrEmptyRange) {
			empty = cmp.Or(empty, err)
			continue
		}
		if errors.Is(err, storage.ErrNoStream) {
			missing = cmp.Or(missing, err)
			continue
		}
		if err != nil {
			return span{}, err
		}
		if n := len(set.parts); n > 0 && s.parts[0].from.Before(set.parts[n-1].to) {
			return span{}, fmt.Errorf("%w: stream %q of %s begins before it ends in %s: give the files in the order of time "+
				"(where the capture clock stepped back, which begins a new file, export each file on its own)",
				ErrFilesOverlap, stream, rec.Path(), set.parts[n-1].rec.Path())
		}
		if len(set.parts) == 0 {
			set.info, set.from = s.info, s.from
		}
		set.to, set.total, set.parts = s.to, set.total+s.total, append(set.parts, s.parts...)
	}
	if len(set.parts) == 0 {
		return span{}, cmp.Or(empty, missing)
	}
	return set, nil
}

// filesLabel names recs in messages.
func filesLabel(recs []*storage.Recording) string {
	paths := make([]string, len(recs))
	for i, rec := range recs {
		paths[i] = rec.Path()
	}
	return strings.Join(paths, ", ")
}

// resolve checks the stream and the range [from, to) of an export: a zero
// from is the stream's first packet, a zero to is just past its last.
func resolve(rec *storage.Recording, stream string, from, to time.Time) (span, error) {
	info, err := findStream(rec, stream)
	if err != nil {
		return span{}, err
	}
	st, err := rec.Stats(stream)
	if errors.Is(err, storage.ErrEmptyStream) || err == nil && st.Packets == 0 {
		return span{}, fmt.Errorf("%w: stream %q of %s holds no packets", ErrEmptyRange, stream, rec.Path())
	}
	if err != nil {
		return span{}, err
	}
	// Messages give times from the recording's start.
	all, err := rec.RecordingStats()
	if err != nil {
		return span{}, err
	}
	rel := func(t time.Time, zero string) string {
		if t.IsZero() {
			return zero
		}
		return t.Sub(all.First).String()
	}
	s := span{info: info, origin: all.First, from: from, to: to, label: rec.Path()}
	if s.from.IsZero() || s.from.Before(st.First) {
		s.from = st.First
	}
	if s.to.IsZero() {
		s.to = st.Last.Add(time.Nanosecond)
	}
	s.parts = []part{{rec: rec, info: info, from: s.from, to: s.to}}
	if past := st.Last.Add(time.Nanosecond); past.Before(s.to) {
		s.parts[0].to = past
	}
	switch {
	case !to.IsZero() && !from.IsZero() && !to.After(from):
		return span{}, fmt.Errorf("%w: stream %q of %s: the range ends (%s) before it starts (%s)", ErrEmptyRange,
			stream, rec.Path(), rel(to, ""), rel(from, ""))
	case s.from.After(st.Last) || !s.to.After(s.from):
		return span{}, fmt.Errorf("%w: stream %q of %s spans %s to %s from the recording's start, outside [%s, %s)", ErrEmptyRange,
			stream, rec.Path(), rel(st.First, ""), rel(st.Last, ""), rel(from, "start"), rel(to, "end"))
	}
	// An estimate for progress reports: the share of the stream's duration
	// that the range covers, plus a GOP for the lead-in from its keyframe.
	s.total = int(st.Packets)
	if st.Duration > 0 && (s.from.After(st.First) || !s.to.After(st.Last)) {
		end := s.to
		if end.After(st.Last) {
			end = st.Last
		}
		covered := end.Sub(s.from)
		s.total = int(float64(st.Packets)*covered.Seconds()/st.Duration.Seconds()+st.MeanGOP) + 1
		s.total = min(s.total, int(st.Packets))
	}
	return s, nil
}

// packetReader reads a range's packets and leaves out those that cannot
// decode: corrupt records, and the deltas after one (or after any other
// break of the chain rule, media.Chain) up to the next keyframe.
type packetReader struct {
	ctx      context.Context
	cur      *partsCursor
	progress progressCount // of the records read, corrupt or not
	corrupt  int           // records that did not decode
	skipped  int           // corrupt records and the deltas left out after them
	chain    media.Chain   // what the next packet returned must continue
}

func newPacketReader(ctx context.Context, stream string, s span, progress func(done, total int)) (*packetReader, error) {
	cur, err := openParts(stream, s)
	if err != nil {
		return nil, err
	}
	return &packetReader{ctx: ctx, cur: cur, progress: progressCount{report: progress, total: s.total}}, nil
}

// partsCursor reads a span's range of a stream from each of its parts in
// turn, as one storage.Cursor.
type partsCursor struct {
	stream string
	parts  []part // those still to read
	cur    *storage.Cursor
}

// openParts opens the cursor of s's first part.
func openParts(stream string, s span) (*partsCursor, error) {
	c := &partsCursor{stream: stream, parts: s.parts}
	return c, c.open()
}

// open opens the range of the next part.
func (c *partsCursor) open() error {
	p := c.parts[0]
	c.parts = c.parts[1:]
	cur, err := p.rec.Range(c.stream, p.from, p.to)
	c.cur = cur
	return err
}

// Next returns the next packet of the parts, or io.EOF after the last.
func (c *partsCursor) Next() (*media.Packet, error) {
	for {
		p, err := c.cur.Next()
		if !errors.Is(err, io.EOF) || len(c.parts) == 0 {
			return p, err
		}
		c.cur.Close()
		c.cur = nil
		if err := c.open(); err != nil {
			return nil, err
		}
	}
}

// Close closes the part being read.
func (c *partsCursor) Close() {
	if c.cur != nil {
		c.cur.Close()
		c.cur = nil
	}
}

// next returns the next packet that decodes, or io.EOF at the end of the
// range. Other errors end the export, and so does ctx's end.
func (r *packetReader) next() (*media.Packet, error) {
	for {
		if err := r.ctx.Err(); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		p, err := r.cur.Next()
		switch {
		case errors.Is(err, storage.ErrCorruptRecord):
			r.progress.count()
			r.corrupt++
			r.skipped++
			r.chain.Break()
			continue
		case err != nil:
			return nil, err
		}
		r.progress.count()
		if !r.chain.Take(p).Decodes() {
			r.skipped++
			continue
		}
		return p, nil
	}
}

// skipDamaged counts a packet that next returned but that does not decode
// (a picture its decoder refused) as a damaged record: skipped.
func (r *packetReader) skipDamaged() {
	r.corrupt++
	r.skipped++
}

// finish reports the final progress and fills in the counts of res.
func (r *packetReader) finish(res *Result) {
	r.cur.Close()
	res.Skipped, res.Damaged = r.skipped, r.corrupt
	res.Packets = r.progress.read - r.corrupt
	r.progress.finish()
}

// sinceStart says when t is in a message: its offset from the recording's
// start (origin), which export's --start, --end and --at take as it is
// printed, and its RFC 3339 time, which they take too.
func sinceStart(t, origin time.Time) string {
	return fmt.Sprintf("%v from the recording's start (%s)", t.Sub(origin), t.UTC().Format(time.RFC3339Nano))
}
