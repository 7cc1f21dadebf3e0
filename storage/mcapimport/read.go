package mcapimport

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"time"

	"github.com/foxglove/mcap/go/mcap"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// Bounds on what a file can make Import hold at once.
const (
	// maxRecord is the largest record read (a chunk, or a message outside
	// chunks): a raw 8K picture in RGBA is 132 MB.
	maxRecord = 256 << 20
	// maxChunk is the largest chunk decompressed.
	maxChunk = 256 << 20
)

// importer reads one MCAP file into one recording.
type importer struct {
	ctx      context.Context
	rec      streams
	name     string // the file's, for the streams' Source
	opts     Options
	schemas  map[uint16]*mcap.Schema
	channels map[uint16]*channel
	order    []*channel
	res      Result
}

// channel is one channel of the file and what becomes of its messages.
type channel struct {
	topic  *Topic
	read   messageReader // nil when the topic is skipped
	stream *topicStream
}

// Import reads an MCAP file of size bytes from r and appends its topics
// of pictures to rec, a stream a topic (named as the topic, which must not
// be in rec yet), in the order of the file, each from its first keyframe.
// name is the file's name, which the streams' Source gives.
//
// A topic of pictures is one whose schema has data and format fields
// (sensor_msgs/CompressedImage, foxglove CompressedImage and
// CompressedVideo) or data, encoding, width and height (sensor_msgs/Image,
// foxglove RawImage, ffmpeg_image_transport's packets), in ROS 2 (CDR),
// ROS 1, JSON or protobuf messages. JPEG and H.264 (Annex B; its
// parameter sets put in front of every keyframe that lacks them) are
// stored as they are; PNG and 8-bit raw pictures (rgb8, bgr8, rgba8,
// bgra8, mono8, yuv422, yuyv) as raw RGB24, GRAY8 or YUV420P. A packet's
// capture time is its message's header stamp (ROS) or timestamp (Foxglove),
// or its log time when that is zero. Other topics are listed in the Result,
// with why they were not imported.
//
// A file cut short (no footer: a recorder that was killed) is imported up
// to its cut and said Truncated; a damaged chunk is left out and counted;
// damage the reading cannot go on from ends it, said in Result.Stopped.
// It returns ErrNoPictures when no packet was stored, ErrNoTopic when a
// topic of opts.Topics is not in the file, and the recording's errors (a
// full disk) as they are.
func Import(ctx context.Context, r io.Reader, size int64, name string, rec *storage.Recording, opts Options) (Result, error) {
	return importStreams(ctx, r, size, name, rec, opts)
}

// streams is what Import writes to: a storage.Recording.
type streams interface {
	CreateStream(info storage.StreamInfo) error
	Append(stream string, p *media.Packet) error
}

func importStreams(ctx context.Context, r io.Reader, size int64, name string, rec streams, opts Options) (res Result, err error) {
	im := &importer{ctx: ctx, rec: rec, name: name, opts: opts, schemas: map[uint16]*mcap.Schema{}, channels: map[uint16]*channel{}}
	counted := &countingReader{r: r}
	lexer, err := mcap.NewLexer(counted, &mcap.LexerOptions{EmitChunks: true, MaxRecordSize: int(min(maxRecord, max(size, 1)))})
	if err != nil {
		return res, fmt.Errorf("%w: %s: %w", ErrNotMCAP, name, err)
	}
	defer lexer.Close()
	defer func() {
		if p := recover(); p != nil { // the lexer trusts some lengths
			im.res.Stopped = fmt.Sprintf("damaged near byte %d (%v)", counted.n, p)
		}
		res = im.finish()
		if err == nil {
			err = im.check()
		}
	}()
	var buf []byte
	for {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		tok, record, lerr := lexer.Next(buf)
		var truncated *mcap.ErrTruncatedRecord
		switch {
		case lerr == io.EOF:
			im.res.Truncated = true // the footer is the last record, and its magic follows
			return res, nil
		case errors.As(lerr, &truncated), errors.Is(lerr, io.ErrUnexpectedEOF):
			im.res.Truncated = true
			return res, nil
		case lerr != nil:
			im.res.Stopped = fmt.Sprintf("damaged near byte %d: %v", counted.n, lerr)
			return res, nil
		}
		if cap(record) > cap(buf) {
			buf = record
		}
		switch tok {
		case mcap.TokenFooter:
			return res, nil
		case mcap.TokenChunk:
			if err := im.chunk(record); err != nil {
				return res, err
			}
			if opts.Progress != nil {
				opts.Progress(counted.n, size)
			}
		default:
			if err := im.record(tok, record); err != nil {
				return res, err
			}
		}
	}
}

// chunk reads the records of a chunk; a chunk that does not decompress or
// fails its checksum is counted and left out.
func (im *importer) chunk(record []byte) error {
	c, err := mcap.ParseChunk(record)
	if err != nil {
		im.res.DamagedChunks++
		return nil
	}
	records, err := decompress(c)
	if err != nil {
		im.res.DamagedChunks++
		return nil
	}
	for len(records) > 0 {
		if len(records) < 9 {
			im.res.DamagedChunks++
			return nil
		}
		op, n := mcap.OpCode(records[0]), binary.LittleEndian.Uint64(records[1:9])
		if n > uint64(len(records)-9) {
			im.res.DamagedChunks++
			return nil
		}
		body := records[9 : 9+n]
		records = records[9+n:]
		var tok mcap.TokenType
		switch op {
		case mcap.OpSchema:
			tok = mcap.TokenSchema
		case mcap.OpChannel:
			tok = mcap.TokenChannel
		case mcap.OpMessage:
			tok = mcap.TokenMessage
		default:
			continue
		}
		if err := im.record(tok, body); err != nil {
			return err
		}
	}
	return nil
}

// zstdDecoder decompresses the zstd chunks; it is safe for concurrent use.
var zstdDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderMaxMemory(maxChunk), zstd.WithDecoderConcurrency(1))

// decompress returns a chunk's records, checked against its size and
// checksum.
func decompress(c *mcap.Chunk) ([]byte, error) {
	if c.UncompressedSize > maxChunk {
		return nil, fmt.Errorf("a chunk of %d bytes", c.UncompressedSize)
	}
	size := int(c.UncompressedSize)
	var out []byte
	var err error
	switch c.Compression { // output grows as it comes: the declared size is only checked
	case "":
		out = c.Records
	case "zstd":
		var h zstd.Header
		if err := h.Decode(c.Records); err != nil || (h.HasFCS && h.FrameContentSize != c.UncompressedSize) {
			return nil, fmt.Errorf("a zstd frame of %d bytes where the chunk says %d (%v)", h.FrameContentSize, size, err)
		}
		out, err = zstdDecoder.DecodeAll(c.Records, nil)
	case "lz4":
		out, err = io.ReadAll(io.LimitReader(lz4.NewReader(bytes.NewReader(c.Records)), int64(size)+1))
	default:
		return nil, fmt.Errorf("compression %q", c.Compression)
	}
	switch {
	case err != nil:
		return nil, err
	case len(out) != size:
		return nil, fmt.Errorf("%d bytes where the chunk says %d", len(out), size)
	case c.UncompressedCRC != 0 && crc32.ChecksumIEEE(out) != c.UncompressedCRC:
		return nil, errors.New("checksum")
	}
	return out, nil
}

// record takes a schema, a channel or a message.
func (im *importer) record(tok mcap.TokenType, body []byte) error {
	switch tok {
	case mcap.TokenSchema:
		if s, err := mcap.ParseSchema(body); err == nil {
			if _, ok := im.schemas[s.ID]; !ok {
				im.schemas[s.ID] = s
			}
		}
	case mcap.TokenChannel:
		if c, err := mcap.ParseChannel(body); err == nil {
			if _, ok := im.channels[c.ID]; !ok {
				im.addChannel(c)
			}
		}
	case mcap.TokenMessage:
		m, err := mcap.ParseMessage(body)
		if err != nil {
			return nil
		}
		return im.message(m)
	}
	return nil
}

// addChannel decides what becomes of a channel's messages.
func (im *importer) addChannel(c *mcap.Channel) {
	t := &Topic{Topic: c.Topic, MessageEncoding: c.MessageEncoding}
	schema := im.schemas[c.SchemaID]
	if schema != nil {
		t.Schema = schema.Name
	}
	ch := &channel{topic: t}
	im.channels[c.ID] = ch
	im.order = append(im.order, ch)
	switch {
	case len(im.opts.Topics) > 0 && !slices.Contains(im.opts.Topics, c.Topic):
		t.Skipped = "not asked for"
		return
	case slices.ContainsFunc(im.order[:len(im.order)-1], func(o *channel) bool { return o.topic.Topic == c.Topic && o.read != nil }):
		t.Skipped = "another channel of the topic is imported"
		return
	}
	read, err := newMessageReader(schema, c.MessageEncoding)
	if err != nil {
		t.Skipped, t.NotPictures = err.Error(), errors.Is(err, errNotPictures)
		if t.NotPictures {
			t.Skipped = "not pictures"
		}
		return
	}
	ch.read = read
}

// message stores one message's picture.
func (im *importer) message(m *mcap.Message) error {
	ch := im.channels[m.ChannelID]
	if ch == nil || ch.read == nil {
		return nil
	}
	t := ch.topic
	t.Messages++
	p, err := ch.read(m.Data)
	if err != nil {
		if ch.stream == nil {
			t.Damaged++
		} else {
			ch.stream.counts.Damaged++
		}
		return nil
	}
	if ch.stream == nil {
		src, err := sourceOf(p)
		if err != nil {
			ch.read, t.Skipped = nil, err.Error()
			return nil
		}
		ch.stream = &topicStream{source: src}
	}
	pkt := ch.stream.packet(p, time.Unix(0, int64(min(m.LogTime, 1<<63-1))))
	if pkt == nil {
		return nil
	}
	if t.Stream == "" {
		info := storage.StreamInfo{Name: t.Topic, Codec: pkt.Codec, Width: pkt.Width, Height: pkt.Height, Format: pkt.Format,
			Created: pkt.CaptureTime, Source: t.Topic + " (" + t.Schema + ") of " + im.name}
		if err := im.rec.CreateStream(info); err != nil {
			return err
		}
		t.Stream, t.Codec, t.Format, t.Width, t.Height, t.First = t.Topic, pkt.Codec, pkt.Format, pkt.Width, pkt.Height, pkt.CaptureTime
	}
	if err := im.rec.Append(t.Stream, pkt); err != nil {
		return err
	}
	t.Packets++
	t.Last = pkt.CaptureTime
	return nil
}

// finish gathers the topics' counts.
func (im *importer) finish() Result {
	im.res.Topics = im.res.Topics[:0]
	for _, ch := range im.order {
		t := *ch.topic
		if s := ch.stream; s != nil {
			t.BeforeKeyframe, t.Resized, t.OtherFormat, t.Retimed = s.counts.BeforeKeyframe, s.counts.Resized, s.counts.OtherFormat, s.counts.Retimed
			t.Damaged += s.counts.Damaged
		}
		im.res.Topics = append(im.res.Topics, t)
	}
	return im.res
}

// check returns ErrNoTopic or ErrNoPictures.
func (im *importer) check() error {
	for _, want := range im.opts.Topics {
		if !slices.ContainsFunc(im.res.Topics, func(t Topic) bool { return t.Topic == want }) {
			return fmt.Errorf("%w: %s", ErrNoTopic, want)
		}
	}
	if im.res.Packets() == 0 {
		return ErrNoPictures
	}
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
