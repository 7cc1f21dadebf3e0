package storage_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopline/gopline/storage"
)

// tsHead is the start of an MPEG-TS stream: a sync byte every 188 bytes.
func tsHead(packetSize, offset, packets int) []byte {
	b := make([]byte, packets*packetSize)
	for i := range packets {
		b[i*packetSize+offset] = 0x47
	}
	return b
}

// sniffCases are the first bytes of each kind of file users give gopline
// in place of a recording, and of look-alikes that are none of them. They
// seed FuzzSniff too.
var sniffCases = []struct {
	name string
	head []byte
	want storage.FileKind
}{
	{"mp4", []byte("\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"), storage.KindMP4},
	{"mov", []byte("\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  "), storage.KindMP4},
	{"old quicktime", []byte("\x00\x00\x00\x08wide\x00\x10\x00\x00mdat"), storage.KindMP4},
	{"mkv", []byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x88matroska"), storage.KindMatroska},
	{"webm", []byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm"), storage.KindWebM},
	{"ts", tsHead(188, 0, 4), storage.KindMPEGTS},
	{"m2ts", tsHead(192, 4, 4), storage.KindMPEGTS},
	{"avi", []byte("RIFF\x00\x10\x00\x00AVI LIST"), storage.KindAVI},
	{"wav is no avi", []byte("RIFF\x00\x10\x00\x00WAVEfmt "), storage.KindAudio},
	{"m4a", []byte("\x00\x00\x00\x1cftypM4A \x00\x00\x02\x00M4A isom"), storage.KindAudio},
	{"mp3 with a tag", []byte("ID3\x04\x00\x00\x00\x00\x00\x23"), storage.KindAudio},
	{"mp3 frame", []byte("\xff\xfb\x90\x64\x00"), storage.KindAudio},
	{"aac adts", []byte("\xff\xf1\x50\x80\x02\x1f\xfc"), storage.KindAudio},
	{"flac", []byte("fLaC\x00\x00\x00\x22"), storage.KindAudio},
	{"reserved mpeg audio header", []byte("\xff\xfb\xf0\x64\x00"), storage.KindUnknown},
	{"flv", []byte("FLV\x01\x05\x00\x00\x00\x09"), storage.KindFLV},
	{"h264 sps", []byte("\x00\x00\x00\x01\x67\x64\x00\x1f"), storage.KindH264},
	{"h264 aud", []byte("\x00\x00\x00\x01\x09\xf0\x00\x00\x00\x01\x67"), storage.KindH264},
	{"h264 short start code", []byte("\x00\x00\x01\x06\x05\xff"), storage.KindH264},
	{"h265 vps", []byte("\x00\x00\x00\x01\x40\x01\x0c\x01"), storage.KindUnknown},
	{"h265 aud", []byte("\x00\x00\x00\x01\x46\x01\x50"), storage.KindUnknown},
	{"mcap", []byte("\x89MCAP0\r\n\x01"), storage.KindMCAP},
	{"sqlite", []byte("SQLite format 3\x00\x10\x00\x01\x01"), storage.KindSQLite},
	{"zstd", []byte("\x28\xb5\x2f\xfd\x04\x58"), storage.KindZstd},
	{"ros1 bag", []byte("#ROSBAG V2.0\nE\x00\x00\x00"), storage.KindROS1Bag},
	{"gzip", []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03"), storage.KindGzip},
	{"bzip2", []byte("BZh91AY&SY"), storage.KindBzip2},
	{"a text that begins BZh", []byte("BZh is not enough"), storage.KindUnknown},
	{"lz4", []byte("\x04\x22\x4d\x18\x64\x40\xa7"), storage.KindLZ4},
	{"zip", []byte("PK\x03\x04\x14\x00\x08\x00"), storage.KindZip},
	{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), storage.KindPNG},
	{"jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF"), storage.KindJPEG},
	{"bbolt", append(make([]byte, 16), 0xed, 0xda, 0x0c, 0xed), storage.KindBolt},
	{"a text that begins with G", []byte("Gopline notes\n" + strings.Repeat("x", 600)), storage.KindUnknown},
	{"zeros", make([]byte, 1000), storage.KindUnknown},
	{"nothing", nil, storage.KindUnknown},
}

func TestSniffTellsEachKindFromItsFirstBytes(t *testing.T) {
	for _, c := range sniffCases {
		if got := storage.Sniff(c.head); got != c.want {
			t.Errorf("%s: Sniff = %v, want %v", c.name, got, c.want)
		}
	}
}

// The first page of a real recording is bbolt's.
func TestSniffTellsARecordingsFile(t *testing.T) {
	rec, path := MustOpen(t)
	createCamera(t, rec)
	appendAll(t, rec, "/camera", newSynth(), 0, 10)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	kind, size, err := storage.SniffFile(path)
	if err != nil || kind != storage.KindBolt || size == 0 {
		t.Errorf("SniffFile = %v, %d, %v; want a bbolt file", kind, size, err)
	}
}

func FuzzSniff(f *testing.F) {
	for _, c := range sniffCases {
		f.Add(c.head)
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		in := bytes.Clone(head)
		kind := storage.Sniff(head)
		if !bytes.Equal(in, head) {
			t.Fatal("Sniff modified its input")
		}
		if kind.String() == "" {
			t.Fatalf("kind %d has no name", kind)
		}
	})
}

// A new recording named as a video or an export is refused, naming what
// to call it and the export that writes such a file; any other name is
// taken, whatever its case.
func TestCheckNameRefusesAVideosName(t *testing.T) {
	for _, c := range []struct {
		path, phrase string
	}{
		{"cam.mp4", "its name says an MP4 (or QuickTime MOV) video, and a recording is a bbolt file of gopline's own: name it cam.gopline (gopline export writes MP4 and MCAP files from a recording: gopline export cam.gopline --out cam.mp4)"},
		{"runs/cam.MKV", "name it runs/cam.gopline (gopline export writes MP4 and MCAP files from a recording: gopline export runs/cam.gopline --out runs/cam.mp4)"},
		{"robot.mcap", "gopline export robot.gopline --out robot.mcap"},
		{"x.mov", "--out x.mp4"},
		{"x.webm", "a WebM video"},
		{"x.ts", "an MPEG-TS stream"},
		{"x.avi", "an AVI video"},
		{"x.flv", "an FLV video"},
		{"x.h264", "a raw H.264 stream"},
		{"x.264", "a raw H.264 stream"},
		{"robot_0.db3", "its name says a SQLite file (a ROS 2 bag's .db3)"},
	} {
		err := storage.CheckName(c.path)
		if !errors.Is(err, storage.ErrOtherFormat) || !strings.Contains(err.Error(), c.phrase) {
			t.Errorf("CheckName(%s) = %v, want ErrOtherFormat saying %q", c.path, err, c.phrase)
		}
	}
	for _, ok := range []string{"cam.gopline", "cam.db", "cam", "cam.mp4.gopline", "cam.bag"} {
		if err := storage.CheckName(ok); err != nil {
			t.Errorf("CheckName(%s) = %v", ok, err)
		}
	}
}

// Open does not create a recording named as a video, and leaves no file;
// it still opens a recording that was named so before (renamed by hand).
func TestOpenCreatesNoRecordingNamedAsAVideo(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cam.mkv")
	if _, err := storage.Open(path); !errors.Is(err, storage.ErrOtherFormat) {
		t.Errorf("Open(%s) = %v, want ErrOtherFormat", path, err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open left %s: %v", path, err)
	}
	rec, made := MustOpen(t)
	createCamera(t, rec)
	appendAll(t, rec, "/camera", newSynth(), 0, 10)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	renamed := filepath.Join(dir, "old.mp4")
	if err := os.Rename(made, renamed); err != nil {
		t.Fatal(err)
	}
	for _, opts := range [][]storage.Option{{storage.WithReadOnly()}, nil} {
		rec, err := storage.Open(renamed, opts...)
		if err != nil {
			t.Fatalf("a recording renamed %s, options %v: %v", renamed, opts, err)
		}
		rec.Close()
	}
}

// Open of a video, or of a picture, says what the file is, wrapping
// ErrNotRecording and ErrOtherFormat; the file is left as it was.
func TestOpenSaysAVideoIsAVideo(t *testing.T) {
	for _, c := range sniffCases {
		if !c.want.IsOther() {
			continue
		}
		path := filepath.Join(t.TempDir(), "given.gopline") // named as a recording: the bytes tell
		data := append(bytes.Clone(c.head), randomBytes(5000, 7)...)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, opts := range [][]storage.Option{{storage.WithReadOnly()}, nil} {
			_, err := storage.Open(path, opts...)
			if !errors.Is(err, storage.ErrNotRecording) || !errors.Is(err, storage.ErrOtherFormat) ||
				!strings.Contains(err.Error(), path+": this is "+c.want.String()) {
				t.Errorf("%s, options %v: %v; want it named %s", c.name, opts, err, c.want)
			}
		}
		if b, _ := os.ReadFile(path); !bytes.Equal(b, data) {
			t.Errorf("%s: Open changed the file", c.name)
		}
	}
}

// A recording cut before the end of its two meta pages says so, and a
// short file of another kind says how short it is.
func TestOpenSaysAFileIsTooShort(t *testing.T) {
	rec, path := MustOpen(t)
	createCamera(t, rec)
	appendAll(t, rec, "/camera", newSynth(), 0, 10)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.gopline")
	if err := os.WriteFile(cut, whole[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = storage.Open(cut, storage.WithReadOnly())
	if !errors.Is(err, storage.ErrCorruptFile) || !strings.Contains(err.Error(), "truncated: 100 bytes, fewer than its first two pages") {
		t.Errorf("a recording cut to 100 bytes: %v", err)
	}
	other := filepath.Join(t.TempDir(), "other.gopline")
	if err := os.WriteFile(other, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = storage.Open(other, storage.WithReadOnly())
	if !errors.Is(err, storage.ErrNotRecording) || !strings.Contains(err.Error(), "5 bytes, fewer than a recording's first two pages") {
		t.Errorf("a 5-byte file: %v", err)
	}
}

// Recover refuses a destination named as a video, and a video to salvage.
func TestRecoverRefusesVideos(t *testing.T) {
	rec, path := MustOpen(t)
	createCamera(t, rec)
	appendAll(t, rec, "/camera", newSynth(), 0, 10)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "saved.mp4")
	if _, err := storage.Recover(path, dst); !errors.Is(err, storage.ErrOtherFormat) {
		t.Errorf("Recover into %s: %v, want ErrOtherFormat", dst, err)
	}
	video := filepath.Join(t.TempDir(), "clip.mp4")
	if err := os.WriteFile(video, append([]byte("\x00\x00\x00\x20ftypisom"), randomBytes(5000, 9)...), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := storage.Recover(video, filepath.Join(t.TempDir(), "saved.gopline"))
	if !errors.Is(err, storage.ErrNothingRecovered) || !errors.Is(err, storage.ErrOtherFormat) || !strings.Contains(err.Error(), "this is an MP4") {
		t.Errorf("Recover of an MP4: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(dst))
	if len(entries) != 0 {
		t.Errorf("left %v", entries)
	}
}

// A bag's file names lose a compression with zstd before their extension.
func TestSplitBagName(t *testing.T) {
	for name, want := range map[string][2]string{
		"robot_0.mcap":            {"robot_0", ".mcap"},
		"robot_0.db3.zstd":        {"robot_0", ".db3"},
		"robot_0.mcap.zst":        {"robot_0", ".mcap"},
		"runs/cam_bag/cam_3.db3":  {"runs/cam_bag/cam_3", ".db3"},
		"dataset.bag":             {"dataset", ".bag"},
		"metadata.yaml":           {"metadata", ".yaml"},
		"robot.zstd":              {"robot", ""},
		"runs.d/robot":            {"runs.d/robot", ""},
		"robot_0.db3.zstd.backup": {"robot_0.db3.zstd", ".backup"},
		"dataset.bag.bz2":         {"dataset", ".bag"},
		"dataset.bag.gz":          {"dataset", ".bag"},
	} {
		if stem, ext := storage.SplitBagName(name); stem != want[0] || ext != want[1] {
			t.Errorf("%s: %q %q, want %q %q", name, stem, ext, want[0], want[1])
		}
	}
}
