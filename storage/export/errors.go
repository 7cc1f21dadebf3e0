package export

import "errors"

// Sentinel errors of this package, wrapped by errors that name the
// recording's file and the stream. Errors of the recording itself (a missing
// stream, a damaged file) wrap storage's sentinels.
var (
	// ErrUnsupportedCodec means the output format cannot hold the stream's
	// codec: MP4 takes H.264, JPEG and raw pictures (the latter two
	// encoded as H.264), MCAP takes H.264, JPEG and raw pictures.
	ErrUnsupportedCodec = errors.New("export: format does not take the stream's codec")

	// ErrEmptyRange means an export's range holds no packet: the stream is
	// empty, the range ends before it starts, or it lies outside the stream.
	ErrEmptyRange = errors.New("export: no packets in the range")

	// ErrFilesOverlap means the files given to MP4Files (MCAPFiles,
	// PNGFiles) as one recording are not in the order of time: a stream's
	// packets in one file do not all come before those in the next.
	ErrFilesOverlap = errors.New("export: the files of a recording overlap in time")

	// ErrOutOfRange means a picture was asked for at a time before the
	// stream's first packet or after its last.
	ErrOutOfRange = errors.New("export: time is outside the stream")

	// ErrNoPicture means no picture decodes at a requested time: the packets
	// that lead to it are damaged.
	ErrNoPicture = errors.New("export: no picture decodes at the time")

	// ErrGapTooLong means an MP4 export's stream has a gap between two
	// pictures longer than an MP4 track holds (ffmpeg.MaxMP4Step, some 6.6
	// hours); the error is a *GapError, which says where. Nothing is
	// written: FFmpeg's muxer would squeeze the gap to a tick and move
	// every picture after it, with a warning and no error.
	ErrGapTooLong = errors.New("export: a gap in the stream longer than an MP4 holds")

	// ErrNoRoom means the export's file found no room: its file system is
	// full (ENOSPC), the owner's quota is spent (EDQUOT), or the file
	// reached the size limit of the process (EFBIG). The error names the
	// file asked for, not the temporary one written, and says what to do.
	ErrNoRoom = errors.New("export: no room on the disk")
)
