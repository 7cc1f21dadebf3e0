package mcapimport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/foxglove/mcap/go/mcap"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// chunk reads the records of a chunk; a chunk that does not decompress or
// fails its checksum is counted and left out.
func (im *importer) chunk(record []byte) error {
	c, err := parse(mcap.ParseChunk, record)
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

// zstdMagic begins every zstd frame.
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// zstdDecoder decompresses zstd chunks and messages; it is safe for
// concurrent use.
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
