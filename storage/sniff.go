package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// FileKind is what a file is by its first bytes, or what its name says it
// is: a recording, or one of the files that users of gopline give its
// commands in place of one (the video they recorded it from, the MP4 or
// MCAP they exported, a picture).
type FileKind int

const (
	// KindUnknown is a file of none of the kinds below (a damaged
	// recording's first page, say).
	KindUnknown FileKind = iota
	// KindBolt is a bbolt file: a recording, or another program's database.
	KindBolt
	KindMP4      // MP4 or QuickTime (MOV): an ftyp box first
	KindMatroska // Matroska (MKV): an EBML header
	KindWebM     // WebM: an EBML header of doc type webm
	KindMPEGTS   // MPEG transport stream: a 0x47 sync byte every 188 bytes
	KindAVI      // AVI: a RIFF file of form AVI
	KindFLV      // Flash video
	KindH264     // raw H.264 (Annex B): a start code, then an H.264 NAL unit
	KindMCAP     // MCAP, which gopline export writes
	KindPNG      // a PNG picture
	KindJPEG     // a JPEG picture
	KindSQLite   // SQLite: a ROS 2 bag's .db3
	KindZstd     // compressed with zstd: a ROS 2 bag's NAME_0.mcap.zstd or NAME_0.db3.zstd
	KindROS1Bag  // a ROS 1 bag (format 2.0)
	KindGzip     // compressed with gzip: a dataset's robot.bag.gz
	KindBzip2    // compressed with bzip2: a dataset's robot.bag.bz2
	KindLZ4      // compressed with lz4 (its frame format)
	KindZip      // a zip archive: a rosbag2 directory zipped to be shared
	KindAudio    // sound alone: an M4A, MP3, WAV, FLAC or raw AAC file
)

var kindNames = map[FileKind]string{
	KindUnknown:  "a file of unknown kind",
	KindBolt:     "a bbolt file",
	KindMP4:      "an MP4 (or QuickTime MOV) video",
	KindMatroska: "a Matroska (MKV) video",
	KindWebM:     "a WebM video",
	KindMPEGTS:   "an MPEG-TS stream",
	KindAVI:      "an AVI video",
	KindFLV:      "an FLV video",
	KindH264:     "a raw H.264 stream (Annex B)",
	KindMCAP:     "an MCAP file",
	KindPNG:      "a PNG picture",
	KindJPEG:     "a JPEG picture",
	KindSQLite:   "a SQLite file (a ROS 2 bag's .db3)",
	KindZstd:     "a zstd-compressed file",
	KindROS1Bag:  "a ROS 1 bag",
	KindGzip:     "a gzip-compressed file",
	KindBzip2:    "a bzip2-compressed file",
	KindLZ4:      "an lz4-compressed file",
	KindZip:      "a zip archive",
	KindAudio:    "an audio file (sound, no pictures)",
}

// String says what the kind is, as a phrase: "an MP4 (or QuickTime MOV)
// video".
func (k FileKind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("FileKind(%d)", int(k))
}

// IsVideo reports whether k is a video file or stream, which FFmpeg (and
// so gopline's videosrc) reads.
func (k FileKind) IsVideo() bool {
	switch k {
	case KindMP4, KindMatroska, KindWebM, KindMPEGTS, KindAVI, KindFLV, KindH264:
		return true
	}
	return false
}

// IsOther reports whether k is a known kind of file that is not a
// recording: a video, a bag, a picture.
func (k FileKind) IsOther() bool { return k != KindUnknown && k != KindBolt }

// IsBag reports whether k is a kind of file that gopline import reads: an
// MCAP file (a ROS 2 bag's, Foxglove's, gopline export's), a ROS 2 bag's
// SQLite file or a ROS 1 bag, a file compressed whole as one of those is
// (zstd, gzip, bzip2, lz4), or a zip archive of a bag.
func (k FileKind) IsBag() bool {
	switch k {
	case KindMCAP, KindSQLite, KindROS1Bag, KindZstd, KindGzip, KindBzip2, KindLZ4, KindZip:
		return true
	}
	return false
}

// SniffLen is how many of a file's first bytes Sniff looks at: enough for
// three MPEG-TS packets.
const SniffLen = 3*tsPacket + 1

// tsPacket is an MPEG-TS packet's size; M2TS (Blu-ray, AVCHD) puts a 4-byte
// time code in front of each, making 192.
const (
	tsPacket   = 188
	m2tsPacket = 192
)

// Sniff says what kind of file begins with head (its first SniffLen bytes,
// or fewer when the file is shorter). It looks at signatures only: a file
// that begins as a video may still be damaged further on.
func Sniff(head []byte) FileKind {
	switch {
	case len(head) >= 20 && binary.LittleEndian.Uint32(head[16:20]) == boltMagic: // after the meta page's header
		return KindBolt
	case bytes.HasPrefix(head, []byte(mcapMagic)):
		return KindMCAP
	case bytes.HasPrefix(head, []byte("SQLite format 3\x00")):
		return KindSQLite
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return KindZstd
	case bytes.HasPrefix(head, []byte("#ROSBAG V2.0\n")):
		return KindROS1Bag
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return KindGzip
	case len(head) >= 4 && bytes.HasPrefix(head, []byte("BZh")) && head[3] >= '1' && head[3] <= '9':
		return KindBzip2
	case bytes.HasPrefix(head, []byte{0x04, 0x22, 0x4d, 0x18}):
		return KindLZ4
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return KindZip
	case len(head) >= 12 && string(head[4:8]) == "ftyp" && isAudioBrand(string(head[8:12])):
		return KindAudio
	case len(head) >= 8 && isMP4Box(string(head[4:8])):
		return KindMP4
	case bytes.HasPrefix(head, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		// The doc type is in the EBML header, within its first bytes.
		if bytes.Contains(head[:min(len(head), 64)], []byte("webm")) {
			return KindWebM
		}
		return KindMatroska
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "AVI ":
		return KindAVI
	case bytes.HasPrefix(head, []byte("FLV\x01")):
		return KindFLV
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return KindPNG
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return KindJPEG
	case isTS(head, 0, tsPacket) || isTS(head, 4, m2tsPacket):
		return KindMPEGTS
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WAVE",
		bytes.HasPrefix(head, []byte("fLaC")), bytes.HasPrefix(head, []byte("ID3")), isAudioFrame(head):
		return KindAudio
	case isAnnexB(head):
		return KindH264
	}
	return KindUnknown
}

// isMP4Box reports whether name, the type of a file's first box, begins an
// MP4 or QuickTime file: ftyp in every recent one, the others in older
// QuickTime files.
func isMP4Box(name string) bool {
	switch name {
	case "ftyp", "moov", "mdat", "wide", "free", "skip", "pnot":
		return true
	}
	return false
}

// isAudioBrand reports whether brand, an MP4 file's major brand, is one
// of the audio files' (iTunes' .m4a, .m4b and .m4p, Flash's .f4a and
// .f4b).
func isAudioBrand(brand string) bool {
	switch brand {
	case "M4A ", "M4B ", "M4P ", "F4A ", "F4B ":
		return true
	}
	return false
}

// isAudioFrame reports whether head begins with the header of an MPEG
// audio frame (an MP3 without an ID3 tag) or of an ADTS frame (raw AAC):
// eleven bits of sync, then, for MPEG audio, a layer, a bitrate and a
// sample rate that are not reserved.
func isAudioFrame(head []byte) bool {
	if len(head) < 4 || head[0] != 0xFF || head[1]&0xE0 != 0xE0 {
		return false
	}
	if head[1]&0x06 == 0 { // layer 0: ADTS, whose version bits leave out 01
		return head[1]&0xF0 == 0xF0
	}
	return head[1]&0x18 != 0x08 && head[2]>>4 != 0x0F && head[2]&0x0C != 0x0C
}

// isTS reports whether head holds MPEG-TS sync bytes from offset on, one
// every size bytes, two at least: one alone is any file that begins with
// a G.
func isTS(head []byte, offset, size int) bool {
	if len(head) < offset+size+1 {
		return false
	}
	for i := offset; i < len(head); i += size {
		if head[i] != 0x47 {
			return false
		}
	}
	return true
}

// isAnnexB reports whether head begins with an Annex B start code and an
// H.264 NAL unit that starts a stream: an access unit delimiter, SEI, SPS,
// PPS or a slice, with a nal_ref_idc that fits its type (the header bytes
// of H.265's VPS, SPS and PPS do not).
func isAnnexB(head []byte) bool {
	var nal byte
	switch {
	case len(head) >= 5 && bytes.HasPrefix(head, []byte{0, 0, 0, 1}):
		nal = head[4]
	case len(head) >= 4 && bytes.HasPrefix(head, []byte{0, 0, 1}):
		nal = head[3]
	default:
		return false
	}
	if nal&0x80 != 0 {
		return false // forbidden_zero_bit
	}
	ref, typ := nal>>5, nal&0x1F
	switch typ {
	case 6, 9: // SEI, access unit delimiter
		return ref == 0
	case 7, 8, 5: // SPS, PPS, IDR slice
		return ref != 0
	case 1: // a slice
		return true
	}
	return false
}

// SniffFile says what kind of file the one at path is (Sniff), and its size.
func SniffFile(path string) (kind FileKind, size int64, err error) {
	if fi, err := os.Stat(path); err == nil {
		if err := checkFileType(path, fi.Mode(), false); err != nil {
			return KindUnknown, 0, err // not opened: a pipe's open waits for a writer
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return KindUnknown, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return KindUnknown, 0, err
	}
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return KindUnknown, fi.Size(), err
	}
	return Sniff(head[:n]), fi.Size(), nil
}

// SplitBagName splits a bag's file name (or path) into its stem and its
// extension, a compression of the whole file left out (rosbag2's .zstd,
// the tools' .zst, .gz, .bz2, .lz4): "robot_0" and ".db3" for
// robot_0.db3.zstd, "robot_0" and ".mcap" for robot_0.mcap.
func SplitBagName(name string) (stem, ext string) {
	for _, compressed := range []string{".zstd", ".zst", ".gz", ".bz2", ".lz4"} {
		if cut, ok := strings.CutSuffix(name, compressed); ok {
			name = cut
			break
		}
	}
	ext = filepath.Ext(name)
	return strings.TrimSuffix(name, ext), ext
}

// kindsByExtension are the extensions of the files a recording's name
// must not end in: those of the formats gopline export writes and of the
// videos FFmpeg reads.
var kindsByExtension = map[string]FileKind{
	".mp4": KindMP4, ".mov": KindMP4, ".mkv": KindMatroska, ".webm": KindWebM, ".mcap": KindMCAP,
	".ts": KindMPEGTS, ".avi": KindAVI, ".flv": KindFLV, ".h264": KindH264, ".264": KindH264, ".db3": KindSQLite,
}

// CheckName refuses a path for a new recording whose extension names
// another format (.mp4, .mkv, .mcap, ...), with an error wrapping
// ErrOtherFormat: a recording is a bbolt file, which a player or Foxglove
// given that name would fail to open, and a user who wrote it likely meant
// the export of one. It refuses a path where a pipe, a device (/dev/null)
// or a socket is, with an error wrapping ErrNotAFile. Any other name is
// accepted.
func CheckName(path string) error {
	if fi, err := os.Stat(path); err == nil {
		if err := checkFileType(path, fi.Mode(), true); err != nil {
			return err
		}
	}
	ext := strings.ToLower(filepath.Ext(path))
	kind, ok := kindsByExtension[ext]
	if !ok {
		return nil
	}
	stem := strings.TrimSuffix(path, filepath.Ext(path))
	out := path
	if ext != ".mp4" && ext != ".mcap" {
		out = stem + ".mp4"
	}
	return fmt.Errorf("%w: %s: its name says %s, and a recording is a bbolt file of gopline's own: name it %s.gopline "+
		"(gopline export writes MP4 and MCAP files from a recording: gopline export %s.gopline --out %s)",
		ErrOtherFormat, path, kind, stem, stem, out)
}

// checkFileType returns an error wrapping ErrNotAFile, naming what is at
// path and what to do, when mode (path's, followed through links) is
// neither a regular file's nor a directory's. writing says whether a
// recording was to be written there.
func checkFileType(path string, mode fs.FileMode, writing bool) error {
	what := NotAFile(mode)
	if what == "" {
		return nil
	}
	advice := "a recording is read by seeking in it (bbolt maps the file), which only a regular file allows"
	if mode&fs.ModeNamedPipe != 0 {
		advice += ": copy what the pipe carries into a file first"
	}
	if writing {
		advice = "a recording is a file that gopline seeks in and maps (bbolt), which only a regular file allows: " +
			"record into a file and copy it once it is closed"
		if mode&fs.ModeCharDevice != 0 {
			advice += "; a pipeline whose output is not to be kept ends in fakesink (gopline run)"
		}
	}
	return fmt.Errorf("%w: %s is %s: %s", ErrNotAFile, path, what, advice)
}

// NotAFile names what mode, a path's (followed through links), is when it
// is neither a regular file nor a directory: "a named pipe (FIFO)", "a
// character device" (/dev/null, /dev/stdout's terminal), "a block
// device", "a socket"; "" for a file or a directory. gopline reads and
// writes its files by seeking in them, or writes them through a temporary
// file renamed into place, which would put a file where such a thing was.
func NotAFile(mode fs.FileMode) string {
	switch {
	case mode.IsRegular() || mode.IsDir():
		return ""
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case mode&fs.ModeCharDevice != 0:
		return "a character device"
	case mode&fs.ModeDevice != 0:
		return "a block device"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file"
}
