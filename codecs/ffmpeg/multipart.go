package ffmpeg

import (
	"bytes"
	"errors"
	"io"

	"github.com/asticode/go-astiav"
)

// maxClosingBoundary bounds the bytes after a multipart file's last picture
// that are read to see whether they are its closing boundary: a boundary
// line is "--" and a boundary of at most 70 characters (RFC 2046), between
// line breaks.
const maxClosingBoundary = 128

// closedMultipart reports whether err, from reading a multipart JPEG file
// (the mpjpeg format: ffmpeg -f mpjpeg, a saved MJPEG camera stream), is
// FFmpeg's demuxer refusing the boundary line that closes the file, which
// no headers or picture follow: the file's end, not damage. ffmpeg itself
// ends such a file with its "Invalid data" message and exit status 0. A file
// cut inside a picture, or inside the headers of one, is not closed so.
func (r *Reader) closedMultipart(err error) bool {
	f := r.fc.InputFormat()
	if !errors.Is(err, astiav.ErrInvaliddata) || f == nil || f.Name() != "mpjpeg" || r.dataEnd < 0 {
		return false
	}
	tail, ok := r.inputTail(r.dataEnd)
	return ok && isClosingBoundary(tail)
}

// inputTail returns the bytes of the input from offset at to its end, and
// false when they cannot be read again (an input that cannot seek) or are
// more than maxClosingBoundary.
func (r *Reader) inputTail(at int64) ([]byte, bool) {
	pb := r.fc.Pb()
	if pb == nil {
		return nil, false
	}
	if _, err := pb.Seek(at, io.SeekStart); err != nil {
		return nil, false
	}
	var tail []byte
	buf := make([]byte, maxClosingBoundary+1)
	for len(tail) <= maxClosingBoundary {
		n, err := pb.Read(buf[:maxClosingBoundary+1-len(tail)])
		tail = append(tail, buf[:n]...)
		if errors.Is(err, astiav.ErrEof) {
			return tail, true
		} else if err != nil {
			return nil, false
		}
	}
	return nil, false
}

// isClosingBoundary reports whether tail, what follows a multipart file's
// last part, is a boundary line ("--" and the boundary, or the close
// delimiter "--boundary--") between optional line breaks, and nothing more.
func isClosingBoundary(tail []byte) bool {
	line := bytes.TrimSpace(tail)
	return bytes.HasPrefix(line, []byte("--")) && !bytes.ContainsAny(line, "\r\n:")
}
