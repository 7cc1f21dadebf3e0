package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

var setEpoch = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// part is a stream's summary in one file: n packets every 100 ms (10
// fps) from at, a keyframe each GOP of 10.
func part(stream string, at time.Duration, n int64) streamSummary {
	start := setEpoch.Add(at)
	end := start.Add(time.Duration(n-1) * 100 * time.Millisecond)
	return streamSummary{Stream: stream, Codec: "h264", Width: 160, Height: 120, Start: start, End: end,
		Duration: end.Sub(start), Packets: n, Keyframes: n / 10, GOPs: n / 10, PayloadBytes: 1000 * n}
}

// The set spans from the first file's first packet to the last's last,
// sums the packets, keyframes and bytes of each stream, and counts as gaps
// the pauses between files of a second and more: of the set, and of each
// stream, at its pace. Files that overlap (a stream going on in the older
// file until its keyframe) have a negative pause and no gap.
func TestCombineSetSumsTheFilesAndCountsThePausesBetweenThem(t *testing.T) {
	names := []string{"robot_0.gopline", "robot_1.gopline", "robot_2.gopline"}
	sums := []summary{
		{streams: []streamSummary{part("/cam", 0, 30), part("/imu", 0, 40)}, fileBytes: 100},
		// /imu went on in robot_0 until 3.9 s: robot_1 begins 0.9 s before.
		{streams: []streamSummary{part("/cam", 3*time.Second, 20), part("/imu", 4*time.Second, 10)}, fileBytes: 200},
		// robot_2 begins 5.1 s after robot_1's last packet (at 4.9 s).
		{streams: []streamSummary{part("/cam", 10*time.Second, 10)}, fileBytes: 300},
	}
	set := combineSet(names, sums)
	if set.Start != setEpoch || set.End != setEpoch.Add(10900*time.Millisecond) || set.Duration != 10900*time.Millisecond ||
		set.Packets != 110 || set.FileBytes != 600 {
		t.Errorf("set %v to %v (%v), %d packets, %d bytes", set.Start, set.End, set.Duration, set.Packets, set.FileBytes)
	}
	if len(set.Files) != 3 || set.Files[0].Pause != 0 || set.Files[1].Pause != -900*time.Millisecond ||
		set.Files[2].Pause != 5100*time.Millisecond {
		t.Fatalf("files %+v", set.Files)
	}
	if set.FileGaps != 1 || set.FileGapTime != 5100*time.Millisecond {
		t.Errorf("%d gaps between files (%v), want 1 (5.1s)", set.FileGaps, set.FileGapTime)
	}
	if len(set.Streams) != 2 {
		t.Fatalf("streams %+v", set.Streams)
	}
	cam, imu := set.Streams[0], set.Streams[1]
	// /cam: 0-2.9 s, 3-4.9 s (a pause of 100 ms, its pace), 10-10.9 s (a pause of 5.1 s).
	if cam.Stream != "/cam" || cam.Packets != 60 || cam.Keyframes != 6 || cam.GOPs != 6 || cam.MeanGOP != 10 ||
		cam.PayloadBytes != 60000 || cam.Duration != 10900*time.Millisecond || cam.Gaps != 1 || cam.GapTime != 5100*time.Millisecond {
		t.Errorf("/cam %+v", cam)
	}
	if imu.Stream != "/imu" || imu.Packets != 50 || imu.Duration != 4900*time.Millisecond || imu.Gaps != 0 {
		t.Errorf("/imu %+v", imu)
	}
	if f := set.Files[1]; f.Packets != 30 || f.Start != setEpoch.Add(3*time.Second) || f.Duration != 1900*time.Millisecond {
		t.Errorf("robot_1 %+v", f)
	}
}

// writeKeyframes writes a recording at path of one JPEG stream, /cam, of
// n packets every 100 ms from at.
func writeKeyframes(t *testing.T, path string, at time.Time, n int) {
	t.Helper()
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	if err := rec.CreateStream(storage.StreamInfo{Name: "/cam", Codec: media.JPEG, Width: 16, Height: 16}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		p := &media.Packet{Codec: media.JPEG, Width: 16, Height: 16, Key: true, Seq: uint64(i), GOP: uint64(i), Epoch: 1,
			CaptureTime: at, Data: []byte{0xff, 0xd8, byte(i), 0xff, 0xd9}}
		if err := rec.Append("/cam", p); err != nil {
			t.Fatal(err)
		}
		at = at.Add(100 * time.Millisecond)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
}

// gopline info of a directory of split files, or of the files, describes
// each file and the set as one, in the order of the files' numbers.
func TestInfoDescribesSplitFilesAsOne(t *testing.T) {
	dir := t.TempDir()
	// robot_10 begins 3 s after robot_2 ends; a glob lists it first.
	for _, f := range []struct {
		name string
		at   time.Duration
	}{{"robot_1.gopline", 0}, {"robot_2.gopline", 2 * time.Second}, {"robot_10.gopline", 6900 * time.Millisecond}} {
		writeKeyframes(t, filepath.Join(dir, f.name), setEpoch.Add(f.at), 20)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a recording"), 0o644); err != nil {
		t.Fatal(err)
	}
	globbed, _ := filepath.Glob(filepath.Join(dir, "robot_*.gopline"))
	for _, args := range [][]string{{dir}, globbed} {
		code, stdout, stderr := runCmd(append([]string{"info", "--json"}, args...)...)
		var set setSummary
		if code != 0 || json.Unmarshal([]byte(stdout), &set) != nil {
			t.Fatalf("info --json %q: exit %d: %s %s", args, code, stdout, stderr)
		}
		var order []string
		for _, f := range set.Files {
			order = append(order, filepath.Base(f.File))
		}
		if strings.Join(order, " ") != "robot_1.gopline robot_2.gopline robot_10.gopline" {
			t.Errorf("info %q: files in the order %q", args, order)
		}
		if set.Packets != 60 || set.Duration != 8800*time.Millisecond || set.FileGaps != 1 ||
			set.FileGapTime != 3*time.Second || len(set.Streams) != 1 || set.Streams[0].Gaps != 1 {
			t.Errorf("info %q: %d packets over %v, %d gaps between files (%v), streams %+v",
				args, set.Packets, set.Duration, set.FileGaps, set.FileGapTime, set.Streams)
		}
	}
	code, stdout, stderr := runCmd("info", dir)
	for _, want := range []string{"Files:     3\n", "Duration:  8.8s\n", "Packets:   60 in 1 stream\n",
		"Gaps:      1 pause between files (3s)\n", "pause before", "robot_10.gopline", "1 (3s)"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("info %s: exit %d, lacks %q:\n%s%s", dir, code, want, stdout, stderr)
		}
	}
}

// In the table of a set's files, the pause before a file is left out when
// it is about a frame interval (a split recording's next file begins one
// frame after the last packet of the one before), and a file that begins
// before the one before ends overlaps it, said so, not as a negative pause.
func TestInfoOfASetSaysNoPauseOfAFrameAndTheOverlaps(t *testing.T) {
	dir := t.TempDir()
	// 20 packets 100 ms apart each: robot_1 ends at 1.9s, robot_2 begins
	// one frame later and ends at 3.9s, robot_3 begins at 3.75s.
	for _, f := range []struct {
		name string
		at   time.Duration
	}{{"robot_1.gopline", 0}, {"robot_2.gopline", 2 * time.Second}, {"robot_3.gopline", 3750 * time.Millisecond}} {
		writeKeyframes(t, filepath.Join(dir, f.name), setEpoch.Add(f.at), 20)
	}
	code, stdout, stderr := runCmd("info", dir)
	if code != 0 {
		t.Fatalf("info: exit %d: %s%s", code, stdout, stderr)
	}
	lines := map[string]string{}
	for _, line := range strings.Split(stdout, "\n") {
		if fields := strings.Fields(line); len(fields) > 0 {
			lines[filepath.Base(fields[0])] = line
		}
	}
	if l := lines["robot_2.gopline"]; l == "" || strings.Contains(l, "100ms") || !strings.HasSuffix(strings.TrimSpace(l), " -") {
		t.Errorf("robot_2, one frame after robot_1: %q; want no pause", l)
	}
	if l := lines["robot_3.gopline"]; !strings.Contains(l, "overlaps by 150ms") || strings.Contains(l, "-150ms") {
		t.Errorf("robot_3, 150ms before robot_2 ends: %q; want overlaps by 150ms", l)
	}
}

func TestPauseTextLeavesOutAFrameAndSaysAnOverlap(t *testing.T) {
	frame := 33 * time.Millisecond
	for _, c := range []struct {
		pause time.Duration
		want  string
	}{{0, "-"}, {33 * time.Millisecond, "-"}, {40 * time.Millisecond, "-"}, {100 * time.Millisecond, "100ms"},
		{3 * time.Second, "3s"}, {-12 * time.Millisecond, "overlaps by 12ms"}} {
		if got := pauseText(c.pause, frame); got != c.want {
			t.Errorf("pauseText(%v, %v) = %q, want %q", c.pause, frame, got, c.want)
		}
	}
	if got := pauseText(5*time.Millisecond, 0); got != "5ms" {
		t.Errorf("pauseText without a frame interval = %q", got)
	}
}

// A file of a set that holds no packet is left out of it, warned of,
// and fails alone; a directory without a recording is an error naming it.
func TestInfoOfASetFailsOnAnyFileThatWould(t *testing.T) {
	dir := t.TempDir()
	writeKeyframes(t, filepath.Join(dir, "cam_0.gopline"), setEpoch, 10)
	empty := filepath.Join(dir, "cam_1.gopline")
	rec, err := storage.Open(empty)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	// A file that holds no packet (a recorder killed before its first
	// write) has nothing to lose: it is left out of the set, warned of.
	code, stdout, stderr := runCmd("info", dir)
	if code != 0 || !strings.Contains(stderr, empty+" left out: holds no packet") || !strings.Contains(stdout, "Packets:   10 in 1 stream") {
		t.Errorf("info of a set with an empty file: exit %d, %s%s; want exit 0 leaving out %s", code, stdout, stderr, empty)
	}
	// Alone, it fails as an empty recording.
	code, _, stderr = runCmd("info", empty)
	if code != 1 || !strings.Contains(stderr, empty+" is empty") {
		t.Errorf("info of an empty file: exit %d, %s; want exit 1 naming %s", code, stderr, empty)
	}
	none := t.TempDir()
	code, _, stderr = runCmd("info", none)
	if code != 1 || !strings.Contains(stderr, none+" holds no recording") {
		t.Errorf("info of a directory without recordings: exit %d, %q", code, stderr)
	}
}

// A stream whose codec or size differs between the files of a set lists
// each of its formats in order in --json; its line lists each codec once
// and its sizes in the order they came; the files' lines say each file's
// format of it.
func TestInfoSetShowsEachFilesFormatWhereTheyDiffer(t *testing.T) {
	with := func(s streamSummary, codec string, w, h int) streamSummary {
		s.Codec, s.Width, s.Height = codec, w, h
		return s
	}
	for _, c := range []struct {
		name          string
		parts         []streamSummary
		formats       []streamFormat
		codecs, sizes string
		fileFormats   []string // the formats column of each file, "" for none
	}{
		{"one format", []streamSummary{part("/cam", 0, 10), part("/cam", time.Second, 10)},
			nil, "h264", "160x120", []string{"", ""}},
		{"a new size", []streamSummary{part("/cam", 0, 10), with(part("/cam", time.Second, 10), "h264", 640, 480)},
			[]streamFormat{{"h264", 160, 120}, {"h264", 640, 480}}, "h264", "160x120, 640x480",
			[]string{"/cam h264 160x120", "/cam h264 640x480"}},
		{"a new codec", []streamSummary{part("/cam", 0, 10), with(part("/cam", time.Second, 10), "mjpeg", 160, 120),
			with(part("/cam", 2*time.Second, 10), "mjpeg", 320, 240)},
			[]streamFormat{{"h264", 160, 120}, {"mjpeg", 160, 120}, {"mjpeg", 320, 240}}, "h264, mjpeg", "160x120, 320x240",
			[]string{"/cam h264 160x120", "/cam mjpeg 160x120", "/cam mjpeg 320x240"}},
		{"a codec back again", []streamSummary{part("/cam", 0, 10), with(part("/cam", time.Second, 10), "mjpeg", 160, 120),
			with(part("/cam", 2*time.Second, 10), "h264", 320, 240)},
			[]streamFormat{{"h264", 160, 120}, {"mjpeg", 160, 120}, {"h264", 320, 240}}, "h264, mjpeg", "160x120, 320x240",
			[]string{"/cam h264 160x120", "/cam mjpeg 160x120", "/cam h264 320x240"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var names []string
			var sums []summary
			for i, p := range c.parts {
				names = append(names, fmt.Sprintf("cam_%d.gopline", i))
				sums = append(sums, summary{streams: []streamSummary{p, part("/imu", time.Duration(i)*time.Second, 10)}})
			}
			set := combineSet(names, sums)
			cam := set.Streams[0]
			if !slices.Equal(cam.Formats, c.formats) || cam.codecText() != c.codecs || cam.sizeText() != c.sizes {
				t.Errorf("formats %v, codecs %q, sizes %q; want %v, %q, %q", cam.Formats, cam.codecText(), cam.sizeText(), c.formats, c.codecs, c.sizes)
			}
			if imu := set.Streams[1]; imu.Formats != nil {
				t.Errorf("/imu, of one format, has formats %v", imu.Formats)
			}
			js, err := json.Marshal(set)
			if err != nil || strings.Contains(string(js), `"formats"`) != (c.formats != nil) {
				t.Errorf("JSON %s, %v: want formats only where they differ", js, err)
			}
			var text strings.Builder
			if err := writeSetInfo(&text, set); err != nil {
				t.Fatal(err)
			}
			for i, want := range c.fileFormats {
				line := lineOf(text.String(), names[i])
				if want != "" && !strings.HasSuffix(strings.TrimSpace(line), want) || want == "" && strings.Contains(line, "/cam") {
					t.Errorf("the line of %s is %q, want it to end in %q", names[i], line, want)
				}
			}
			if camLine := lineOf(text.String(), "/cam "); !strings.Contains(camLine, c.codecs+"  ") || !strings.Contains(camLine, c.sizes) {
				t.Errorf("the line of /cam is %q, want %q and %q", camLine, c.codecs, c.sizes)
			}
		})
	}
}

// lineOf is the first line of text that begins with prefix, after the
// spaces that align it.
func lineOf(text, prefix string) string {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimLeft(line, " "), prefix) {
			return line
		}
	}
	return ""
}
