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

// Topic is what ImportFile made of one topic of the bag.
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
	// pixel format (raw) and picture size, those of its first packet.
	Stream        string
	Codec         media.Codec
	Format        media.PixelFormat
	Width, Height int
	// Sizes are the stream's picture sizes in order ("640x480"), and Files
	// the files it is in: a change of size or raw format goes on in the
	// next file of the recording, as the recorder splits one.
	Sizes, Files []string
	// Messages counts the topic's messages read; Packets those stored.
	Messages, Packets int64
	First, Last       time.Time // capture times of the first packet stored and of the latest
	// The messages not stored: before the stream's first keyframe, that
	// do not decode (a damaged picture, a message that does not match its
	// schema), or coded otherwise than the first (JPEG, then H.264).
	BeforeKeyframe, Damaged, OtherFormat int64
	// DamageWhy says why the first message counted in Damaged was left
	// out ("3 bytes for 640x480 rgb8 with rows of 1920").
	DamageWhy string
	// Dropped counts H.264 pictures after one left out, up to the next
	// keyframe: they need the one left out to decode.
	Dropped int64
	// NoParameterSets counts H.264 keyframes left out for want of their
	// SPS and PPS, which neither they nor a picture before them carried:
	// a camera that sent them once, before the bag began (or out of band,
	// as an MP4's avcC); the pictures after such a keyframe count as
	// before the first keyframe.
	NoParameterSets int64
	// Transcoded names what the topic's pictures were before they became
	// H.264: the codec they were transcoded from (Options.Transcode):
	// "h265", "hevc_nvenc", "vp9"; or the JPEG or raw pictures encoded
	// (Options.Encode): "jpeg", "raw rgb24"; "" when they were stored as
	// they came.
	Transcoded string
	// Retimed counts packets whose time was not after the one before: each
	// is stored a microsecond after it.
	Retimed int64
	// OutOfLine counts stamps far out of line with their neighbours' (a
	// camera clock's glitch, a year ahead): each picture was stored at its
	// log time plus its neighbours' offset from theirs (outofline.go).
	OutOfLine int64
	// LogTimed says the topic's packets are timed by their log times
	// (Options.Clock); video by its stamps moved onto the log times'
	// clock. ClockOffset is, when ClockAuto chose so, how far its stamps
	// were from its log times (their median): the clock they are on is
	// another than the bag's.
	LogTimed    bool
	ClockOffset time.Duration
	// FrameID is the frame_id of the topic's first picture (its header's,
	// or a Foxglove message's own), kept in its stream's info
	// (storage.StreamInfo.FrameID), which an MCAP export writes on every
	// picture; "" when it had none, or one a stream's info does not take
	// (not UTF-8, or over 1024 bytes). FrameIDChanged counts the pictures
	// of another frame_id, OtherFrameID the first of those: the stream
	// keeps the first.
	FrameID, OtherFrameID string
	FrameIDChanged        int64
}

// Result is what an import read and stored.
type Result struct {
	// Files are the recording's files: the one asked for, then one more
	// from each change of a topic's picture size or raw format.
	Files  []string
	Topics []Topic // in the order the file gives their channels
	// Truncated names the files that end before their footer (MCAP) or
	// without their index (a ROS 1 bag): a recorder stopped by a power cut
	// or a kill. What they held is imported.
	Truncated []string
	// DamagedChunks counts chunks that do not decompress or fail their
	// checksum: their messages are lost, the rest is imported.
	DamagedChunks int64
	// Unchanneled counts the messages of channels the file never defines
	// (no Channel record, in its data or its summary): their topics are
	// unknown, and they are left out.
	Unchanneled int64
	// Stopped says, for each file damaged past what can be read on from,
	// where its reading ended: what came before is imported.
	Stopped []string
	// ReadPast says, for each stretch of an MCAP file damaged where its
	// summary's chunk index says where the next chunk begins, where the
	// damage is and where the reading went on: what came before and after
	// is imported.
	ReadPast []string
	// Lost counts, in the MCAP files read past damage (ReadPast), stopped
	// at it (Stopped) or read to their end, the messages their statistics
	// count that the reading did not reach: those the damage took with it,
	// and message records damaged into records of a kind the MCAP reader
	// does not know, which it skips.
	Lost int64
	// Missing names the files a rosbag2 directory's metadata.yaml lists
	// that are not in it (a bag copied in part): the others are imported.
	Missing []string
	// Indexed names the files Inspect described from their index (an
	// MCAP file's summary and message indexes, a ROS 1 bag's chunk infos
	// and index data), without reading their messages through: damage in
	// the chunks it did not read is not seen.
	Indexed []string
}

// rangeOf returns the range a topic's measurements are shown in: its
// own (Ranges), else Range.
func (o Options) rangeOf(topic string) ValueRange {
	if r, ok := o.Ranges[topic]; ok {
		return r
	}
	return o.Range
}

// Packets returns the packets stored, all topics together.
func (r Result) Packets() int64 {
	var n int64
	for _, t := range r.Topics {
		n += t.Packets
	}
	return n
}

// Errors of ImportFile.
var (
	// ErrNotMCAP: the file is not a bag's (MCAP, SQLite, ROS 1).
	ErrNotMCAP = errors.New("mcapimport: not a bag")
	// ErrNoPictures: no topic the import was to take held pictures gopline
	// takes; nothing was written.
	ErrNoPictures = errors.New("mcapimport: no pictures imported")
	// ErrNoTopic: a topic asked for is not in the file.
	ErrNoTopic = errors.New("mcapimport: no such topic")
	// ErrTooManySizes: the pictures change size or raw format more often
	// than an import writes files for (a crafted bag: a camera changes
	// its size a few times); nothing is kept.
	ErrTooManySizes = fmt.Errorf("mcapimport: pictures that change size or raw format more than %d times", maxFiles-1)
)

// Options say what ImportFile takes.
type Options struct {
	// Topics are the topics to import; every topic of pictures when empty.
	Topics []string
	// Range is the values pictures of measurements (depth: 16UC1 in
	// millimetres, 32FC1 in metres, compressedDepth; mono16) are shown in,
	// from black to white; when zero, Range16 for 16-bit samples and
	// RangeFloat for floats.
	Range ValueRange
	// Ranges are the ranges of topics shown in another range than Range
	// (a thermal camera's counts beside a depth camera), by topic.
	Ranges map[string]ValueRange
	// Transcode, when set, opens a Transcoder for a topic whose pictures
	// are coded in a codec gopline does not carry (H.265, VP9, AV1, VP8:
	// Foxglove's CompressedVideo, ffmpeg_image_transport's packets), named
	// as the bag names it ("h265", "hevc_nvenc", "hevc;yuv420p;bgr8;bgr8"'s
	// "hevc"); the topic is stored as the H.264 it makes. Without it such
	// topics are left out, said in Topic.Skipped.
	Transcode func(codec string) (Transcoder, error)
	// Encode, when set, opens an Encoder for each topic of JPEG, PNG, raw
	// or depth pictures, at its first picture's size (and again at each
	// change of it): the topic is stored as the H.264 it makes, far
	// smaller than raw pictures, and played over WebRTC. Without it they
	// are stored as JPEG or raw.
	Encode func(width, height int) (Encoder, error)
	// Clock says what a packet's capture time is taken from: the header
	// stamps, but for a topic whose stamps are on another clock than the
	// bag's log times (ClockAuto, the default), the stamps (ClockStamp),
	// or the log times (ClockLog).
	Clock Clock
	// Progress, when set, is called with the bytes of the bag's files
	// read so far and their size, at most once a chunk.
	Progress func(done, total int64)
}

// ImportFile reads the MCAP file src (a ROS 2 bag, a Foxglove recording,
// what gopline export wrote), a rosbag2 file in SQLite (.db3), a ROS 1 bag
// (.bag), or the files
// of a rosbag2 directory (its metadata.yaml's files in order, else its
// .mcap or .db3 files by their split number) as one, and writes their
// topics of pictures into a new recording dst, a stream a topic named as
// the topic, in the order of the files, each from its first keyframe,
// its pictures in their log times' order (reorder.go).
//
// A topic of pictures is one whose schema has data and format fields
// (sensor_msgs/CompressedImage, foxglove CompressedImage and
// CompressedVideo) or data, encoding, width and height (sensor_msgs/Image,
// foxglove RawImage, ffmpeg_image_transport's packets), in ROS 2 (CDR),
// ROS 1, JSON or protobuf messages. JPEG and H.264 (Annex B; its
// parameter sets put in front of every keyframe that lacks them) are
// stored as they are; PNG and raw pictures (rgb, bgr, rgba, bgra of 8 or
// 16 bits, mono8, yuv422, yuyv, nv12, nv21, Bayer mosaics demosaiced) as
// raw RGB24, GRAY8 or YUV420P; pictures of measurements (depth: 16UC1,
// 32FC1, compressedDepth; mono16) as GRAY8, in opts.Range. A packet's
// capture time is its message's header stamp (ROS) or timestamp (Foxglove),
// or its log time when that is zero or opts.Clock says so (a topic whose
// stamps are on another clock than the bag's, by default); a stamp far out
// of line with its neighbours' is repaired (outofline.go). Other topics are listed in the Result,
// with why they were not imported. Where a topic's picture size or raw
// format changes, the recording goes on in a next file (dst's name with
// _1, _2, ...: storage.SplitPath), as the recorder splits one: that topic
// from its change, the others from their next keyframe.
//
// A file cut short (no footer: a recorder that was killed) is imported up
// to its cut and named in Result.Truncated; a damaged chunk is left out and
// counted; damage the reading cannot go on from ends that file's reading,
// said in Result.Stopped.
//
// dst and the files after it must not exist (an error wrapping
// fs.ErrExist). It returns ErrNoPictures when no packet was stored,
// ErrNoTopic when a topic of opts.Topics is not in the bag (both before
// anything is read when the bag's summaries say so: refusedBySummary),
// ErrTooManySizes for pictures that change size at every turn, and the
// recording's errors (a full disk) as they are. On any error, and when ctx
// is done, the files it wrote are removed: they are only left when they
// hold what was read.
func ImportFile(ctx context.Context, src, dst string, opts Options) (Result, error) {
	return ImportFiles(ctx, []string{src}, dst, opts)
}

// ImportFiles is ImportFile of several bags (or the files of one split
// bag, as rosbag record --split leaves them) read as one, in the order
// given: a topic goes on over them as one stream.
func ImportFiles(ctx context.Context, srcs []string, dst string, opts Options) (Result, error) {
	if _, err := os.Lstat(dst); err == nil {
		return Result{}, fmt.Errorf("mcapimport: %s: %w", dst, fs.ErrExist)
	}
	if err := storage.CheckName(dst); err != nil {
		return Result{}, err
	}
	if opts.Range != (ValueRange{}) {
		if err := opts.Range.Valid(); err != nil {
			return Result{}, fmt.Errorf("mcapimport: %w", err)
		}
	}
	for topic, r := range opts.Ranges {
		if err := r.Valid(); err != nil {
			return Result{}, fmt.Errorf("mcapimport: %s: %w", topic, err)
		}
	}
	if sum, err := refusedBySummary(ctx, srcs, opts.Topics); err != nil {
		return sum, err
	}
	files, missing, damaged, cleanup, err := bagFilesOf(ctx, srcs, filepath.Dir(dst))
	defer cleanup()
	if err != nil {
		return Result{}, err
	}
	// Commits of 32 packets, unsynced, and one fsync of each file at the
	// end: files cut short by a crash are not kept anyway.
	var recs []*storage.Recording
	open := func(i int) (*output, error) {
		path := dst
		if i > 0 {
			path = storage.SplitPath(dst, i)
			if _, err := os.Lstat(path); err == nil {
				return nil, fmt.Errorf("mcapimport: %s, the recording's next file: %w", path, fs.ErrExist)
			}
		}
		rec, err := storage.Open(path, storage.WithBatch(32, 0), storage.WithSync(storage.SyncNone))
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
		return &output{path: path, rec: rec, streams: map[string]bool{}}, nil
	}
	res, err := importStreams(ctx, files, open, opts)
	res.Missing = missing
	res.Stopped = append(damaged, res.Stopped...)
	for _, rec := range recs {
		if cerr := rec.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err == nil {
			err = storage.SyncFile(rec.Path())
		}
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		for _, rec := range recs {
			_ = os.Remove(rec.Path())
		}
		return res, err
	}
	return res, nil
}

// bagFilesOf returns the files of the bags srcs, in order, a zipped one
// taken out into a hidden directory in scratch (which cleanup removes),
// where a SQLite file compressed whole is decompressed too; the files a
// rosbag2 directory's metadata.yaml lists that are missing; and the
// entries of a zip that were damaged.
func bagFilesOf(ctx context.Context, srcs []string, scratch string) (files []bagFile, missing, damaged []string, cleanup func(), err error) {
	var dirs []string
	cleanup = func() {
		for _, d := range dirs {
			_ = os.RemoveAll(d)
		}
	}
	var paths []string
	for _, src := range inSplitOrder(srcs) {
		archive, dir := "", ""
		if isZip(src) {
			inner, unzipped, broken, err := unzipBag(ctx, src, scratch)
			if err != nil {
				return nil, nil, nil, cleanup, err
			}
			dirs = append(dirs, unzipped)
			archive, dir, src, damaged = src, unzipped, inner, append(damaged, broken...)
		}
		found, absent, err := bagFiles(src)
		if err != nil && archive != "" {
			err = inArchive(err, dir, archive, damaged)
		}
		if err != nil {
			return nil, nil, nil, cleanup, err
		}
		paths, missing = append(paths, found...), append(missing, absent...)
	}
	for _, path := range paths {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, nil, nil, cleanup, fmt.Errorf("mcapimport: %w", err)
		}
		files = append(files, bagFile{name: filepath.Base(path), path: path, size: fi.Size(), scratch: scratch})
	}
	return files, missing, damaged, cleanup, nil
}
