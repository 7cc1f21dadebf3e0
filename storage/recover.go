package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gopline/gopline/media"
)

// ErrNothingRecovered means Recover found no packet it could salvage: the
// file is empty, is not a recording, or none of its chunks holds a
// keyframe whose records decode. The error says what the scan found.
var ErrNothingRecovered = errors.New("storage: nothing could be recovered")

// RecoverResult is what Recover salvaged.
type RecoverResult struct {
	// PageSize is the damaged file's page size, as its meta page says or as
	// the scan found it; Pages counts the pages scanned.
	PageSize int
	Pages    int64
	// Streams are the streams written to the new file, with what each
	// salvaged and lost.
	Streams []RecoveredStream
	// Lost names the streams found in the damaged file of which no packet
	// could be salvaged.
	Lost []string
}

// Packets is the number of packets written, in all streams.
func (r RecoverResult) Packets() int64 {
	var n int64
	for _, s := range r.Streams {
		n += s.Packets
	}
	return n
}

// RecoveredStream is one stream of a recovered recording.
type RecoveredStream struct {
	// Name is the stream's name in the new file. Renamed is set when the
	// damaged file lost it: the stream is then named recovered-1,
	// recovered-2, ..., and its codec and size come from its packets.
	Name    string
	Renamed bool
	Codec   media.Codec
	// Packets and GOPs are what was written, from the keyframe of each
	// GOP kept on.
	Packets, GOPs int64
	// First and Last are the capture times of the first and the last
	// packet written.
	First, Last time.Time
	// Counted is the number of packets the damaged file's last complete
	// commit held for the stream, or 0 when nothing in the file tells it.
	// CountedBy says what told it; Uncounted, when it is 0, says what was
	// lost that would have.
	Counted   int64
	CountedBy CountSource
	Uncounted string
	// Damaged counts the records that failed to decode (checksum, framing);
	// Dropped counts packets that decoded but were left out: the rest of a
	// GOP whose keyframe is lost, or a packet that does not follow the one
	// before. Missing counts the packets that no chunk found: when Counted
	// is known, those it counts that were neither written, damaged nor
	// dropped, so that the four add up to Counted (unless Counted is older
	// than the chunks found); else the indexes between the chunks found
	// that no chunk held. All three count packets, and only packets lost:
	// a packet found twice (in two copies of a chunk) is written once and
	// counted nowhere.
	Damaged, Dropped, Missing int64
	// UnreadableChunks counts the chunks of the damaged file's last
	// complete commit whose pages were lost or hold nothing that decodes:
	// their packets are among the Missing.
	UnreadableChunks int64
	// Overwritten counts the chunks of the commit before the last that a
	// commit cut short (a full disk) wrote over: their pages, which the
	// last complete commit had freed when it copied the chunks to new
	// pages or deleted them, or the leaf that referred to them, past the
	// last commit's last chunk. The last complete commit did not hold
	// them: nothing the file held is lost with them.
	Overwritten int64
	// Uncommitted counts the packets written that the damaged file's last
	// complete commit did not hold: a commit cut short (a full disk, a
	// kill) wrote them to pages before it failed, and the recorder counted
	// them lost. They are among Packets but not among what Counted counts;
	// the records of such a commit that do not decode are counted nowhere,
	// as the file never held them.
	Uncommitted int64
}

// CountSource says what in a damaged file told how many packets its last
// complete commit held for a stream.
type CountSource int

const (
	// CountedByNothing: the count is not known.
	CountedByNothing CountSource = iota
	// CountedByCounters: the stream's counters, as the tree of the newest
	// valid meta page reaches them.
	CountedByCounters
	// CountedByIndexes: the counters are lost, and the indexes of the
	// stream's first chunk and of the end of its last chunk in that tree
	// tell it (a stream holds every index between).
	CountedByIndexes
)

// String is "counters", "indexes", or "" for CountedByNothing.
func (c CountSource) String() string {
	switch c {
	case CountedByCounters:
		return "counters"
	case CountedByIndexes:
		return "indexes"
	}
	return ""
}

// Lost is the number of packets the damaged file counted for the stream
// that were not written, or 0 when it is not known.
func (s RecoveredStream) Lost() int64 { return max(0, s.Counted-s.Committed()) }

// Committed is the number of packets written that the damaged file's last
// complete commit held: Packets but the Uncommitted.
func (s RecoveredStream) Committed() int64 { return s.Packets - s.Uncommitted }

// Recover salvages what is intact of a damaged or truncated recording at
// src into a new recording at dst. It reads src's pages directly, not
// through bbolt, which trusts them: it finds the streams' buckets and their
// chunks wherever they lie (a truncated file's meta pages may point at
// pages it no longer holds), decodes every chunk's records strictly (each
// carries its CRC), and appends the packets that decode to dst through the
// writer, in index order and from a keyframe on, so that every stream of
// dst decodes from its first packet: the rest of a GOP whose keyframe is
// lost is left out.
//
// bbolt copies on write, so a file holds older copies of rewritten pages: of
// the copies of a chunk, Recover takes the one the newest meta page's tree
// reaches, else the one with the most records that decode, takes a record
// that copy lost from another copy that holds it whole, and writes no
// index twice. A stream whose name is lost but whose chunks remain is
// written as recovered-1 (and so on): such chunks are gathered by codec,
// picture size and encoder epoch, and those of a known stream's epoch are
// given back to it.
//
// Recover refuses a dst that exists (fs.ErrExist), and one named as another
// format's file (CheckName: ErrOtherFormat); and a src that is another
// format's file (a video, an MCAP file) with ErrNothingRecovered wrapping
// ErrNotRecording and ErrOtherFormat. It writes dst.*.tmp next
// to dst, and puts it in place only when something was salvaged;
// otherwise it returns an error wrapping ErrNothingRecovered. It holds a
// few dozen bytes per chunk found and one chunk's bytes at a time, not the
// packets.
func Recover(src, dst string) (RecoverResult, error) {
	return RecoverContext(context.Background(), src, dst)
}

// RecoverContext is Recover, stopped when ctx is done: it then returns an
// error wrapping ctx's, having removed the file it was writing, and dst is
// not made.
func RecoverContext(ctx context.Context, src, dst string) (RecoverResult, error) {
	var res RecoverResult
	if _, err := os.Lstat(dst); err == nil {
		return res, fmt.Errorf("storage: recover into %s: %w", dst, fs.ErrExist)
	}
	if err := CheckName(dst); err != nil {
		return res, err
	}
	if fi, err := os.Stat(src); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		return res, fmt.Errorf("%w: %w", ErrNothingRecovered, checkFileType(src, fi.Mode(), false))
	}
	f, err := os.Open(src)
	if err != nil {
		return res, fmt.Errorf("storage: recover: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	switch {
	case err != nil:
		return res, fmt.Errorf("storage: recover: %w", err)
	case fi.IsDir():
		return res, fmt.Errorf("%w: %s is a directory", ErrNothingRecovered, src)
	case fi.Size() == 0:
		return res, fmt.Errorf("%w: %s is an empty file", ErrNothingRecovered, src)
	}
	if kind, _, err := SniffFile(src); err == nil && kind.IsOther() {
		return res, fmt.Errorf("%w: %w: %w: %s: this is %s, not a recording", ErrNothingRecovered, ErrNotRecording, ErrOtherFormat, src, kind)
	}
	r := contextReaderAt{ctx: ctx, r: f} // every read of src is a point where ctx stops it
	scan, err := scanPages(r, fi.Size())
	if err != nil {
		return res, fmt.Errorf("storage: recover: %s: %w", src, err)
	}
	res.PageSize, res.Pages = int(scan.pageSize), scan.pages
	cr := &chunkReader{r: r}
	plan, err := planSalvage(scan, cr)
	if err != nil {
		return res, fmt.Errorf("storage: recover: %s: %w", src, err)
	}
	switch {
	case len(plan.streams) == 0 && len(scan.metas) == 0 && scan.found() == 0:
		return res, fmt.Errorf("%w: %w: %s: no page of a recording found (%s)", ErrNothingRecovered, ErrNotRecording, src, scan.describe())
	case len(plan.streams) == 0:
		res.Lost = plan.lost
		return res, fmt.Errorf("%w: %s: no chunk that decodes (%s)", ErrNothingRecovered, src, scan.describe())
	}
	clock := time.Now
	if !scan.created.IsZero() {
		created := scan.created
		clock = func() time.Time { return created }
	}
	tmp, err := reserveTemp(dst)
	if err != nil {
		return res, err
	}
	res.Streams, err = writeSalvage(tmp, plan, cr, clock)
	res.Lost = plan.lost
	if errors.Is(err, ErrDiskFull) {
		// The writer's own words are for a recording that goes on.
		cause := "full"
		if errno := syscall.Errno(0); errors.As(err, &errno) {
			cause = errno.Error()
		}
		err = fmt.Errorf("%w: storage: recover: no room to write %s (%s): free space there, or give --out on another disk",
			ErrDiskFull, dst, cause)
	}
	if err == nil && res.Packets() == 0 {
		err = fmt.Errorf("%w: %s: its chunks hold no keyframe that decodes", ErrNothingRecovered, src)
	}
	if err == nil {
		err = SyncFile(tmp)
	}
	if err == nil {
		err = publish(tmp, dst)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return res, err
	}
	return res, nil
}

// contextReaderAt reads r until ctx is done, then fails with ctx's error.
type contextReaderAt struct {
	ctx context.Context
	r   io.ReaderAt
}

func (c contextReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, fmt.Errorf("storage: recover stopped: %w", err)
	}
	return c.r.ReadAt(p, off)
}

// recoverHint ends the error of a file that Open finds truncated or
// damaged: what salvages it.
func recoverHint(path string) string {
	return "gopline recover " + shellWord(path) + " --out NEW salvages what is intact"
}

// shellWord is path as a hint's command line writes it: quoted when a
// shell would split it or read its characters.
func shellWord(path string) string {
	if strings.ContainsAny(path, " \t\n'\"\\$`") {
		return strconv.Quote(path)
	}
	return path
}

// reserveTemp creates a new empty file beside dst for Recover to write, and
// returns its name: Open starts a recording in an empty file.
func reserveTemp(dst string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("storage: recover: %w", err)
	}
	name := f.Name()
	if err := f.Close(); err != nil {
		_ = os.Remove(name)
		return "", fmt.Errorf("storage: recover: %w", err)
	}
	return name, nil
}

// SyncFile makes the file at path durable: a recording written
// WithSync(SyncNone) (a batch job such as recover or an import, whose file
// is not kept when the job does not end) calls it once it is whole.
func SyncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("storage: sync: %w", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("storage: sync %s: %w", path, err)
	}
	return nil
}

// publish puts the written file at dst, unless something appeared there
// meanwhile: a hard link fails when dst exists. A file system without hard
// links gets a rename after a last look.
func publish(tmp, dst string) error {
	err := os.Link(tmp, dst)
	switch {
	case err == nil:
		_ = os.Remove(tmp)
		return nil
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("storage: recover into %s: %w", dst, fs.ErrExist)
	}
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("storage: recover into %s: %w", dst, fs.ErrExist)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("storage: recover: %w", err)
	}
	return nil
}
