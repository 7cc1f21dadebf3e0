package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A video (or a picture) given to info, play or export in place of a
// recording is named for what it is, with the line that publishes or
// records it, exit 2; the file is left as it was. (An MCAP file is named
// as one when it is opened: TestAnMCAPFileIsNamedAsOne.)
func TestAVideoGivenAsARecordingIsNamedWithWhatToRun(t *testing.T) {
	rec := exportRecording(t)
	dir := t.TempDir()
	mp4 := filepath.Join(dir, "clip.mp4")
	if code, _, stderr := runCmd("export", rec, "--stream", "/camera", "--out", mp4); code != 0 {
		t.Fatalf("export: exit %d, %s", code, stderr)
	}
	ts := make([]byte, 4*188)
	for i := 0; i < len(ts); i += 188 {
		ts[i] = 0x47
	}
	files := map[string]string{mp4: "an MP4 (or QuickTime MOV) video"}
	for name, c := range map[string]struct {
		data []byte
		kind string
	}{
		"clip.mkv":      {[]byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska"), "a Matroska (MKV) video"},
		"clip.webm":     {[]byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm"), "a WebM video"},
		"clip.ts":       {ts, "an MPEG-TS stream"},
		"clip.avi":      {[]byte("RIFF\x00\x10\x00\x00AVI LIST"), "an AVI video"},
		"clip.flv":      {[]byte("FLV\x01\x05\x00\x00\x00\x09"), "an FLV video"},
		"clip.h264":     {[]byte("\x00\x00\x00\x01\x67\x64\x00\x1f"), "a raw H.264 stream (Annex B)"},
		"named.gopline": {[]byte("\x00\x00\x00\x01\x09\xf0\x00\x00\x00\x01\x67"), "a raw H.264 stream (Annex B)"},
		"still.png":     {[]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), "a PNG picture"},
		"voice.m4a":     {[]byte("\x00\x00\x00\x1cftypM4A \x00\x00\x02\x00M4A isom"), "an audio file (sound, no pictures)"},
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, append(c.data, make([]byte, 3000)...), 0o644); err != nil {
			t.Fatal(err)
		}
		files[path] = c.kind
	}
	for path, kind := range files {
		before, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"info", path}, {"play", path}, {"export", path, "--out", filepath.Join(dir, "out.mp4")}} {
			code, stdout, stderr := runCmd(args...)
			want := path + " is " + kind + ", not a gopline recording: "
			if code != exitUsage || !strings.Contains(stderr, want) || stdout != "" {
				t.Errorf("%s: exit %d, %q%q; want exit 2 and %q", strings.Join(args, " "), code, stdout, stderr, want)
				continue
			}
			switch {
			case strings.HasPrefix(kind, "a PNG"):
				want = "gopline export --at writes pictures from a recording"
			case strings.HasPrefix(kind, "an audio"):
				want = "gopline carries pictures, and records, plays and exports video only"
			default:
				want = "gopline run 'videosrc location=" + path + " is-live=true ! h264enc ! publish topic=/camera' publishes it on /camera"
			}
			if !strings.Contains(stderr, want) {
				t.Errorf("%s: %q, want %q", strings.Join(args, " "), stderr, want)
			}
			// A WebM holds VP8, VP9 or AV1, which passthrough cannot keep.
			if strings.Contains(want, "videosrc") && strings.Contains(kind, "WebM") == strings.Contains(stderr, "passthrough=true") {
				t.Errorf("%s: %q: passthrough advised for a WebM, or not for another video", strings.Join(args, " "), stderr)
			}
			if args[0] == "info" && strings.Contains(kind, "video") && !strings.Contains(stderr, "ffprobe "+path+" describes it") {
				t.Errorf("info %s: %q, want ffprobe named", path, stderr)
			}
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Errorf("%s was changed", path)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out.mp4")); !os.IsNotExist(err) {
		t.Errorf("an export of a video wrote its --out: %v", err)
	}
}

// A recording cut short before its first pages end, and an empty file,
// say so (exit 1), rather than that they are not bbolt files.
func TestAnEmptyOrCutFileSaysSo(t *testing.T) {
	rec := exportRecording(t)
	whole, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cut, empty := filepath.Join(dir, "cut.gopline"), filepath.Join(dir, "empty.gopline")
	if err := os.WriteFile(cut, whole[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ file, want string }{
		{cut, cut + ": truncated: 100 bytes, fewer than its first two pages (2048 bytes): nothing in it can be read"},
		{empty, empty + " is an empty file: nothing was ever recorded in it"},
	} {
		for _, cmd := range []string{"info", "play"} {
			code, _, stderr := runCmd(cmd, c.file)
			if code != exitFailure || !strings.Contains(stderr, c.want) {
				t.Errorf("%s %s: exit %d, %q; want exit 1 and %q", cmd, c.file, code, stderr, c.want)
			}
		}
	}
}

// record, recover and a line's record element write no recording named
// as a video (.mp4, .mkv, ...): exit 2, naming the name to use and the
// export that writes such a file; nothing is written.
func TestARecordingIsNotNamedAsAVideo(t *testing.T) {
	rec := exportRecording(t)
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"record", "--topic", "/camera", "-o", filepath.Join(dir, "cam.mp4"), "--duration", "1s", "testsrc ! h264enc ! publish topic=/camera"},
			"its name says an MP4 (or QuickTime MOV) video, and a recording is a bbolt file of gopline's own: name it " + filepath.Join(dir, "cam.gopline") +
				" (gopline export writes MP4 and MCAP files from a recording: gopline export " + filepath.Join(dir, "cam.gopline") + " --out " + filepath.Join(dir, "cam.mp4") + ")"},
		{[]string{"record", "--topic", "/camera", "--out", filepath.Join(dir, "cam.MCAP"), "testsrc ! h264enc ! publish topic=/camera"}, "its name says an MCAP file"},
		{[]string{"recover", rec, "--out", filepath.Join(dir, "saved.mkv")}, "name it " + filepath.Join(dir, "saved.gopline")},
		{[]string{"run", "testsrc num-frames=3 ! h264enc ! record path=" + filepath.Join(dir, "cam.ts")}, "its name says an MPEG-TS stream"},
	} {
		code, _, stderr := runCmd(c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, %q; want exit 2 and %q", strings.Join(c.args, " "), code, stderr, c.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left %v", entries)
	}
}
