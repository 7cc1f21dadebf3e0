package mcapimport

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/foxglove/mcap/go/mcap"
)

// An MCAP file that a recorder closed (rosbag2's, Foxglove's) ends with a
// summary: its statistics count the messages, and an index of each chunk
// points at the chunk and at its message indexes, one per channel in it,
// which give each message's log time. Inspect counts a topic's messages
// and its first and last log times from those, as ros2 bag info counts
// from the summary, and reads chunks from the start only until it knows
// what the import makes of every topic: a bag of gigabytes is described
// in a moment instead of read through.

// channelSpan is what a file's message indexes say of one channel.
type channelSpan struct {
	messages    int64
	first, last uint64 // log times, ns
}

// addTo counts the span's messages in t, as Inspect counts those it reads.
func (s channelSpan) addTo(t *Topic) {
	t.logged(s.messages, logTimeOf(s.first), logTimeOf(s.last))
}

// logTimeOf returns a log time in ns as a time.
func logTimeOf(ns uint64) time.Time { return time.Unix(0, int64(min(ns, 1<<63-1))) }

// logged counts n messages of t logged from first to last.
func (t *Topic) logged(n int64, first, last time.Time) {
	t.Messages += n
	if t.First.IsZero() || first.Before(t.First) {
		t.First = first
	}
	if last.After(t.Last) {
		t.Last = last
	}
}

// inspectIndexed describes the MCAP file in r, of size bytes, whose
// summary im.summary holds, from its index (see above), and reports
// whether it could: not when the summary is not whole, has no statistics,
// lacks a channel the indexes name (a writer that leaves them out of it),
// or its message indexes do not count the messages the statistics count
// (messages outside chunks, an index left out), and then nothing is
// taken from it.
func (im *importer) inspectIndexed(r io.ReaderAt, size int64) (bool, error) {
	sum := im.summary
	if !sum.whole || sum.stats == nil {
		return false, nil
	}
	spans, ok := messageIndexes(r, size, sum.chunks)
	if !ok {
		return false, nil
	}
	var counted uint64
	for id, s := range spans {
		if sum.channels[id] == nil {
			return false, nil // a summary without its channels: read their records
		}
		counted += uint64(s.messages)
	}
	if counted != sum.stats.MessageCount {
		return false, nil
	}

	im.schemas = sum.schemas
	for _, id := range sum.channelIDs() {
		im.addChannel(sum.channels[id])
		s, ok := spans[id]
		if !ok {
			continue
		}
		s.addTo(im.channels[id].topic)
	}

	// The chunks in the order they lie, up to the one that tells the last
	// topic's stream.
	im.indexed = true
	defer func() { im.indexed = false }()
	chunks := slices.Clone(sum.chunks)
	slices.SortFunc(chunks, func(a, b *mcap.ChunkIndex) int { return cmp.Compare(a.ChunkStartOffset, b.ChunkStartOffset) })
	var buf []byte
	for _, c := range chunks {
		if im.allKnown() {
			break
		}
		if err := im.ctx.Err(); err != nil {
			return true, err
		}
		if c.ChunkLength < 9 || c.ChunkLength > maxRecord || c.ChunkStartOffset > uint64(size) || c.ChunkLength > uint64(size)-c.ChunkStartOffset {
			im.res.DamagedChunks++
			continue
		}
		buf = slices.Grow(buf[:0], int(c.ChunkLength))[:c.ChunkLength]
		if _, err := r.ReadAt(buf, int64(c.ChunkStartOffset)); err != nil || mcap.OpCode(buf[0]) != mcap.OpChunk ||
			binary.LittleEndian.Uint64(buf[1:9]) != c.ChunkLength-9 {
			im.res.DamagedChunks++
			continue
		}
		if err := im.chunk(buf[9:]); err != nil {
			return true, err
		}
		if im.opts.Progress != nil { // a topic whose stream is learnt late has chunks read up to it
			im.opts.Progress(im.done+int64(c.ChunkStartOffset+c.ChunkLength), im.total)
		}
	}
	return true, nil
}

// allKnown reports whether Inspect knows what the import makes of every
// channel of the file it reads.
func (im *importer) allKnown() bool {
	for _, ch := range im.channels {
		if ch.read != nil && !ch.known {
			return false
		}
	}
	return true
}

// messageIndexes reads the message indexes of chunks, the chunk indexes of
// a file of size bytes in r: each channel's messages and first and last
// log times. It reports false for an index that does not lie in the file
// or does not read, or indexes longer together than the file.
func messageIndexes(r io.ReaderAt, size int64, chunks []*mcap.ChunkIndex) (map[uint16]channelSpan, bool) {
	spans := map[uint16]channelSpan{}
	var total uint64
	var buf []byte
	for _, c := range chunks {
		at, n := c.ChunkStartOffset+c.ChunkLength, c.MessageIndexLength
		total += n
		if c.ChunkStartOffset > uint64(size) || c.ChunkLength > uint64(size) || at > uint64(size) || n > uint64(size)-at ||
			total > uint64(size) || n > maxRecord {
			return nil, false
		}
		buf = slices.Grow(buf[:0], int(n))[:n]
		if _, err := r.ReadAt(buf, int64(at)); err != nil {
			return nil, false
		}
		for b := buf; len(b) > 0; {
			if len(b) < 9 || mcap.OpCode(b[0]) != mcap.OpMessageIndex {
				return nil, false
			}
			body := binary.LittleEndian.Uint64(b[1:9])
			if body > uint64(len(b)-9) || body < 6 {
				return nil, false
			}
			rec := b[9 : 9+body]
			b = b[9+body:]
			id, entries := binary.LittleEndian.Uint16(rec), binary.LittleEndian.Uint32(rec[2:6])
			rec = rec[6:]
			if uint64(entries) != uint64(len(rec)) || entries%16 != 0 {
				return nil, false
			}
			s := spans[id]
			for ; len(rec) > 0; rec = rec[16:] {
				at := binary.LittleEndian.Uint64(rec)
				if s.messages == 0 || at < s.first {
					s.first = at
				}
				s.last = max(s.last, at)
				s.messages++
			}
			spans[id] = s
		}
	}
	return spans, true
}

// ErrNoSummary: a file of the bag has no summary that Topics can read (it
// is compressed or zipped whole, was cut short, or its summary or index
// leaves out its channels).
var ErrNoSummary = errors.New("mcapimport: a file without a whole summary")

// Topics returns the topics of the bags srcs from their MCAP files'
// summaries (a ROS 1 bag's index, a SQLite file's table of topics) alone,
// reading no message: each topic's type and, by its type,
// whether an import would take it (Skipped, NotPictures); what a topic's
// pictures are is not read (see Inspect). It returns ErrNoSummary when a
// file has no summary to read them from: a command that wants to check
// the topics an import is asked for before the import reads the bag.
func Topics(ctx context.Context, srcs []string) (Result, error) {
	var files []bagFile
	for _, src := range srcs {
		if isZip(src) {
			return Result{}, ErrNoSummary
		}
		paths, _, err := bagFiles(src)
		if err != nil {
			return Result{}, err
		}
		for _, p := range paths {
			files = append(files, bagFile{name: filepath.Base(p), path: p})
		}
	}
	im := newImporter(ctx, files, nil, Options{})
	im.inspect = true
	for _, f := range files {
		if err := im.summaryTopics(f); err != nil {
			return Result{}, err
		}
	}
	return im.finish(), nil
}

// summaryTopics takes the channels of f's summary as its topics.
func (im *importer) summaryTopics(f bagFile) error {
	file, err := os.Open(f.path)
	if err != nil {
		return fmt.Errorf("mcapimport: %w", err)
	}
	defer file.Close()
	head := make([]byte, len(mcap.Magic))
	fi, err := file.Stat()
	if err != nil {
		return fmt.Errorf("mcapimport: %w", err)
	}
	if _, err := file.ReadAt(head, 0); err != nil {
		return ErrNoSummary
	}
	switch {
	case bytes.HasPrefix(head, []byte(ros1Magic)[:len(head)]):
		return im.ros1IndexTopics(f.name, file, fi.Size())
	case bytes.HasPrefix(head, []byte(sqliteMagic)[:len(head)]):
		return im.sqliteTopics(f)
	}
	if !bytes.Equal(head, mcap.Magic) {
		return ErrNoSummary
	}
	sum := readSummary(file, fi.Size())
	if !sum.whole || sum.stats == nil || uint32(len(sum.channels)) != sum.stats.ChannelCount {
		return ErrNoSummary
	}
	im.name, im.schemas, im.channels = f.name, sum.schemas, map[uint16]*channel{}
	for _, id := range sum.channelIDs() {
		im.addChannel(sum.channels[id])
	}
	return nil
}

// refusedBySummary returns, with the bags' topics, what an import of
// srcs would end in that the summaries of their files (Topics) already
// say: ErrNoTopic for a topic of want they lack, ErrNoPictures when none
// of the topics to import (want's, or all) is of a type that holds
// pictures. It returns nil when a file has no summary: the import finds
// out.
func refusedBySummary(ctx context.Context, srcs, want []string) (Result, error) {
	sum, err := Topics(ctx, srcs)
	if err != nil {
		return Result{}, nil
	}
	for _, w := range want {
		if !slices.ContainsFunc(sum.Topics, func(t Topic) bool { return t.Topic == w }) {
			return sum, fmt.Errorf("%w: %s", ErrNoTopic, w)
		}
	}
	if !slices.ContainsFunc(sum.Topics, func(t Topic) bool { return t.Skipped == "" && (len(want) == 0 || slices.Contains(want, t.Topic)) }) {
		return sum, ErrNoPictures
	}
	return Result{}, nil
}
