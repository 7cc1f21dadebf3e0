package export

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/internal/foxglove"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// mcapChunkSize is the uncompressed size of an MCAP chunk: a few seconds of
// a camera stream, so that a player seeking in the file decompresses little
// it does not show, and a damaged byte or a cut (a chunk is compressed
// whole, so either loses all of it) costs those seconds, not minutes of a
// low-rate camera, while the chunk index stays small (some 40 bytes a
// chunk).
const mcapChunkSize = 1 << 20

// MCAP writes the packets of stream captured in [from, to) to an MCAP file at
// path, which Foxglove opens: one JSON message per packet on a channel whose
// topic is the stream's name, with log and publish times set to the capture
// time. H.264 streams use the foxglove.CompressedVideo schema (format
// "h264", Annex B, one access unit per message, SPS and PPS in front of each
// IDR, as recorded); JPEG streams foxglove.CompressedImage (format "jpeg");
// Raw streams foxglove.RawImage (rgb8, mono8, and YUV420P as uyvy: see
// foxglove.RawOf). The frame_id is the stream's (StreamInfo.FrameID: an
// imported bag's header.frame_id), or the stream's name without its leading
// slashes when it has none. Chunks are compressed with zstd.
//
// from, to and progress work as for MP4; see the package documentation
// for the files it writes and the damage it skips.
func MCAP(ctx context.Context, rec *storage.Recording, stream string, from, to time.Time, path string, progress Progress) (Result, error) {
	return MCAPStreams(ctx, rec, []string{stream}, from, to, path, progress)
}

// MCAPStreams writes the packets of several streams captured in [from, to)
// to one MCAP file at path, as MCAP writes one: a channel each, their
// messages in one log-time order, as a bag of several topics holds them.
// A stream with no packet in the range is left out; the range must hold a
// packet of one of them at least (else ErrEmptyRange). The progress counts
// the packets of all the streams.
//
// A stream whose picture size changes (a camera restarted at another
// resolution) has a channel of each size, all on the stream's topic, each
// made as its first picture comes: a player such as Foxglove configures
// its decoder per channel. Every channel's metadata holds "codec",
// "width" and "height"; the "gopline.stream" metadata record holds the
// stream's own (the size it was created with).
func MCAPStreams(ctx context.Context, rec *storage.Recording, streams []string, from, to time.Time, path string, progress Progress) (Result, error) {
	return MCAPFiles(ctx, []*storage.Recording{rec}, streams, from, to, path, progress)
}

// MCAPFiles is MCAPStreams over recs, the files of one recording in the
// order of time, as MP4Files takes them: each stream goes on from one file
// to the next on its channel, and the range counts over them all. A
// stream's packets in one file must all come before those in the next
// (else ErrFilesOverlap), and its codec stay the same (else
// ErrUnsupportedCodec); its size may change (see MCAPStreams).
func MCAPFiles(ctx context.Context, recs []*storage.Recording, streams []string, from, to time.Time, path string, progress Progress) (Result, error) {
	label := filesLabel(recs)
	if len(streams) == 0 {
		return Result{}, fmt.Errorf("%w: %s: no stream to export", ErrEmptyRange, label)
	}
	channels, err := openChannels(ctx, recs, streams, from, to, progress.of(Writing))
	if err != nil {
		finishChannels(channels)
		return Result{}, err
	}
	f, err := createTemp(path)
	if err != nil {
		finishChannels(channels)
		return Result{}, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	res, err := writeMCAP(bw, path, channels)
	counts := finishChannels(channels)
	res.Packets, res.Skipped, res.Damaged = counts.Packets, counts.Skipped, counts.Damaged
	if err == nil {
		err = outputError(path, bw.Flush())
	}
	if cerr := f.Close(); err == nil {
		err = outputError(path, cerr)
	}
	if err == nil && res.Frames == 0 {
		err = fmt.Errorf("%w: %s of %s: no packet in the range decodes", ErrEmptyRange, StreamNames(streams), label)
	}
	if err != nil {
		discard(f.Name())
		return Result{}, err
	}
	if res.Bytes, err = commit(f.Name(), path); err != nil {
		discard(f.Name())
		return Result{}, err
	}
	return res, nil
}

// finishChannels finishes the channels' readers and returns their counts
// added up.
func finishChannels(channels []*mcapChannel) Result {
	var all Result
	for _, c := range channels {
		var res Result
		c.r.finish(&res)
		all.Packets += res.Packets
		all.Skipped += res.Skipped
		all.Damaged += res.Damaged
	}
	return all
}

// mcapChannel is one stream of an MCAP export: its reader, the packet it
// has read ahead, and what its channel wrote.
type mcapChannel struct {
	info           storage.StreamInfo
	schema, format string
	r              *packetReader
	next           *media.Packet // read ahead; nil at the end
	frames         int
	reordered      bool // a packet came with a composition offset: B-frames
	// undecodable is the first picture format of the stream's keyframes
	// that Foxglove does not decode, when one came (seen).
	undecodable h264.PictureFormat
	seen        bool
	// before counts the messages captured before 1970 (since1970).
	before   BeforeEpochStream
	schemaID uint16
	// ids are the stream's MCAP channels, one a picture size (see
	// channelOf).
	ids map[pictureSize]uint16
}

// pictureSize is the width and height of a stream's pictures.
type pictureSize struct{ width, height int }

// openChannels checks the streams and opens a reader of each that has
// packets in [from, to) in recs. On error it returns the channels it
// opened, for the caller to finish.
func openChannels(ctx context.Context, recs []*storage.Recording, streams []string, from, to time.Time, progress func(done, total int)) ([]*mcapChannel, error) {
	var channels []*mcapChannel
	var empty error
	sum := &progressSum{report: progress}
	for _, stream := range streams {
		s, err := resolveFiles(recs, stream, from, to)
		if errors.Is(err, ErrEmptyRange) && len(streams) > 1 {
			empty = err // the others may have packets in the range
			continue
		}
		if err == nil {
			err = s.oneCodec(stream)
		}
		if err != nil {
			return channels, err
		}
		c := &mcapChannel{info: s.info}
		switch s.info.Codec {
		case media.H264:
			c.schema, c.format = foxglove.CompressedVideo, "h264"
		case media.JPEG:
			c.schema, c.format = foxglove.CompressedImage, "jpeg"
		case media.Raw:
			c.schema = foxglove.RawImage
		default:
			return channels, fmt.Errorf("%w: MCAP takes H.264, JPEG and raw pictures; stream %q of %s is %v", ErrUnsupportedCodec, stream, s.label, s.info.Codec)
		}
		if c.r, err = newPacketReader(ctx, stream, s, sum.add()); err != nil {
			return channels, err
		}
		channels = append(channels, c)
	}
	if len(channels) == 0 {
		return nil, empty
	}
	return channels, nil
}

// progressSum reports the progress of several readers as one.
type progressSum struct {
	report      func(done, total int)
	done, total []int
}

// add returns the progress function of one more reader, nil when nobody
// asked for progress.
func (p *progressSum) add() func(done, total int) {
	if p.report == nil {
		return nil
	}
	i := len(p.done)
	p.done, p.total = append(p.done, 0), append(p.total, 0)
	return func(done, total int) {
		p.done[i], p.total[i] = done, total
		var d, t int
		for j := range p.done {
			d, t = d+p.done[j], t+p.total[j]
		}
		p.report(d, t)
	}
}

// writeMCAP writes the file's records to out: the channels' messages in
// decode-time order across channels. Errors of the recording come back as
// they are; errors of the output name path.
func writeMCAP(out io.Writer, path string, channels []*mcapChannel) (Result, error) {
	var res Result
	w, err := mcap.NewWriter(out, &mcap.WriterOptions{
		Chunked:     true,
		ChunkSize:   mcapChunkSize,
		Compression: mcap.CompressionZSTD,
		IncludeCRC:  true,
	})
	if err != nil {
		return res, outputError(path, err)
	}
	if err := w.WriteHeader(&mcap.Header{Library: "gopline"}); err != nil {
		return res, outputError(path, err)
	}
	schemas := map[string]uint16{}
	ids := &channelIDs{}
	for _, c := range channels {
		if err := writeStream(w, schemas, c); err != nil {
			return res, outputError(path, err)
		}
		if c.next, err = readAhead(c.r); err != nil {
			return res, err
		}
		if c.next != nil { // the first size's channel, before any message
			if _, err := channelOf(w, ids, c); err != nil {
				return res, outputError(path, err)
			}
		}
	}
	var first, last time.Time
	for {
		c := earliest(channels)
		if c == nil {
			break
		}
		id, err := channelOf(w, ids, c)
		if err != nil {
			return res, outputError(path, err)
		}
		if err := writeMessage(w, path, id, c); err != nil {
			return res, err
		}
		if p := c.next; res.Frames == 0 || p.CaptureTime.Before(first) {
			first = p.CaptureTime
		}
		last = laterOf(last, c.next.CaptureTime)
		res.Frames++
		if c.next, err = readAhead(c.r); err != nil {
			return res, err
		}
	}
	res.Duration = last.Sub(first)
	for _, c := range channels {
		res.Streams = append(res.Streams, c.info.Name)
		if c.reordered {
			res.Reordered = append(res.Reordered, c.info.Name)
		}
		if c.seen {
			res.Undecodable = append(res.Undecodable, UndecodableStream{Stream: c.info.Name, Format: c.undecodable})
		}
		if c.before.Messages > 0 {
			c.before.Stream = c.info.Name
			res.BeforeEpoch = append(res.BeforeEpoch, c.before)
		}
	}
	return res, outputError(path, w.Close())
}

// writeStream writes c's stream metadata, and its schema unless schemas
// has it.
func writeStream(w *mcap.Writer, schemas map[string]uint16, c *mcapChannel) error {
	meta := map[string]string{
		"stream":  c.info.Name,
		"codec":   c.info.Codec.String(),
		"width":   strconv.Itoa(c.info.Width),
		"height":  strconv.Itoa(c.info.Height),
		"created": c.info.Created.Format(time.RFC3339Nano),
	}
	if c.info.Source != "" {
		meta["source"] = c.info.Source
	}
	if err := w.WriteMetadata(&mcap.Metadata{Name: "gopline.stream", Metadata: meta}); err != nil {
		return err
	}
	schemaID, ok := schemas[c.schema]
	if !ok {
		schemaID = uint16(len(schemas) + 1)
		schemas[c.schema] = schemaID
		err := w.WriteSchema(&mcap.Schema{ID: schemaID, Name: c.schema, Encoding: foxglove.SchemaEncoding, Data: foxglove.Schema(c.schema)})
		if err != nil {
			return err
		}
	}
	c.schemaID = schemaID
	return nil
}

// channelIDs numbers the file's channels from 1.
type channelIDs struct{ last uint16 }

// channelOf returns the channel of c's packet read ahead, writing it first
// if it is the first packet of its picture size. Each size of a stream has
// a channel of its own on the stream's topic, whose metadata says the
// codec and the size: a player such as Foxglove configures its decoder
// per channel, so a stream whose size changed (a camera restarted at
// another resolution, recorded on in the next file) is not shown at the
// first size's.
func channelOf(w *mcap.Writer, ids *channelIDs, c *mcapChannel) (uint16, error) {
	size := pictureSize{c.next.Width, c.next.Height}
	if size.width == 0 || size.height == 0 { // a packet that does not say
		size = pictureSize{c.info.Width, c.info.Height}
	}
	if id, ok := c.ids[size]; ok {
		return id, nil
	}
	if ids.last == math.MaxUint16 {
		return 0, fmt.Errorf("more than %d channels (streams and their picture sizes)", math.MaxUint16)
	}
	ids.last++
	id := ids.last
	meta := map[string]string{"codec": c.info.Codec.String(), "width": strconv.Itoa(size.width), "height": strconv.Itoa(size.height)}
	if err := w.WriteChannel(&mcap.Channel{ID: id, SchemaID: c.schemaID, Topic: c.info.Name, MessageEncoding: foxglove.MessageEncoding, Metadata: meta}); err != nil {
		return 0, err
	}
	if c.ids == nil {
		c.ids = map[pictureSize]uint16{}
	}
	c.ids[size] = id
	return id, nil
}

// writeMessage writes c's packet read ahead as a message of channel id.
func writeMessage(w *mcap.Writer, path string, id uint16, c *mcapChannel) error {
	p := c.next
	captured := c.since1970(p.CaptureTime)
	frame := cmp.Or(c.info.FrameID, foxglove.FrameID(c.info.Name))
	var msg any = &foxglove.Message{FrameID: frame, Format: c.format, Timestamp: foxglove.TimeOf(captured), Data: p.Data}
	if c.schema == foxglove.RawImage {
		raw, err := foxglove.RawOf(p)
		if err != nil {
			return fmt.Errorf("export: %s: %w", c.info.Name, err)
		}
		raw.FrameID, raw.Timestamp = frame, foxglove.TimeOf(captured)
		msg = &raw
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return outputError(path, err)
	}
	// Messages are logged in decode order, at their decode times; the
	// message's timestamp is the picture's presentation time.
	logged := uint64(c.since1970Decoded(p.DecodeTime(), p.CaptureTime).UnixNano())
	err = w.WriteMessage(&mcap.Message{ChannelID: id, Sequence: uint32(c.frames), LogTime: logged, PublishTime: logged, Data: data})
	if err != nil {
		return outputError(path, err)
	}
	c.frames++
	c.reordered = c.reordered || p.CompositionOffset != 0
	c.watchFormat(p)
	return nil
}

// since1970 is capture time t as the file holds it: t, or 1970's start for
// a t before it, which neither an MCAP log time nor a Foxglove timestamp
// holds; such times are counted (beforeEpoch), for Result.BeforeEpoch.
func (c *mcapChannel) since1970(t time.Time) time.Time {
	if !t.Before(time.Unix(0, 0)) {
		return t
	}
	c.countBefore1970(t)
	return time.Unix(0, 0)
}

// since1970Decoded is since1970 for the decode time of a message captured
// at captured: one whose capture time was at or after 1970 but whose
// decode time, its composition offset earlier, is before it is counted
// too, once.
func (c *mcapChannel) since1970Decoded(decoded, captured time.Time) time.Time {
	epoch := time.Unix(0, 0)
	if !decoded.Before(epoch) {
		return decoded
	}
	if !captured.Before(epoch) {
		c.countBefore1970(decoded)
	}
	return epoch
}

func (c *mcapChannel) countBefore1970(t time.Time) {
	if c.before.Messages == 0 || t.Before(c.before.Earliest) {
		c.before.Earliest = t
	}
	c.before.Messages++
}

// watchFormat notes the picture format of p's SPS when p is the first
// H.264 keyframe of c whose format Foxglove does not decode.
func (c *mcapChannel) watchFormat(p *media.Packet) {
	if c.seen || p.Codec != media.H264 || !p.Key {
		return
	}
	nalus, err := h264.SplitAnnexB(p.Data)
	if err != nil {
		return
	}
	if format, ok := h264.FindPictureFormat(nalus); ok && !format.BrowserDecodable() {
		c.undecodable, c.seen = format, true
	}
}

// readAhead returns r's next packet, or nil at the end of its range.
func readAhead(r *packetReader) (*media.Packet, error) {
	p, err := r.next()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	return p, err
}

// earliest returns the channel whose packet read ahead is decoded first
// (the first such channel on a tie), or nil when all have ended.
func earliest(channels []*mcapChannel) *mcapChannel {
	var first *mcapChannel
	for _, c := range channels {
		if c.next != nil && (first == nil || c.next.DecodeTime().Before(first.next.DecodeTime())) {
			first = c
		}
	}
	return first
}

// StreamNames names streams in a message: `stream "/a"`, or `streams "/a",
// "/b"`.
func StreamNames(streams []string) string {
	quoted := make([]string, len(streams))
	for i, s := range streams {
		quoted[i] = strconv.Quote(s)
	}
	if len(streams) == 1 {
		return "stream " + quoted[0]
	}
	return "streams " + strings.Join(quoted, ", ")
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
