package storage

import "errors"

// Sentinel errors of this package. Callers test them with errors.Is; the
// returned errors wrap them with the details, and every error that concerns a
// file names the file.
var (
	// ErrNotRecording means a file exists but is not a gopline recording: it
	// is not a bbolt file at all, or is a bbolt file without gopline's meta
	// bucket; or, opened WithReadOnly, it is empty or a bbolt file with no
	// buckets (opened for writing, such a file is a new recording).
	ErrNotRecording = errors.New("storage: not a gopline recording")

	// ErrOtherFormat means a file is, by its first bytes, or a new
	// recording's path would be, by its extension, of another format than a
	// recording's: a video (MP4, Matroska, MPEG-TS, raw H.264, ...), an MCAP
	// file or a picture (FileKind). Open of such a file returns an error
	// wrapping both ErrNotRecording and ErrOtherFormat, naming what the file
	// is; CheckName, Open creating a recording and Recover refuse such a
	// name with it.
	ErrOtherFormat = errors.New("storage: another format's file")

	// ErrNotAFile means a path names neither a regular file nor a
	// directory: a named pipe (FIFO), a device such as /dev/null, a socket.
	// A recording is a file that bbolt seeks in and maps, which none of
	// these allows, and opening a pipe would wait for its other end for
	// ever. Open, SniffFile, Recover and CheckName refuse such a path with
	// it, saying what is there.
	ErrNotAFile = errors.New("storage: not a regular file")

	// ErrNeverWritten means a file opened WithReadOnly holds nothing: it is
	// empty, or a bbolt file with no buckets, as a recording cut (killed,
	// a power loss) before its first commit leaves. It comes wrapped with
	// ErrNotRecording. Readers of a set of files may leave such a file out:
	// it holds no packet to lose.
	ErrNeverWritten = errors.New("storage: nothing was ever written in the file")

	// ErrNewerVersion means a recording was written in a format version newer
	// than this build of gopline reads. The error names both versions.
	ErrNewerVersion = errors.New("storage: recording format is newer than this gopline")

	// ErrOlderVersion means a recording was written in a format version older
	// than this build of gopline reads: version 1, which stored each packet
	// as a value of its own, is no longer read. The error names both
	// versions.
	ErrOlderVersion = errors.New("storage: recording format is older than this gopline reads")

	// ErrCorruptFile means a recording's file is damaged: it is truncated,
	// both of bbolt's meta pages are invalid, gopline's own metadata does not
	// decode, or bbolt failed (panicked) on a damaged page while reading it.
	ErrCorruptFile = errors.New("storage: recording file is corrupt")

	// ErrCorruptRecord means one packet record does not decode: it is
	// truncated, its checksum fails or a field is out of range. The error
	// names the stream and the packet's index. It concerns that record alone,
	// or, when the record's header does not say where the record ends, the
	// records after it in its chunk too: a Cursor that returns it moves past
	// them, and the rest of the recording stays readable.
	ErrCorruptRecord = errors.New("storage: corrupt packet record")

	// ErrLocked means another Recording, in this process or another, has the
	// file open for writing (or, for a writer, open at all): bbolt locks the
	// file for as long as it is open.
	ErrLocked = errors.New("storage: recording is open elsewhere")

	// ErrClosed means the Recording (or the Cursor) was closed.
	ErrClosed = errors.New("storage: recording is closed")

	// ErrReadOnly means a write was attempted on a Recording opened with
	// WithReadOnly.
	ErrReadOnly = errors.New("storage: recording is open read-only")

	// ErrNoStream means the recording has no stream of the given name.
	ErrNoStream = errors.New("storage: no such stream")

	// ErrStreamExists means CreateStream was called with the name of a stream
	// the recording already has.
	ErrStreamExists = errors.New("storage: stream already exists")

	// ErrBadStreamInfo means a StreamInfo is not valid: an empty or over-long
	// name, an unknown codec, a size out of range, or a raw stream without a
	// pixel format.
	ErrBadStreamInfo = errors.New("storage: invalid stream info")

	// ErrBadPacket means Append was given a packet that cannot be stored: it
	// fails media.Packet.Validate, its codec is not the stream's, its capture
	// time is zero or outside the range of Unix nanoseconds (years 1678 to
	// 2262), or it is too large for one bbolt value.
	ErrBadPacket = errors.New("storage: packet cannot be stored")

	// ErrFormatChanged means Append was given a packet whose codec, picture
	// size or raw pixel format differ from its stream's: a camera or encoder
	// that changed its output. The error names both formats, and it wraps
	// ErrBadPacket too. A stream never mixes formats, and the store does not
	// start a stream of its own accord: a stream's name is its owner's (the
	// recorder names it after its topic, and play and export find it by that
	// name), so the owner decides whether to stop, or to record the new
	// format as another stream with CreateStream.
	ErrFormatChanged = errors.New("storage: packet format differs from its stream's")

	// ErrTimeWentBack means Append was given a keyframe captured more than
	// TimeStepTolerance before the latest packet of its stream: the clock
	// that stamps the capture times stepped back (NTP setting a robot's
	// clock that ran ahead, a clock set by hand). A stream's index reads
	// its packets in the order of their capture times, so its owner goes
	// on in another file, as for a new format: the error wraps
	// ErrFormatChanged and ErrBadPacket, and names the step.
	ErrTimeWentBack = errors.New("storage: capture time went back")

	// ErrNeedKeyframe means Append was given a delta packet that does not
	// continue the stream's chain: its keyframe was never appended, or it has
	// another Epoch or GOP than the packet before it, or a hole in Seq lies
	// between them. A recording holds only packets that decode, so the stream
	// takes packets again from its next keyframe.
	ErrNeedKeyframe = errors.New("storage: delta packet without its keyframe")

	// ErrDuplicate means Append was given a packet at or before the last
	// appended packet of the same Epoch (see media.Chain): a repeated or
	// replayed packet the stream already holds. It changes nothing.
	ErrDuplicate = errors.New("storage: packet already appended")

	// ErrDiskFull means a commit found no room for the recording: the file
	// system is full (ENOSPC), the owner's quota is spent (EDQUOT), or the
	// file reached the largest size the process may write (EFBIG). The
	// error of an Append, Flush or Close is a *WriteError, which says what
	// was dropped and kept; the file stays readable, and the Recording writes
	// again when space returns. The errors of CreateStream and of a
	// DurableCache's writer wrap it too.
	ErrDiskFull = errors.New("storage: no space for the recording")

	// ErrWriteFailed means a commit failed for another reason than space: an
	// I/O error, a file system gone read-only, or bbolt failing to map the
	// file it grew (then the Recording must be opened again, and its reads
	// fail with this error too). It comes as ErrDiskFull does.
	ErrWriteFailed = errors.New("storage: writing the recording failed")

	// ErrNoKeyframe means Seek or Range found no keyframe at or before the
	// requested time (the stream is empty or starts later).
	ErrNoKeyframe = errors.New("storage: no keyframe at or before the time")

	// ErrEmptyStream means the stream holds no committed packet.
	ErrEmptyStream = errors.New("storage: stream has no packets")

	// ErrBadRange means Range was given an end that is not after its start.
	ErrBadRange = errors.New("storage: range ends before it starts")

	// ErrBadOption means an option is out of range: a batch of fewer than one
	// packet, a negative interval, size or age, a nil clock or an unknown
	// sync policy.
	ErrBadOption = errors.New("storage: bad option")
)
