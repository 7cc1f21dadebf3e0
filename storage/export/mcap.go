package export

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/internal/foxglove"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// mcapChunkSize is the uncompressed size of an MCAP chunk: a few seconds of
// a camera stream, so that a player seeking in the file decompresses little
// it does not show, while the chunk index stays small.
const mcapChunkSize = 4 << 20

// MCAP writes the packets of stream captured in [from, to) to an MCAP file at
// path, which Foxglove opens: one JSON message per packet on a channel whose
// topic is the stream's name, with log and publish times set to the capture
// time. H.264 streams use the foxglove.CompressedVideo schema (format
// "h264", Annex B, one access unit per message, SPS and PPS in front of each
// IDR, as recorded); JPEG streams foxglove.CompressedImage (format "jpeg").
// The frame_id is the stream's name without its leading slashes. Chunks are
// compressed with zstd.
//
// from, to and progress work as for MP4. A Raw stream returns
// ErrUnsupportedCodec; see the package documentation for the files it
// writes and the damage it skips.
func MCAP(ctx context.Context, rec *storage.Recording, stream string, from, to time.Time, path string, progress func(done, total int)) (Result, error) {
	s, err := resolve(rec, stream, from, to)
	if err != nil {
		return Result{}, err
	}
	var schema, format string
	switch s.info.Codec {
	case media.H264:
		schema, format = foxglove.CompressedVideo, "h264"
	case media.JPEG:
		schema, format = foxglove.CompressedImage, "jpeg"
	default:
		return Result{}, fmt.Errorf("%w: MCAP takes H.264 and JPEG; stream %q of %s is %v", ErrUnsupportedCodec, stream, rec.Path(), s.info.Codec)
	}
	r, err := newPacketReader(ctx, rec, stream, s, progress)
	if err != nil {
		return Result{}, err
	}
	f, err := createTemp(path)
	if err != nil {
		r.finish(&Result{})
		return Result{}, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	res, err := writeMCAP(bw, path, r, s.info, schema, format)
	r.finish(&res)
	if err == nil {
		err = outputError(path, bw.Flush())
	}
	if cerr := f.Close(); err == nil {
		err = outputError(path, cerr)
	}
	if err == nil && res.Frames == 0 {
		err = fmt.Errorf("%w: stream %q of %s: no packet in the range decodes", ErrEmptyRange, stream, rec.Path())
	}
	if err != nil {
		discard(path)
		return Result{}, err
	}
	if res.Bytes, err = commit(tempPath(path), path); err != nil {
		discard(path)
		return Result{}, err
	}
	return res, nil
}

// writeMCAP writes the file's records to out. Errors of the recording come
// back as they are; errors of the output name path.
func writeMCAP(out io.Writer, path string, r *packetReader, info storage.StreamInfo, schema, format string) (Result, error) {
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
	const schemaID, channelID = 1, 1
	meta := map[string]string{
		"stream":  info.Name,
		"codec":   info.Codec.String(),
		"width":   strconv.Itoa(info.Width),
		"height":  strconv.Itoa(info.Height),
		"created": info.Created.Format(time.RFC3339Nano),
	}
	if info.Source != "" {
		meta["source"] = info.Source
	}
	err = errors.Join(
		w.WriteHeader(&mcap.Header{Library: "gopline"}),
		w.WriteMetadata(&mcap.Metadata{Name: "gopline.stream", Metadata: meta}),
		w.WriteSchema(&mcap.Schema{ID: schemaID, Name: schema, Encoding: foxglove.SchemaEncoding, Data: foxglove.Schema(schema)}),
		w.WriteChannel(&mcap.Channel{ID: channelID, SchemaID: schemaID, Topic: info.Name, MessageEncoding: foxglove.MessageEncoding, Metadata: map[string]string{}}),
	)
	if err != nil {
		return res, outputError(path, err)
	}
	msg := foxglove.Message{FrameID: foxglove.FrameID(info.Name), Format: format}
	var first time.Time
	for {
		p, err := r.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, err
		}
		ns := p.CaptureTime.UnixNano()
		if ns < 0 {
			return res, fmt.Errorf("export: %s: packet captured at %v, before 1970, which an MCAP log time cannot hold", path, p.CaptureTime)
		}
		msg.Timestamp = foxglove.TimeOf(p.CaptureTime)
		msg.Data = p.Data
		data, err := json.Marshal(&msg)
		if err != nil {
			return res, outputError(path, err)
		}
		// Messages are logged in decode order, at their decode times; the
		// message's timestamp is the picture's presentation time.
		logged := uint64(max(p.DecodeTime().UnixNano(), 0))
		err = w.WriteMessage(&mcap.Message{ChannelID: channelID, Sequence: uint32(res.Frames), LogTime: logged, PublishTime: logged, Data: data})
		if err != nil {
			return res, outputError(path, err)
		}
		if res.Frames == 0 {
			first = p.CaptureTime
		}
		res.Frames++
		res.Duration = max(res.Duration, p.CaptureTime.Sub(first))
	}
	return res, outputError(path, w.Close())
}

// outputError names the output file in an error of writing it; nil stays
// nil.
func outputError(path string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("export: %s: %w", path, err)
}
