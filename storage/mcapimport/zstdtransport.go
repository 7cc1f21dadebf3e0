package mcapimport

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/gopline/gopline/media"
)

// A picture of zstd_image_transport (ROS 2 image_transport_plugins, the
// ".../zstd" topics) is a sensor_msgs/Image compressed whole into a
// CompressedImage of format "zstd": its data is the picture's height,
// width (uint32), is_bigendian (a byte), step and its encoding's length
// (uint32), all little-endian, its encoding, then its pixel data
// compressed: with zstd, or, by the plugin's first releases, with gzip.
const zstdTransportHeader = 4 + 4 + 1 + 4 + 4

// zstdTransportPicture returns the raw picture a zstd_image_transport
// picture p holds, its data decompressed: at most its rows' bytes, and no
// more than a record's (256 MiB).
func zstdTransportPicture(p picture) (picture, error) {
	d := p.data
	if len(d) < zstdTransportHeader {
		return p, fmt.Errorf("a zstd_image_transport picture of %d bytes", len(d))
	}
	h, w := binary.LittleEndian.Uint32(d), binary.LittleEndian.Uint32(d[4:])
	step, n := binary.LittleEndian.Uint32(d[9:]), binary.LittleEndian.Uint32(d[13:])
	encoding, ok := zstdTransportEncoding(d)
	if !ok {
		return p, fmt.Errorf("a zstd_image_transport picture whose encoding is %d bytes long", n)
	}
	out := picture{stamp: p.stamp, encoding: encoding, bigEndian: d[8] != 0}
	if w == 0 || h == 0 || w > media.MaxDimension || h > media.MaxDimension || uint64(step)*uint64(h) > maxRecord {
		return p, fmt.Errorf("a zstd_image_transport picture of %dx%d with rows of %d bytes", w, h, step)
	}
	out.width, out.height, out.step = int(w), int(h), int(step)
	packed := d[zstdTransportHeader+n:]
	c := compressionOf(packed)
	if c == nil || (c.name != "zstd" && c.name != "gzip") {
		return p, fmt.Errorf("a zstd_image_transport picture compressed with neither zstd nor gzip")
	}
	r, err := c.open(bytes.NewReader(packed))
	if err != nil {
		return p, err
	}
	defer r.Close()
	want := int64(step) * int64(h)
	out.data, err = io.ReadAll(io.LimitReader(r, want+1))
	switch {
	case err != nil:
		return p, err
	case int64(len(out.data)) != want:
		return p, fmt.Errorf("a zstd_image_transport picture of %d bytes where its %d rows of %d make %d", len(out.data), h, step, want)
	}
	return out, nil
}

// zstdTransportEncoding returns the encoding a zstd_image_transport
// picture's header names, if it is whole.
func zstdTransportEncoding(d []byte) (string, bool) {
	if len(d) < zstdTransportHeader {
		return "", false
	}
	n := binary.LittleEndian.Uint32(d[13:])
	if n > 64 || int(n) > len(d)-zstdTransportHeader {
		return "", false
	}
	return string(d[zstdTransportHeader : zstdTransportHeader+n]), true
}
