package ffmpeg

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/asticode/go-astiav"
)

// pipeBufferSize is the size of the buffer FFmpeg reads a pipe into, that
// of its own pipe protocol (IO_BUFFER_SIZE).
const pipeBufferSize = 32 << 10

// pipeAnalyzeDuration is how much of a pipe's stream FFmpeg's probe reads
// (its analyzeduration) unless the caller's options say: FFmpeg's 5 s
// default holds a raw H.264 pipe's first picture back 5 s (its stream
// has no timing to settle sooner), then hands on 5 s of packets at once.
// Half a second of pictures settles the size and rate of a stream that
// starts with a keyframe, as ffmpeg's output does; one joined inside a long
// GOP may need more (options=analyzeduration=...).
const pipeAnalyzeDuration = 500 * time.Millisecond

// pipeInput reads a pipe or a FIFO (location=-, a named pipe) for FFmpeg
// through Go's poller. FFmpeg's own pipe and file protocols block in
// read(2), which its interrupt callback cannot end: a writer that stalls
// would hold the source past the pipeline's stop. Read here, the wait
// ends as soon as stop is called.
//
// The pipeInput owns its file and its IOContext; close frees both, after
// the format context that reads through the IOContext is closed.
type pipeInput struct {
	file *os.File
	conn syscall.RawConn
	// named: a FIFO, whose first writer may come after it is opened; until
	// a byte is read (began), its end is the writer not come yet.
	named, began bool
	// read is the bytes read from the pipe so far: at the writer's end,
	// the size a file of the same bytes would have.
	read int64
	io   *astiav.IOContext
}

// pipePath returns the path to open to read url through Go, and whether
// it is a FIFO; "" when url is no pipe: the standard input ("-") when it
// is a pipe, or the path of a FIFO. A device input (inFmt with no file of
// its own, as v4l2 and lavfi) is FFmpeg's to open.
func pipePath(url string, inFmt *astiav.InputFormat) (path string, named bool) {
	if inFmt != nil && inFmt.Flags().Has(astiav.IOFormatFlagNofile) {
		return "", false
	}
	if url == "-" {
		if st, err := os.Stdin.Stat(); err == nil && st.Mode()&os.ModeNamedPipe != 0 {
			// A description of its own: setting it non-blocking leaves the
			// one the process shares with its parent as it is.
			return "/proc/self/fd/0", false
		}
		return "", false
	}
	if strings.Contains(url, ":") {
		return "", false // a URL (file:, pipe:, a network protocol)
	}
	if st, err := os.Stat(url); err == nil && st.Mode()&os.ModeNamedPipe != 0 {
		return url, true
	}
	return "", false
}

// openPipeInput opens path, a pipe or a FIFO, for reading through Go's
// poller. It does not wait for a FIFO's writer: the first read does.
func openPipeInput(path string, named bool) (*pipeInput, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	conn, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	p := &pipeInput{file: f, conn: conn, named: named}
	if p.io, err = astiav.AllocIOContext(pipeBufferSize, false, p.readInto, nil, nil); err != nil {
		f.Close()
		return nil, err
	}
	return p, nil
}

// readInto reads what the pipe holds into b, waiting in Go's poller until it
// holds something. It returns FFmpeg's end of file when the writer has
// gone, and AVERROR_EXIT once stop was called.
func (p *pipeInput) readInto(b []byte) (int, error) {
	var n int
	var rerr error
	err := p.conn.Read(func(fd uintptr) bool {
		for {
			n, rerr = syscall.Read(int(fd), b)
			if rerr != syscall.EINTR {
				break
			}
		}
		if rerr == syscall.EAGAIN {
			return false // empty: wait until it is readable
		}
		// A FIFO read before its first writer came reads as ended.
		return !(n == 0 && rerr == nil && p.named && !p.began)
	})
	switch {
	case err != nil: // the deadline of stop
		return 0, astiav.ErrExit
	case rerr != nil:
		var errno syscall.Errno
		if errors.As(rerr, &errno) {
			return 0, astiav.Error(-int(errno))
		}
		return 0, astiav.ErrEio
	case n == 0:
		return 0, astiav.ErrEof
	}
	p.began = true
	p.read += int64(n)
	return n, nil
}

// stop ends the read under way, and every read after it. It may be called
// while another goroutine reads.
func (p *pipeInput) stop() { _ = p.file.SetReadDeadline(time.Unix(1, 0)) }

// close frees the IOContext and closes the pipe.
func (p *pipeInput) close() {
	p.io.Free()
	_ = p.file.Close()
}

// pipedMP4Hint ends the error of an MP4 or MOV read from a pipe that FFmpeg
// could not read: its index (the moov box) is at its end, and a pipe
// cannot be read twice.
const pipedMP4Hint = " (an MP4 or MOV read from a pipe needs its index first, as ffmpeg -movflags +faststart writes it, " +
	"or fragments, -movflags frag_keyframe+empty_moov; or give the file itself)"
