// Package storage is gopline's recording store: one bbolt file per
// recording, holding streams of encoded packets (H.264, JPEG or raw) packed
// in chunks, with a keyframe index, group commit, seek, range reads and
// retention. It is pure storage: the recorder and player actors drive it.
//
// # Basics
//
// Open creates or opens a recording; CreateStream adds a stream (usually one
// per topic); Append adds packets; Close commits and closes:
//
//	rec, err := storage.Open("run.gopline")
//	...
//	err = rec.CreateStream(storage.StreamInfo{Name: "/camera", Codec: media.H264})
//	err = rec.Append("/camera", packet) // per packet, from the recorder
//	err = rec.Flush()                   // on the recorder's timer
//	err = rec.Close()
//
// Append buffers packets and commits them in groups: one bbolt write
// transaction per WithBatch packets, or at the first Append after the batch
// interval has passed (defaults: 30 packets or 100 ms), or at Flush or Close.
// The package starts no goroutine: the interval is checked when packets
// arrive, and the owner calls Flush on a timer so that the last packets of a
// stream that falls silent are committed too. A Recording is then a plain
// value with no background work to stop, and its owner decides when I/O
// happens. WithSync says what a commit guarantees after a crash
// (SyncEveryCommit, the default, or SyncNone).
//
// Each stream numbers its packets with an index that grows by one per
// appended packet, from 0, and continues when the recording is opened again
// and appended to (each writing session is counted as a segment). The index,
// not the packet's Seq, is the key: Seq restarts with every encoder, while
// the record keeps Seq, GOP and Epoch as they came. A stream holds only
// packets that decode: its first packet is a keyframe, and Append refuses a
// delta that does not continue the packet before it (ErrNeedKeyframe). A
// stream holds one format: Append refuses a packet whose codec, picture size
// or raw pixel format differ from the stream's (ErrFormatChanged), so a
// camera that changes its resolution is noticed, not recorded into a stream
// that no decoder set up for its first size can play. The size is the
// StreamInfo's, or the first packet's when the info gives none. A recording
// holds several streams, but the store does not start one by itself: names
// belong to the owner, who may record the new format with CreateStream.
//
// Reading goes through a Cursor. Seek(stream, t) starts at the latest
// keyframe captured at or before t, found through the keyframe index in
// O(log n), and reads on from the chunk that the keyframe starts: decoding
// from there and discarding the pictures before t yields the picture at t. Range(stream, from, to) does the same and stops before
// the first packet captured at or after to. Cursor.Next returns the packets
// in index order, then io.EOF. Stats, RecordingStats, First and Last
// describe what the file holds.
//
// WithRetention bounds a recording by payload bytes and by age. Retention
// runs in each commit's transaction and deletes whole GOPs, oldest first,
// with their index entries: it never leaves a delta whose keyframe is gone,
// and never deletes a stream's newest GOP.
//
// # Lifetimes and ownership
//
// Append copies the packet's Data into its record at once and keeps no
// reference to the packet. Every packet a Cursor returns is decoded into new
// memory: bbolt's bytes are valid only while its transaction is open, so
// nothing returned by this package points into the file, and returned
// packets stay valid after the Cursor and the Recording are closed.
//
// Cursors hold no transaction between calls: each reads a batch of packets
// per short read transaction (one packet after a seek, then twice as many
// each time, up to 64 packets or about 4 MiB) and remembers the index where
// it stopped. A long-lived reader thus never blocks the writer, which must
// wait for all read transactions whenever bbolt remaps a growing file.
//
// # When writes fail
//
// A commit that fails drops its batch and returns a *WriteError, which wraps
// ErrDiskFull when the file found no room (ENOSPC, EDQUOT, EFBIG) and
// ErrWriteFailed otherwise, and names the file, the packets dropped and
// those the file keeps. What earlier commits wrote stays readable: the file
// reopens and exports as if the process had stopped before the failed
// commit. The Recording then drops every packet for RetryInterval, each
// with a *WriteError (First is set only on the one that began the failure,
// the one to report), and tries again with the next keyframe; the first
// commit that succeeds ends the failure. Lost counts the packets dropped.
//
// It recovers rather than stopping for good because a robot's recorder
// usually runs unattended: the disk it fills is freed by an operator, by
// log rotation or by another recording's retention, and a recorder that
// stopped at its first failure would lose everything after a full disk that
// lasted a second. Recovering is not silent: every dropped packet returns
// an error, and Lost tells the owner to exit non-zero. A failure that
// cannot pass by itself is sticky: when bbolt fails to map the file it grew
// (the process is out of address space), it has lost its mapping, so every
// later write, and every read, returns ErrWriteFailed until the recording
// is closed and opened again. Retention cannot make room on a full disk:
// it runs in the commit that failed. WithOverwriteOldest can: it deletes
// the oldest GOPs in a transaction of their own and tries the commit
// again, in the pages they freed, so that a full disk costs the oldest
// packets instead of the newest.
//
// # The file
//
// A file holds a meta bucket (a magic string, the format version, the
// creation time), one bucket per stream, and the qos-cache bucket: the
// durable GOP cache of PERSISTENT topics (the latest GOP of each topic, kept
// across restarts of the publishing node; see DurableCache). Each packet is stored as a
// versioned record: a header (record version, the record's length, flags,
// codec, pixel format, width, height, seq, its distance from its GOP's
// keyframe, capture time in Unix nanoseconds, the composition offset of a
// packet decoded before it is presented (B-frames; only when not zero),
// epoch, CRC-32C), then the data. The header's integers are varints, so it takes about 34 bytes; files
// of format version 2 hold records of version 1, whose fixed header takes 52
// bytes. Each record is decodable on its own and carries its own checksum.
//
// A stream's records are packed into chunks of consecutive packets, each
// stored under the index of its first packet. A chunk never spans two GOPs:
// a keyframe always starts a new one, so retention deletes whole chunks. A
// chunk is closed at 64 KiB (a larger packet is a chunk of its own) or at
// the next keyframe; until then it is the stream's open chunk, and a commit
// that appends to it rewrites it whole. That write amplification is bounded:
// a commit rewrites the open chunk only while the chunk holds at most three
// times the bytes that the commit adds to the stream, and otherwise starts a
// new chunk, so a commit writes at most four times the bytes it adds, plus
// bbolt's pages on the path from each chunk it writes to the root, and its
// freelist and meta pages. A recorder that keeps up with its camera,
// committing 30 packets at a time, writes each GOP of a small stream once,
// as one chunk; commits of a few packets make chunks of a few commits. Seek
// and a Cursor find the chunk that holds an index by a B-tree seek, O(log
// n), and walk the records inside.
//
// Readers decode records strictly; a record that does not decode is
// reported (ErrCorruptRecord, naming the stream and index) and skipped, and
// the rest of the recording stays readable. A record whose header does not
// say where it ends (an unknown record version, or a length past the end of
// its chunk) takes the records after it in its chunk along: it is reported
// once, and reading goes on with the next chunk.
//
// A file is larger than its payload: bbolt rounds each chunk up to whole
// pages (1 KiB in new files, which wastes less than bbolt's usual 4 KiB), a
// packet costs its header (about 34 bytes), and a file has fixed costs:
// bbolt's two meta pages and freelist, a page for the root and one per
// stream, and the copies of those that the last commit freed, 8 KiB for one
// stream. Measured after Close (TestFileStaysWithinTenPercentOfItsPayload,
// BenchmarkFileOverhead): the 150-frame benchmark clip at 320x240 takes 1.07
// times its payload as H.264 (packets of ~1.2 KB, 200 KB in all) and 1.04 as
// JPEG (~14 KB) when committed 30 packets at a time, and about 1.2 as H.264
// when committed 3 at a time, as a live 30 fps camera's recorder does: a
// short recording of small packets feels the fixed costs, and small commits
// leave free pages behind, since bbolt frees the old copy of each chunk a
// commit rewrites. Five minutes of such packets take 1.05 to 1.09 times
// their payload, of 3 KB packets 1.03 to 1.07, of 20 KB 1.01. Streams of
// small pictures that are all keyframes (JPEG of 2 KB) take about 1.4 times
// theirs, since each picture is a chunk of its own.
//
// Open refuses a file that is not a recording: a file that is not bbolt's, or a bbolt file without gopline's meta bucket
// (ErrNotRecording; a video, an MCAP file or a picture, which Sniff tells
// by its first bytes, is named for what it is, the error wrapping
// ErrOtherFormat too); a recording of a newer format version
// (ErrNewerVersion) or of the older version 1, which stored each packet as a
// value of its own (ErrOlderVersion); and a truncated file or damaged
// metadata (ErrCorruptFile); and, without opening it, a named pipe, a device
// or a socket (ErrNotAFile: a pipe's open would wait for a writer). It reads format versions 2 to 4 (the current
// one, whose records may carry a composition offset). Opening an older file
// for writing raises its version to 4 first, so that a gopline that reads
// only older versions refuses the file as newer rather than meeting records
// it cannot read. It reads the metadata and each stream's last
// chunk, not every page, so damage deeper in the file shows when it is read.
// An empty file, or a bbolt file with no buckets at all, which is what a
// creation cut short leaves, is initialized as a new recording (WithReadOnly
// refuses both as ErrNotRecording). A new recording is not created at a
// path named as a video or an export (CheckName: cam.mp4, cam.mcap; an
// error wrapping ErrOtherFormat), though an existing one named so opens. A creation that fails, on a full disk
// say, removes the file it made, so nothing stays in the way of the next
// one.
//
// # Caveats
//
// bbolt locks the file for as long as it is open: exclusively for a writer,
// shared for WithReadOnly openers. A second Open of a file that a writer has
// open fails with ErrLocked, in this process as in another, so a live
// player in the recorder's process reads through the recorder's Recording
// (which is safe for concurrent use) rather than opening the file again.
// Readers see committed packets only. Peek describes a recording that a
// writer holds, without the lock: it reads the file's pages itself (not
// through bbolt, whose readers the writer must know of, since it reuses
// the pages that a commit frees two commits later), as of the newest
// commit, and reads again when a commit happened while it read. It reads
// only what Stats and RecordingStats do, so a commit rarely falls within
// it; a writer that commits too fast for that gets an error wrapping
// ErrLocked.
//
// bbolt checksums only its two meta pages; the records carry their own CRC.
// bbolt trusts the other pages: a damaged branch or leaf page makes it panic
// (it asserts page ids) or read outside the file's mapping. Because bbolt
// does panic on such files, Open and every transaction of this package run
// under a guard (the package's only recover) that turns a panic, and a
// memory fault on the mapping (debug.SetPanicOnFault), into an error
// wrapping ErrCorruptFile: a damaged file yields errors, not a crashed
// process. What a damaged page held
// is lost: a Cursor that meets one returns ErrCorruptFile from there on. When
// bbolt panics inside Open, gopline unlocks and closes the file, but bbolt's
// mapping of it stays until the process exits. A file that bbolt wrote
// without a freelist (its NoFreelistSync, which gopline never sets) is
// rebuilt by bbolt at Open on a goroutine of its own, where a damaged page
// cannot be caught.
//
// Retention by bytes counts payload bytes, not the file's size. bbolt never
// shrinks a file while it is open: deleted pages are reused by later
// commits, so a file under retention levels off at its payload limit plus
// bbolt's overhead. Retention runs only with a commit: a recording that
// receives nothing keeps its old GOPs until its next commit. Close trims the
// tail that bbolt grows the file by ahead of its data. Retention by age compares capture times with the
// Recording's clock, so both must come from the same time base.
//
// Capture times should not go backwards within a stream: Append refuses a
// keyframe captured more than TimeStepTolerance before its stream's latest
// packet (ErrTimeWentBack, a clock that stepped back), which the recorder
// takes on in a new file. Indexes order
// packets by arrival; First, Last and Stats read the capture times of a
// stream's first packet and of the latest of its last packets (B-frames
// may present an earlier picture last), a Range stops at the first packet
// captured at or after its end, and retention by age judges a GOP by its
// last packet's capture time.
package storage
