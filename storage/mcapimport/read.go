package mcapimport

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/foxglove/mcap/go/mcap"

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

// importer reads the files of one bag into a recording (split into more
// files where a topic's pictures change size or format).
type importer struct {
	ctx    context.Context
	outs   outputs
	opts   Options
	topics map[string]*topicState // by name, over all files
	order  []*topicState
	res    Result
	// done and total are the bytes of the files read before this one, and
	// of them all.
	done, total int64
	// The file being read: its name, for the streams' Source, and its
	// schemas and channels, whose ids are the file's own.
	name     string
	schemas  map[uint16]*mcap.Schema
	channels map[uint16]*channel
	summary  summary // the file's schemas and channels as its summary repeats them
	// fileMessages counts the message records of the file read so far.
	fileMessages uint64
	// ros1Index is a ROS 1 bag's connections as its index repeats them.
	ros1Index map[uint32]ros1Connection
	// held counts the pictures held back so far (reorder.go), heldBytes
	// are those the topics' windows hold.
	held      uint64
	heldBytes int
	// inspect: the messages are counted and their topics' streams learnt
	// (Inspect), nothing written; indexed: the file's messages were
	// counted from its index (inspectIndexed), those read are not again.
	inspect, indexed bool
}

// topicState is a topic and what became of its messages so far.
type topicState struct {
	topic  *Topic
	stream *topicStream // nil until its first picture
	out    *output      // the file its stream goes to; nil until its first packet
	known  bool         // Inspect has learnt what the import makes of it
	window window       // its pictures held back to be stored in log-time order
	line   stampLine    // its stamps judged against their neighbours'
	clock  topicClock   // what its capture times are taken from
	framed bool         // its first picture's frame_id is known (Topic.FrameID)
}

// channel is one channel of the file being read.
type channel struct {
	*topicState
	read messageReader // nil when the channel is not read
}

// streams is what an import writes to: a storage.Recording.
type streams interface {
	CreateStream(info storage.StreamInfo) error
	Append(stream string, p *media.Packet) error
}

// bagFile is one file of a bag: a path, opened as its turn comes (so that
// a bag of many split files holds one open at a time), or a reader.
type bagFile struct {
	name string
	path string
	r    io.Reader
	size int64
	// A file compressed whole (rosbag2's compression mode "file", a
	// dataset's robot.bag.bz2) is read through a decompressor: r gives the
	// MCAP file or ROS 1 bag, read counts the bytes of the file.
	read *countingReader
	// scratch is the directory a SQLite file compressed whole is
	// decompressed into, to be read in place.
	scratch string
}

// importStreams reads files, the parts of one bag in their order, into
// the files open makes, each opened at its first packet (see ImportFile).
func importStreams(ctx context.Context, files []bagFile, open func(i int) (*output, error), opts Options) (Result, error) {
	return newImporter(ctx, files, open, opts).run(files)
}

func newImporter(ctx context.Context, files []bagFile, open func(i int) (*output, error), opts Options) *importer {
	im := &importer{ctx: ctx, outs: outputs{open: open}, opts: opts, topics: map[string]*topicState{}}
	for _, f := range files {
		im.total += f.size
	}
	return im
}

// run reads files in order.
func (im *importer) run(files []bagFile) (Result, error) {
	defer im.closeCoders()
	for _, f := range files {
		if err := im.readPart(f); err != nil {
			return im.finish(), err
		}
	}
	if im.inspect {
		return im.finish(), nil
	}
	if err := im.giveOutAll(); err != nil {
		return im.finish(), err
	}
	if err := im.flushStreams(); err != nil {
		return im.finish(), err
	}
	res := im.finish()
	return res, im.check()
}

// readPart opens a file of the bag given by its path, as SQLite, MCAP or
// a ROS 1 bag, perhaps compressed whole (compressions), and reads it.
func (im *importer) readPart(f bagFile) error {
	if f.path != "" {
		file, err := os.Open(f.path)
		if err != nil {
			return fmt.Errorf("mcapimport: %w", err)
		}
		defer file.Close()
		f.r = file
	}
	var c *compression
	if at, ok := f.r.(io.ReaderAt); ok {
		head := make([]byte, len(sqliteMagic))
		n, _ := at.ReadAt(head, 0)
		head = head[:n]
		if c = compressionOf(head); c != nil {
			head, _ = decompressedHead(at, f.size, c, len(sqliteMagic))
		}
		switch {
		case f.path != "" && bytes.HasPrefix(head, []byte(sqliteMagic)):
			defer func() { im.done += f.size }()
			if c != nil {
				return im.readDB3Compressed(f, c)
			}
			return im.readDB3(f.path, f.name, f.scratch)
		case c == nil && bytes.HasPrefix(head, []byte(ros1Magic)):
			defer func() { im.done += f.size }()
			return im.readROS1(f)
		}
		if c != nil {
			f.read = &countingReader{r: f.r}
			d, err := c.open(f.read)
			if err != nil {
				return fmt.Errorf("mcapimport: %s: %w", f.name, err)
			}
			defer d.Close()
			f.r = d
			if bytes.HasPrefix(head, []byte(ros1Magic)) {
				defer func() { im.done += f.size }()
				return im.readROS1(f)
			}
		}
	}
	return im.readFile(f)
}

// readFile reads one file of the bag.
func (im *importer) readFile(f bagFile) (err error) {
	im.name, im.schemas, im.channels, im.fileMessages = f.name, map[uint16]*mcap.Schema{}, map[uint16]*channel{}, 0
	at, _ := f.r.(io.ReaderAt)
	if f.read != nil {
		at = nil // compressed whole: no summary at hand
	}
	im.summary = readSummary(at, f.size)
	if im.inspect && at != nil {
		if ok, err := im.inspectIndexed(at, f.size); ok {
			im.res.Indexed = append(im.res.Indexed, f.name)
			im.done += f.size
			return err
		}
	}
	counted := &countingReader{r: f.r}
	in, bound := io.Reader(counted), min(maxRecord, max(f.size, 1)) // no record is larger than its file
	if f.read != nil {
		in, counted, bound = f.r, f.read, maxRecord
	}
	lexer, lerr := mcap.NewLexer(in, &mcap.LexerOptions{EmitChunks: true, MaxRecordSize: int(bound)})
	if lerr != nil {
		return fmt.Errorf("%w: %s: %w", ErrNotMCAP, f.name, lerr)
	}
	defer func() { lexer.Close() }()
	defer func() { im.done += f.size }()
	var buf []byte
	// base is where the lexer's reader starts in the file, good the end
	// of its last whole record; lastChunk where the last chunk read
	// began, resumed where the reading last went on from a chunk after
	// damage.
	base, good, lastChunk, resumed := int64(0), int64(0), int64(-1), int64(-1)
	damage := len(im.res.ReadPast) + len(im.res.Stopped)
	defer func() { im.countLost(damage, err == nil) }()
	for {
		if err := im.ctx.Err(); err != nil {
			return err
		}
		tok, record, lerr := next(lexer, buf)
		var truncated *mcap.ErrTruncatedRecord
		cut := lerr == io.EOF || errors.As(lerr, &truncated) || errors.Is(lerr, io.ErrUnexpectedEOF) ||
			errors.Is(lerr, mcap.ErrRecordTooLarge) && bound < maxRecord // a record longer than what is left of the file
		if lerr != nil && at != nil && im.summary.whole {
			// A file whose footer and summary hold is not cut short: a
			// damaged length made it look so, and may have taken the
			// start of the next chunk into its record. The chunk index
			// says where the chunk after the last one read begins; one
			// that fails where the reading went on is damaged itself.
			failed := base + good
			if failed == resumed {
				im.res.DamagedChunks++
			}
			from := im.summary.chunkAfter(max(lastChunk, resumed))
			if from == failed { // the chunk it would go on from is the one that failed
				im.res.DamagedChunks++
				from = im.summary.chunkAfter(from)
			}
			switch what := im.damageAt(at, failed, lerr); {
			case from > failed:
				im.res.ReadPast = append(im.res.ReadPast, fmt.Sprintf("%s is damaged near byte %d (%s): read on from its next chunk, at byte %d, as its summary's chunk index says",
					f.name, failed, what, from))
			case from > 0:
				// The chunk read last, or a record after it, ran past its
				// end into the next chunk, which the reading goes back to.
				im.res.ReadPast = append(im.res.ReadPast, fmt.Sprintf("%s is damaged in or after its chunk at byte %d (the reading lost its place, at byte %d): "+
					"read on from the chunk after it, at byte %d, as its summary's chunk index says", f.name, lastChunk, failed, from))
			default:
				// No chunk follows (a file without chunks): whole records
				// are looked for.
				if from = im.resync(at, failed); from < 0 {
					im.res.Stopped = append(im.res.Stopped, fmt.Sprintf("%s is damaged near byte %d (%s), and no whole record follows within %d MiB to read on from",
						f.name, failed, what, maxRecord>>20))
					return nil
				}
				im.res.ReadPast = append(im.res.ReadPast, fmt.Sprintf("%s is damaged near byte %d (%s): read on from the next whole record, at byte %d, %d bytes on",
					f.name, failed, what, from, from-failed))
			}
			lexer.Close()
			base, good, counted = from, 0, &countingReader{r: io.NewSectionReader(at, from, f.size-from)}
			if len(im.summary.chunks) > 0 && im.summary.chunkAfter(from-1) == from {
				resumed = from
			}
			if lexer, err = mcap.NewLexer(counted, &mcap.LexerOptions{EmitChunks: true, MaxRecordSize: int(bound), SkipMagic: true}); err != nil {
				return fmt.Errorf("mcapimport: %s: %w", f.name, err)
			}
			continue
		}
		switch {
		case cut:
			// The footer is the last record, and its magic follows.
			im.res.Truncated = append(im.res.Truncated, f.name)
			return nil
		case lerr != nil:
			im.res.Stopped = append(im.res.Stopped, fmt.Sprintf("%s is damaged near byte %d: %v", f.name, base+counted.n, lerr))
			return nil
		}
		if tok == mcap.TokenChunk {
			lastChunk = base + good
		}
		good = counted.n
		if cap(record) > cap(buf) {
			buf = record
		}
		switch tok {
		case mcap.TokenFooter:
			return nil
		case mcap.TokenChunk:
			if err := im.chunk(record); err != nil {
				return err
			}
			if im.opts.Progress != nil {
				im.opts.Progress(im.done+base+counted.n, im.total)
			}
		default:
			if err := im.record(tok, record); err != nil {
				return err
			}
		}
	}
}

// next returns the lexer's next record, and a panic of the lexer (it
// trusts some of the lengths a file gives) as an error.
func next(lexer *mcap.Lexer, buf []byte) (tok mcap.TokenType, record []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("a record the MCAP reader cannot take (%v)", p)
		}
	}()
	return lexer.Next(buf)
}

// parse calls one of the mcap library's parsers, whose panics on lengths
// a damaged record gives become errors.
func parse[T any](parser func([]byte) (T, error), b []byte) (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("a damaged record (%v)", p)
		}
	}()
	return parser(b)
}

// record takes a schema, a channel or a message.
func (im *importer) record(tok mcap.TokenType, body []byte) error {
	switch tok {
	case mcap.TokenSchema:
		if s, err := parse(mcap.ParseSchema, body); err == nil {
			if _, ok := im.schemas[s.ID]; !ok {
				im.schemas[s.ID] = s
			}
		}
	case mcap.TokenChannel:
		if c, err := parse(mcap.ParseChannel, body); err == nil {
			if _, ok := im.channels[c.ID]; !ok {
				im.addChannel(c)
			}
		}
	case mcap.TokenMessage:
		im.fileMessages++
		m, err := parse(mcap.ParseMessage, body)
		if err != nil {
			return nil
		}
		if c, ok := im.summary.channels[m.ChannelID]; ok && im.channels[m.ChannelID] == nil {
			// Its channel was in a chunk that is lost: the summary has it
			// (and its schema, addChannel).
			im.addChannel(c)
		}
		return im.message(m)
	}
	return nil
}

// addChannel decides what becomes of a channel's messages: a topic seen
// in an earlier file of the bag, or on another channel of this one, goes
// on in its stream.
func (im *importer) addChannel(c *mcap.Channel) {
	if schema, ok := im.summary.schemas[c.SchemaID]; ok && im.schemas[c.SchemaID] == nil {
		// Its schema record was damaged (or lost with its chunk): the
		// summary repeats it.
		im.schemas[c.SchemaID] = schema
	}
	st := im.topics[c.Topic]
	if st == nil {
		st = &topicState{topic: &Topic{Topic: c.Topic, MessageEncoding: c.MessageEncoding}}
		if schema := im.schemas[c.SchemaID]; schema != nil {
			st.topic.Schema = schema.Name
		}
		im.topics[c.Topic] = st
		im.order = append(im.order, st)
	}
	ch := &channel{topicState: st}
	im.channels[c.ID] = ch
	t := st.topic
	switch {
	case len(im.opts.Topics) > 0 && !slices.Contains(im.opts.Topics, c.Topic):
		t.Skipped = "not asked for"
		return
	case t.Skipped != "" && t.Skipped != "not asked for" && st.stream == nil:
		return // not pictures, or pictures gopline does not take
	}
	read, err := newMessageReader(im.schemas[c.SchemaID], c.MessageEncoding)
	if err != nil && c.SchemaID != 0 && im.schemas[c.SchemaID] == nil {
		err = fmt.Errorf("its schema (id %d) is not in the file, or its record is damaged", c.SchemaID)
	}
	if err != nil {
		if st.stream == nil {
			t.Skipped, t.NotPictures = err.Error(), errors.Is(err, errNotPictures)
			switch {
			case errors.Is(err, errUndefinedType):
				t.Skipped = strings.TrimPrefix(err.Error(), errNotPictures.Error()+": ")
			case t.NotPictures:
				t.Skipped = "not pictures"
			}
		}
		return
	}
	ch.read = read
}

// message stores one message's picture.
func (im *importer) message(m *mcap.Message) error {
	ch := im.channels[m.ChannelID]
	if ch == nil {
		im.res.Unchanneled++
		return nil
	}
	if im.inspect {
		im.inspectMessage(ch, m)
		return nil
	}
	if ch.read == nil {
		return nil
	}
	t := ch.topic
	t.Messages++
	data, err := m.Data, error(nil)
	if t.MessageEncoding == "cdr" && bytes.HasPrefix(data, zstdMagic) { // rosbag2's compression mode "message"
		data, err = zstdDecoder.DecodeAll(data, nil)
	}
	var p picture
	if err == nil {
		p, err = ch.read(data)
	}
	if err != nil {
		if ch.stream != nil {
			ch.stream.damaged(err)
		} else {
			t.damaged(err)
		}
		return nil
	}
	if ch.stream == nil {
		if ch.stream, err = im.newStream(t.Topic, p); err != nil {
			ch.read, t.Skipped = nil, err.Error()
			return nil
		}
	}
	ch.topicState.frameOf(p)
	return im.hold(ch.topicState, p, time.Unix(0, int64(min(m.LogTime, 1<<63-1))))
}

// finish gathers the topics' counts.
func (im *importer) finish() Result {
	im.res.Topics, im.res.Files = im.res.Topics[:0], im.res.Files[:0]
	for _, out := range im.outs.files {
		im.res.Files = append(im.res.Files, out.path)
	}
	for _, st := range im.order {
		t := *st.topic
		if im.inspect && !st.known && t.Skipped == "" && (st.stream != nil || t.Damaged > 0) {
			var counts Topic // the messages that did not read as pictures, and what the stream left out
			if st.stream != nil {
				counts = st.stream.counts
			}
			counts.Damaged += t.Damaged
			counts.DamageWhy = cmp.Or(t.DamageWhy, counts.DamageWhy)
			t.Skipped = noPictureWhy(counts)
		}
		if s := st.stream; s != nil && !im.inspect {
			t.BeforeKeyframe, t.OtherFormat, t.Dropped, t.Retimed = s.counts.BeforeKeyframe, s.counts.OtherFormat, s.counts.Dropped, s.counts.Retimed+s.order.retimed
			t.NoParameterSets = s.counts.NoParameterSets
			t.Damaged += s.counts.Damaged
			t.DamageWhy = cmp.Or(t.DamageWhy, s.counts.DamageWhy)
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
