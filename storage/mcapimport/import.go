package mcapimport

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// Topic is what Import made of one channel of the MCAP file.
type Topic struct {
	Topic           string
	Schema          string
	MessageEncoding string
	// Skipped says why the topic was not imported ("" when it was): its
	// messages are not pictures, or not pictures gopline takes.
	Skipped string
	// NotPictures is set with Skipped when the messages hold no picture
	// (an IMU, a transform, a point cloud).
	NotPictures bool
	// Stream is the recording's stream the topic went to, with its codec,
	// pixel format (raw) and picture size.
	Stream        string
	Codec         media.Codec
	Format        media.PixelFormat
	Width, Height int
	// Messages counts the topic's messages read; Packets those stored.
	Messages, Packets int64
	First, Last       time.Time // capture times of the first and last packet stored
	// The messages not stored: before the stream's first keyframe, that
	// do not decode (a damaged picture, a message that does not match its
	// schema), of another picture size than the stream's first (gopline
	// keeps one size a stream), or coded otherwise than the first.
	BeforeKeyframe, Damaged, Resized, OtherFormat int64
	// Dropped counts H.264 pictures after one left out, up to the next
	// keyframe: they need the one left out to decode.
	Dropped int64
	// Retimed counts packets whose time was not after the one before: each
	// is stored a microsecond after it.
	Retimed int64
}

// Result is what Import read and stored.
type Result struct {
	Topics []Topic // in the order the file gives their channels
	// Truncated names the files that end before their footer (a recorder
	// stopped by a power cut or a kill): what they held is imported.
	Truncated []string
	// DamagedChunks counts chunks that do not decompress or fail their
	// checksum: their messages are lost, the rest is imported.
	DamagedChunks int64
	// Stopped says, for each file damaged past what can be read on from,
	// where its reading ended: what came before is imported.
	Stopped []string
}

// Packets returns the packets stored, all topics together.
func (r Result) Packets() int64 {
	var n int64
	for _, t := range r.Topics {
		n += t.Packets
	}
	return n
}

// Errors of Import.
var (
	// ErrNotMCAP: the file is not an MCAP file.
	ErrNotMCAP = errors.New("mcapimport: not an MCAP file")
	// ErrNoPictures: no topic the import was to take held pictures gopline
	// takes; nothing was written.
	ErrNoPictures = errors.New("mcapimport: no pictures imported")
	// ErrNoTopic: a topic asked for is not in the file.
	ErrNoTopic = errors.New("mcapimport: no such topic")
)

// Options say what Import takes.
type Options struct {
	// Topics are the topics to import; every topic of pictures when empty.
	Topics []string
	// Progress, when set, is called with the bytes of the bag's files
	// read so far and their size, at most once a chunk.
	Progress func(done, total int64)
}

// ImportFile reads the MCAP file src (a ROS 2 bag, a Foxglove recording,
// what gopline export wrote), a rosbag2 file in SQLite (.db3), or the files
// of a rosbag2 directory (its metadata.yaml's files in order, else its
// .mcap or .db3 files by their split number) as one, and writes their topics of pictures into a new
// recording dst, a stream a topic named as the topic: JPEG and H.264 as
// they were, PNG and raw pictures as raw ones (see Import).
//
// dst must not exist (an error wrapping fs.ErrExist). When nothing is imported
// (ErrNoPictures), on an error, and when ctx is done, dst is removed: a
// file is only left when it holds what was read.
func ImportFile(ctx context.Context, src, dst string, opts Options) (Result, error) {
	if _, err := os.Lstat(dst); err == nil {
		return Result{}, fmt.Errorf("mcapimport: %s: %w", dst, fs.ErrExist)
	}
	if err := storage.CheckName(dst); err != nil {
		return Result{}, err
	}
	paths, err := bagFiles(src)
	if err != nil {
		return Result{}, err
	}
	var files []bagFile
	for _, path := range paths {
		if fileBegins(path, []byte(sqliteMagic)) {
			files = append(files, bagFile{name: filepath.Base(path), sqlite: path})
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			return Result{}, fmt.Errorf("mcapimport: %w", err)
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return Result{}, fmt.Errorf("mcapimport: %w", err)
		}
		file := bagFile{r: f, size: fi.Size(), name: filepath.Base(path)}
		if fileBegins(path, zstdMagic) {
			if file, err = decompressing(file); err != nil {
				return Result{}, err
			}
			defer file.close()
		}
		files = append(files, file)
	}
	// Commits of 32 packets, unsynced, and one fsync of the whole file at
	// the end: a file cut short by a crash is not kept anyway.
	rec, err := storage.Open(dst, storage.WithBatch(32, 0), storage.WithSync(storage.SyncNone))
	if err != nil {
		return Result{}, err
	}
	res, err := importStreams(ctx, files, rec, opts)
	if cerr := rec.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil {
		err = storage.SyncFile(dst)
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		_ = os.Remove(dst)
		return res, err
	}
	return res, nil
}
