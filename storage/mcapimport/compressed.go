package mcapimport

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"io"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// compression is a way a bag's file is compressed whole: rosbag2's
// compression mode "file" (zstd: NAME_0.mcap.zstd, NAME_0.db3.zstd), or
// how a dataset is downloaded (robot.bag.bz2, .gz, .lz4).
type compression struct {
	name  string
	magic []byte
	// open returns the reader of what r decompresses to.
	open func(r io.Reader) (io.ReadCloser, error)
}

// compressions are the compressions a bag's file is read through.
var compressions = []compression{
	{"zstd", zstdMagic, func(r io.Reader) (io.ReadCloser, error) {
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxChunk))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	}},
	{"gzip", []byte{0x1f, 0x8b}, func(r io.Reader) (io.ReadCloser, error) { return gzip.NewReader(r) }},
	{"bzip2", []byte("BZh"), func(r io.Reader) (io.ReadCloser, error) { return io.NopCloser(bzip2.NewReader(r)), nil }},
	{"lz4", []byte{0x04, 0x22, 0x4d, 0x18}, func(r io.Reader) (io.ReadCloser, error) { return io.NopCloser(lz4.NewReader(r)), nil }},
}

// archives are the compressions a bag is downloaded in that the import
// does not read through, with the tool that undoes each: xz. (A zip
// archive is unzipped: zip.go.)
var archives = []struct {
	magic      []byte
	name, tool string
}{
	{[]byte{0xfd, '7', 'z', 'X', 'Z', 0}, "xz", "unxz -k"},
}

// compressionOf returns the compression a file beginning with head is in,
// or nil.
func compressionOf(head []byte) *compression {
	for i := range compressions {
		if bytes.HasPrefix(head, compressions[i].magic) {
			return &compressions[i]
		}
	}
	return nil
}

// decompressedHead returns the first n bytes that r, of size bytes and
// compressed with c, decompresses to, or fewer and why.
func decompressedHead(r io.ReaderAt, size int64, c *compression, n int) ([]byte, error) {
	d, err := c.open(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, err
	}
	defer d.Close()
	head := make([]byte, n)
	n, err = io.ReadFull(d, head)
	return head[:n], err
}
