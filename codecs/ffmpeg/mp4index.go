package ffmpeg

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// mp4Boxes is what the top-level boxes of a file say of it as an MP4 (or
// QuickTime MOV): whether it starts with ftyp (is one), holds moov (the
// index that says where each picture lies, which a muxer writes at the
// end unless told to write it first or in fragments), and where a box
// runs past the file's end (cut).
type mp4Boxes struct {
	mp4, moov, fragments, cut bool
}

// maxTopBoxes bounds the top-level boxes scanTopBoxes reads: a real file
// has a handful (ftyp, moov, mdat, free), a fragmented one two a fragment.
const maxTopBoxes = 1 << 16

// scanTopBoxes reads the top-level box headers of r, size bytes long.
func scanTopBoxes(r io.ReaderAt, size int64) mp4Boxes {
	var b mp4Boxes
	var head [16]byte
	for off, n := int64(0), 0; off < size && n < maxTopBoxes; n++ {
		if size-off < 8 {
			b.cut = true
			break
		}
		if _, err := r.ReadAt(head[:8], off); err != nil {
			break
		}
		length := int64(binary.BigEndian.Uint32(head[:4]))
		kind := string(head[4:8])
		switch length {
		case 0: // to the end of the file
			length = size - off
		case 1: // a 64-bit length follows
			if size-off < 16 {
				b.cut = true
				return b
			}
			if _, err := r.ReadAt(head[8:16], off+8); err != nil {
				return b
			}
			length = int64(binary.BigEndian.Uint64(head[8:16]) & (1<<63 - 1))
		}
		if n == 0 {
			if kind != "ftyp" {
				return b
			}
			b.mp4 = true
		}
		switch kind {
		case "moov":
			b.moov = true
		case "moof":
			b.fragments = true
		}
		if length < 8 || length > size-off {
			b.cut = length > size-off
			break
		}
		off += length
	}
	return b
}

// missingIndex returns why FFmpeg cannot read path, an MP4 or MOV file
// without its moov box, or nil when path is not such a file: a recording
// stopped before its muxer wrote the index (a crash, a power loss, a copy
// cut short) holds its pictures in an mdat box that nothing locates.
func missingIndex(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	b := scanTopBoxes(f, fi.Size())
	if !b.mp4 || b.moov || b.fragments {
		return nil
	}
	cut := ""
	if b.cut {
		cut = ", and the file ends inside a box"
	}
	return fmt.Errorf("it is an MP4 (or MOV) without its index, the moov box%s: the recording that wrote it stopped "+
		"before finishing it (a crash, a power loss, a copy cut short), so nothing says where its pictures lie, "+
		"for FFmpeg either (a fragmented MP4, as ffmpeg -movflags frag_keyframe+empty_moov writes, keeps an index "+
		"as it goes and survives that)", cut)
}
