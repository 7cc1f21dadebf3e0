// Package export writes a recorded stream out of a gopline recording in
// formats other tools read: an MP4 file that any player plays (MP4), an MCAP
// file that Foxglove opens (MCAP, and MCAPStreams for several streams in one
// file), and PNG pictures at chosen instants (PNG, PNGFile).
//
// # Basics
//
// Each function takes an open Recording (storage.Open with
// storage.WithReadOnly is enough) and the name of one of its streams:
//
//	rec, err := storage.Open("run.gopline", storage.WithReadOnly())
//	...
//	res, err := export.MP4(ctx, rec, "/camera", time.Time{}, time.Time{}, "camera.mp4", nil)
//	res, err = export.MCAP(ctx, rec, "/camera", from, to, "camera.mcap", nil)
//	res, err = export.MCAPStreams(ctx, rec, []string{"/front", "/rear"}, from, to, "robot.mcap", nil)
//	paths, err := export.PNG(ctx, rec, "/camera", []time.Time{t1, t2}, "pictures")
//	err = export.PNGFile(ctx, rec, "/camera", t1, "still.png")
//
// MP4Files, MCAPFiles, PNGFiles and PNGFileFiles take the files of one
// recording as one, in the order of time (a split recording's, or those of
// a recording that went on in a new file where its camera changed its
// picture size), and count times from the earliest packet of them all:
//
//	res, err = export.MP4Files(ctx, []*storage.Recording{rec0, rec1}, "/camera", from, to, "camera.mp4", nil)
//	res, err = export.MCAPFiles(ctx, []*storage.Recording{rec0, rec1}, []string{"/front", "/rear"}, from, to, "robot.mcap", nil)
//	paths, err = export.PNGFiles(ctx, []*storage.Recording{rec0, rec1}, "/camera", []time.Time{t1, t2}, "pictures")
//
// MP4 and MCAP export the packets captured in [from, to): a zero from means
// the stream's first packet, a zero to means past its last. Like
// storage.Recording.Range, an export starts at the keyframe at or before
// from, so that its first picture decodes; it may therefore begin a little
// before from. H.264 packets are copied as they were recorded: nothing is
// decoded or re-encoded. An MP4 of a stream of JPEG or raw pictures holds
// them encoded as H.264 (EncodedCRF, EncodedPreset, EncodedGOP), each at
// its capture time, as ffmpeg -i cam.avi cam.mp4 makes it; an MCAP keeps
// JPEG pictures as they are. A stream with reordering (B-frames) keeps its decode
// order: an MP4 gets the source's pts and dts back (from each packet's
// composition offset), and an MCAP logs each message at its decode time,
// stamped with its picture's capture time. PNG decodes the picture shown at
// each instant: the latest one captured at or before it.
//
// # Files
//
// An export writes PATH.RANDOM.tmp, a new file beside PATH (never one that
// was there, such as a PATH.tmp of the user's), and renames it to PATH once
// the file is complete and synced to disk; on error, or when its context
// ends (Ctrl-C), it removes it. A file at PATH is thus always a complete
// export (an earlier one, if the new export failed). A PATH that is a
// symbolic link is written through: the file it leads to is the one
// replaced, beside which the temporary file is made. An export writes over
// a file at PATH: a caller that must not (gopline export without
// --overwrite) checks first. PNG does so for each picture: when its context
// ends it stops before the next one, and the pictures it returns are whole.
//
// # Damage
//
// A packet record that does not decode (storage.ErrCorruptRecord) is
// skipped, and so are the deltas after it up to the next keyframe, since
// their pictures would be built on a missing reference: the output holds
// only packets that decode. Result.Skipped counts both, Result.Damaged the
// records alone: a caller reports them and their reason. PNG writes every
// time whose picture decodes and returns an error naming each one it could
// not. A damaged page of the file (storage.ErrCorruptFile) ends the export
// with an error. Messages give times from the recording's start.
//
// # Caveats
//
// An MP4 file has one H.264 track. When its range's keyframes all carry the
// same SPS and PPS, they are in the track's sample entry (avc1); when they
// change (a camera restarted with other settings, or another size: between
// the files given to MP4Files, or, in a file recorded before the store
// refused it, within a stream), MP4 reads the range's
// keyframes first and writes an avc3 track, each keyframe carrying its own
// (Result.ParameterSetsChange, and Result.SizeChanges says where the size
// changes). FFmpeg, and the players built on it, decode every picture; a
// player that takes avc1 tracks only can be given each part on its own,
// split at the times of Result.SizeChanges. The track's size is its first picture's. MCAP
// takes such ranges as they are, on a channel of each picture size (its
// metadata says the codec and the size). MCAP log times and Foxglove
// timestamps are unsigned: messages captured before 1970 (a robot whose
// clock was not set) are written at 1970's start, in their order, and
// Result.BeforeEpoch says how many and the earliest time.
package export
