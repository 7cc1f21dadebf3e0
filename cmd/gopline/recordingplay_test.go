package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/testclip"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/storage"
)

// play says how many packets it published on each topic, by its
// publishers' counts, in the order of the topics.
func TestPublishedLinesCountWhatPlayPublished(t *testing.T) {
	stats := []pipeline.NodeStats{{Node: "play0", Out: 90}, {Node: "publish0", In: 90}, {Node: "play1", Out: 1}, {Node: "publish1", In: 1}}
	got := publishedLines(stats, map[string]string{"publish0": "/rear", "publish1": "/front"})
	if want := []string{"published 1 packet on /front", "published 90 packets on /rear"}; !slices.Equal(got, want) {
		t.Errorf("%q, want %q", got, want)
	}
}

// play's count is what it published, all of the recording, played much
// faster than recorded: no subscriber of its own that may join late or
// fall behind stands for it.
func TestPlayCountsEveryPacketItPublished(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.gopline")
	if code, _, stderr := runCmd("run", "testsrc size=160x120 num-frames=120 is-live=false ! h264enc gop=10 ! record path="+path+" stream=/camera"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runCmd("play", path, "--rate", "50")
	if code != 0 || !strings.Contains(stderr, "published 120 packets on /camera\n") {
		t.Fatalf("play: exit %d: %s%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCmd("play", path, "--rate", "50", "--json")
	var nodes []nodeReport
	if code != 0 || json.Unmarshal([]byte(stdout), &nodes) != nil {
		t.Fatalf("play --json: exit %d: %s%s", code, stdout, stderr)
	}
	for _, n := range nodes {
		if n.Element == "subscribe" || n.Element == "fakesink" {
			t.Errorf("node %s (%s) counts what it saw, %d packets, beside the %d published", n.Node, n.Element, n.In+n.Out, nodeStat(t, stdout, "publish0").In)
		}
	}
}

// The files of one split recording play in the order of their numbers,
// whatever order a glob gave them in, after the file without a number;
// other lists as given.
func TestSplitOrder(t *testing.T) {
	for _, c := range []struct{ in, want []string }{
		{[]string{"d/robot_10.gopline", "d/robot_2.gopline", "d/robot_0.gopline"}, []string{"d/robot_0.gopline", "d/robot_2.gopline", "d/robot_10.gopline"}},
		{[]string{"b.gopline", "a.gopline"}, []string{"b.gopline", "a.gopline"}},
		{[]string{"robot_1.gopline", "cam_0.gopline"}, []string{"robot_1.gopline", "cam_0.gopline"}},
		{[]string{"robot_1.gopline", "robot_x.gopline"}, []string{"robot_1.gopline", "robot_x.gopline"}},
		{[]string{"my_robot_3.gopline", "my_robot_1.gopline"}, []string{"my_robot_1.gopline", "my_robot_3.gopline"}},
		// A recording not split, and the files it went on in at changes
		// of format.
		{[]string{"d/cam_10.gopline", "d/cam_2.gopline", "d/cam.gopline", "d/cam_1.gopline"},
			[]string{"d/cam.gopline", "d/cam_1.gopline", "d/cam_2.gopline", "d/cam_10.gopline"}},
		{[]string{"cam_1.gopline", "robot.gopline"}, []string{"cam_1.gopline", "robot.gopline"}},
	} {
		if got := splitOrder(slices.Clone(c.in)); !slices.Equal(got, c.want) {
			t.Errorf("%q: %q, want %q", c.in, got, c.want)
		}
	}
}

// infoTimes are the Start: and End: that gopline info prints of files.
func infoTimes(t *testing.T, files ...string) (start, end string) {
	t.Helper()
	code, stdout, stderr := runCmd(append([]string{"info"}, files...)...)
	if code != 0 {
		t.Fatalf("info %v: exit %d: %s", files, code, stderr)
	}
	for _, line := range strings.Split(stdout, "\n") {
		if v, ok := strings.CutPrefix(line, "Start:"); ok {
			start = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "End:"); ok {
			end = strings.TrimSpace(v)
		}
	}
	if start == "" || end == "" {
		t.Fatalf("info %v prints no Start: or End:\n%s", files, stdout)
	}
	return start, end
}

// playPublished plays args and returns how many packets play says it
// published on /camera.
func playPublished(t *testing.T, args ...string) int {
	t.Helper()
	code, stdout, stderr := runCmd(append([]string{"play", "--rate", "50"}, args...)...)
	var n int
	if _, err := fmt.Sscanf(stderr[strings.LastIndex(stderr, "published "):], "published %d packets on /camera", &n); code != 0 || err != nil {
		t.Fatalf("play %v: exit %d: %s%s", args, code, stdout, stderr)
	}
	return n
}

// play --start and --end take times as export does: info's Start: and
// End: pasted play every packet (End: being cut to the millisecond, it
// takes in that millisecond), durations count from the recording's start,
// each stream begins at its keyframe at or before --start, and --end is
// exclusive; through the files of a split recording too.
func TestPlayStartAndEndTakeTheTimesInfoPrints(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cam.gopline")
	// Not live: frame n is captured n/30 s after the first; a keyframe
	// every 10 frames.
	const line = "testsrc size=160x120 num-frames=120 rate=30 is-live=false ! h264enc gop=10 ! record stream=/camera path="
	if code, _, stderr := runCmd("run", line+path); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	start, end := infoTimes(t, path)
	if n := playPublished(t, path, "--start", start, "--end", end); n != 120 {
		t.Errorf("--start %q --end %q as info prints them: published %d packets, want all 120", start, end, n)
	}
	code, stdout, stderr := runCmd("info", "--json", path)
	var info []streamSummary
	if code != 0 || json.Unmarshal([]byte(stdout), &info) != nil || len(info) != 1 {
		t.Fatalf("info --json: exit %d: %s %s", code, stdout, stderr)
	}
	twoSeconds := info[0].Start.Add(2 * time.Second).Format(time.RFC3339Nano)
	for _, c := range []struct {
		start, end string
		want       int
	}{
		{"1s", "2s", 30},         // frames 30 (a keyframe) to 59
		{"1.1s", twoSeconds, 30}, // from keyframe 30, before frame 60
		{"1s", "2.001s", 31},     // and frame 60, 2s from the start
		{"3.9s", "", 10},         // the last GOP
		{"", "0.5s", 15},         // frames 0 to 14
		{start, "1s", 30},        // frames 0 to 29
	} {
		if n := playPublished(t, path, "--start", c.start, "--end", c.end); n != c.want {
			t.Errorf("--start %q --end %q: published %d packets, want %d", c.start, c.end, n, c.want)
		}
	}

	// A split recording: from the first file's Start: to the second's End:
	// plays the packets of both, and no other.
	split := filepath.Join(dir, "split.gopline")
	if code, _, stderr := runCmd("run", line+split+" max-size-time=1s"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "split_*.gopline"))
	if len(files) < 3 {
		t.Fatalf("a recording of 4 s split every 1s is %d files", len(files))
	}
	files = splitOrder(files)
	first, _ := infoTimes(t, files[0])
	_, second := infoTimes(t, files[1])
	var both int64
	for _, f := range files[:2] {
		code, stdout, stderr := runCmd("info", "--json", f)
		var info []streamSummary
		if code != 0 || json.Unmarshal([]byte(stdout), &info) != nil || len(info) != 1 {
			t.Fatalf("info --json %s: exit %d: %s %s", f, code, stdout, stderr)
		}
		both += info[0].Packets
	}
	if n := playPublished(t, append(files, "--start", first, "--end", second)...); int64(n) != both || n >= 120 {
		t.Errorf("%d files from the first's Start: %q to the second's End: %q: published %d packets, want their %d", len(files), first, second, n, both)
	}
}

// A time play cannot read, or a range that holds no packet, is a usage
// error, as export's are, saying what it takes.
func TestPlayRefusesABadTime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.gopline")
	if code, _, stderr := runCmd("run", "testsrc size=160x120 num-frames=30 rate=30 is-live=false ! h264enc gop=10 ! record stream=/camera path="+path); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--start", "yesterday"}, `--start "yesterday": want a duration from the recording's start (12.5s, 1m30s, 00:01:30.5) or a time`},
		{[]string{"--end", "12:00:00:00"}, `--end "12:00:00:00": want a duration`},
		// ffmpeg's clock is a duration from the start: 00:00:05 is after the
		// recording, whenever in the day it was made.
		{[]string{"--start", "00:00:05"}, `--start 00:00:05 is outside stream "/camera", which spans 0s to 966ms from the recording's start`},
		{[]string{"--start", "-1s"}, `--start "-1s": a duration from the recording's start cannot be negative`},
		{[]string{"--start", "2s", "--end", "1s"}, "--end 1s is not after --start 2s"},
		{[]string{"--start", "5s"}, `--start 5s is outside stream "/camera", which spans 0s to 966ms from the recording's start`},
		{[]string{"--end", "2000-01-01T00:00:00Z"}, `--end 2000-01-01T00:00:00Z is outside stream "/camera"`},
	} {
		code, _, stderr := runCmd(append([]string{"play", path}, c.args...)...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("play %v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, exitUsage, c.want)
		}
	}
}

// play's range is the recording's, as export's is: each stream plays the
// part of it that it holds, from its own first packet; a stream with none
// is left out, and a range that holds no packet of any is refused.
func TestChoosePlayPlaysEachStreamsPartOfTheRange(t *testing.T) {
	base := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	streams := []storage.StreamInfo{{Name: "/front"}, {Name: "/empty"}, {Name: "/rear"}}
	spans := map[string]streamSpan{
		"/front": {base, base.Add(2 * time.Second)},
		"/rear":  {base.Add(5 * time.Second), base.Add(8 * time.Second)},
	}
	for _, c := range []struct {
		only, start, end string
		want             []playStream
		leftOut          []string
		err              string
	}{
		{"", "", "", []playStream{{"/front", 0, 0, 0}, {"/empty", 1, 0, 0}, {"/rear", 2, 0, 0}}, nil, ""},
		{"", "1s", "6s", []playStream{{"/front", 0, time.Second, 6 * time.Second}, {"/empty", 1, 0, 0}, {"/rear", 2, 0, time.Second}}, nil, ""},
		{"", "2024-05-01 12:00:06.000 UTC", "", []playStream{{"/empty", 1, 0, 0}, {"/rear", 2, time.Second, 0}}, []string{"/front"}, ""},
		{"/rear", "", "5s", nil, nil, `--end 5s ends the range where stream "/rear" begins, so it holds nothing`},
		{"/rear", "", "4s", nil, nil, `--end 4s is outside stream "/rear", which spans 5s to 8s`},
		// A time as info prints it takes in its millisecond: /rear's first packet.
		{"/rear", "", "2024-05-01 12:00:05.000 UTC", []playStream{{"/rear", 2, 0, time.Millisecond}}, nil, ""},
		{"", "9s", "", nil, nil, `--start 9s is outside streams "/front", "/rear", which span 0s to 8s`},
		{"", "3s", "4s", nil, nil, `no stream has a packet from --start 3s to --end 4s: "/front" 0s to 2s`},
		{"/rear,/front", "1s", "", []playStream{{"/front", 0, time.Second, 0}, {"/rear", 2, 0, 0}}, nil, ""},
	} {
		rng, err := parseTimeRange(c.start, c.end, base, base.Add(8*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		var only []string
		if c.only != "" {
			only = strings.Split(c.only, ",")
		}
		plan, err := choosePlay(streams, only, spans, rng)
		if c.err != "" {
			if err == nil || !errors.Is(err, errUsage) || !strings.Contains(err.Error(), c.err) {
				t.Errorf("--stream %q --start %q --end %q: %v, want a usage error %q", c.only, c.start, c.end, err, c.err)
			}
			continue
		}
		if err != nil || !slices.Equal(plan.streams, c.want) || !slices.Equal(plan.leftOut, c.leftOut) {
			t.Errorf("--stream %q --start %q --end %q: %+v left out %q, %v; want %+v left out %q",
				c.only, c.start, c.end, plan.streams, plan.leftOut, err, c.want, c.leftOut)
		}
	}
}

// A later file's Start:, as info prints it of that file, pasted into
// --start of play or export of all the files begins at that file's first
// keyframe, not at the GOP before it in the file before: info rounds a
// start up to the millisecond, and --start begins at the keyframe at or
// before it.
func TestAPastedStartOfALaterFileBeginsAtItsFirstKeyframe(t *testing.T) {
	dir := t.TempDir()
	split := filepath.Join(dir, "split.gopline")
	const line = "testsrc size=160x120 num-frames=120 rate=30 is-live=false ! h264enc gop=10 ! record stream=/camera max-size-time=1s path="
	if code, _, stderr := runCmd("run", line+split); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "split_*.gopline"))
	files = splitOrder(files)
	if len(files) < 3 {
		t.Fatalf("a recording of 4 s split every 1s is %d files", len(files))
	}
	start, _ := infoTimes(t, files[1])
	var later int
	for _, f := range files[1:] {
		code, stdout, stderr := runCmd("info", "--json", f)
		var info []streamSummary
		if code != 0 || json.Unmarshal([]byte(stdout), &info) != nil || len(info) != 1 {
			t.Fatalf("info --json %s: exit %d: %s %s", f, code, stdout, stderr)
		}
		later += int(info[0].Packets)
	}
	if n := playPublished(t, append(files, "--start", start)...); n != later {
		t.Errorf("play from %s's Start: %q: published %d packets, want those of it and the files after, %d", files[1], start, n, later)
	}
	out := filepath.Join(t.TempDir(), "later.mp4")
	code, stdout, stderr := runCmd(append([]string{"export", "--out", out, "--start", start}, files...)...)
	if want := fmt.Sprintf("wrote %s: %d frames", out, later); code != 0 || !strings.Contains(stdout, want) {
		t.Errorf("export from %s's Start: %q: exit %d, want %q: %s%s", files[1], start, code, want, stdout, stderr)
	}
}

// A later file that begins in the millisecond after the file before ends
// (a stream of a thousand frames a second and more): its Start: as info
// prints it, rounded up, pasted into --start, passes over the file
// before, whose last packet lies before it.
func TestAPastedStartWithinTheMillisecondOfTheFileBefore(t *testing.T) {
	dir := t.TempDir()
	before, after := filepath.Join(dir, "cam.gopline"), filepath.Join(dir, "cam_1.gopline")
	writeKeyframes(t, before, setEpoch, 10) // its last at 900 ms
	writeKeyframes(t, after, setEpoch.Add(900*time.Millisecond+400*time.Microsecond), 10)
	start, _ := infoTimes(t, after)
	if want := "2024-05-01 12:00:00.901 UTC"; start != want {
		t.Errorf("info of %s: Start: %s, want %s", after, start, want)
	}
	code, stdout, stderr := runCmd("play", "--rate", "50", before, after, "--start", start)
	if code != 0 || !strings.Contains(stderr, "published 10 packets on /cam\n") {
		t.Errorf("play from %q: exit %d, want the 10 packets of %s: %s%s", start, code, after, stdout, stderr)
	}
	out := filepath.Join(t.TempDir(), "cam.mcap")
	code, stdout, stderr = runCmd("export", before, after, "--out", out, "--start", start)
	if code != 0 || !strings.Contains(stdout, "10 frames of /cam") {
		t.Errorf("export from %q: exit %d, want the 10 packets of %s: %s%s", start, code, after, stdout, stderr)
	}
}

// info prints a span's start rounded up to the millisecond, and so the
// offsets of starts; a time on a millisecond stays.
func TestInfoRoundsAStartUpToTheMillisecond(t *testing.T) {
	at := setEpoch.Add(2 * time.Second)
	for _, c := range []struct {
		in, want time.Duration
	}{{0, 0}, {1, time.Millisecond}, {400 * time.Microsecond, time.Millisecond}, {time.Millisecond, time.Millisecond},
		{1999999 * time.Nanosecond, 2 * time.Millisecond}, {2*time.Second + 333333, 2*time.Second + time.Millisecond}} {
		if got := startOffset(c.in); got != c.want {
			t.Errorf("startOffset(%v) = %v, want %v", c.in, got, c.want)
		}
		if got := startTime(at.Add(c.in)); !got.Equal(at.Add(c.want)) {
			t.Errorf("startTime(+%v) = %v, want +%v", c.in, got.Sub(at), c.want)
		}
	}
}

// play says at the start which recorded time plays when, and which time
// its packets carry: the playback's, or with --keep-time the recorded one
// (the element's stamping is tested in elements/play_test.go).
func TestPlaySaysWhichTimeItsPacketsCarry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.gopline")
	if code, _, stderr := runCmd("run", "testsrc size=160x120 num-frames=30 is-live=false ! h264enc gop=10 ! record path="+path+" stream=/camera"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	start, _ := infoTimes(t, path)
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, ", at 50 times the recorded pace; packets are stamped with the wall-clock time they are played at (--keep-time keeps the recorded ones)\n"},
		{[]string{"--keep-time"}, ", at 50 times the recorded pace; packets keep their recorded capture times (--keep-time), which run 50 times as fast as the wall clock\n"},
	} {
		code, stdout, stderr := runCmd(append([]string{"play", path, "--rate", "50"}, c.args...)...)
		if code != 0 || !strings.Contains(stderr, "\nrecorded "+start+" plays at ") || !strings.Contains(stderr, c.want) {
			t.Errorf("play %v: exit %d: %s%s; want a line from recorded %s ending %q", c.args, code, stdout, stderr, start, c.want)
		}
	}
}

// The line lines recorded time up with the wall clock, and says how fast
// recorded time runs when it is not the wall clock's pace.
func TestTimeLine(t *testing.T) {
	rec := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	const at = "recorded 2024-05-01 12:00:00.000 UTC plays at 2024-05-02 14:00:01.500 UTC, 26h0m1.5s later"
	for _, c := range []struct {
		rate float64
		keep bool
		want string
	}{
		{1, true, at + "; packets keep their recorded capture times (--keep-time)"},
		{1, false, at + "; packets are stamped with the wall-clock time they are played at (--keep-time keeps the recorded ones)"},
		{2, true, at + ", at 2 times the recorded pace; packets keep their recorded capture times (--keep-time), which run 2 times as fast as the wall clock"},
		{0.5, false, at + ", at 0.5 times the recorded pace; packets are stamped with the wall-clock time they are played at (--keep-time keeps the recorded ones)"},
	} {
		if got := timeLine(rec, rec.Add(26*time.Hour+1500*time.Millisecond), c.rate, c.keep); got != c.want {
			t.Errorf("rate %g, keep %v: %q, want %q", c.rate, c.keep, got, c.want)
		}
	}
}

// twoCameras writes a recording of two H.264 streams at 30 fps with a
// keyframe every 10 frames, /front from setEpoch and /rear from 5 frames
// (half a GOP) later: two cameras recorded together.
func twoCameras(t *testing.T) string {
	return testclip.TwoCameras(t, [2]string{"/front", "/rear"}, setEpoch, 40)
}

// The streams of a recording play together from the earliest keyframe
// any of them begins at, each at or before --start: play says that this
// recorded time plays first, not --start (the streams' timing relative to
// each other is tested in elements/playtogether_test.go).
func TestPlayBeginsAtTheEarliestKeyframeOfTheStreams(t *testing.T) {
	path := twoCameras(t)
	// From 12 frames in (400ms): /front begins at its keyframe 10
	// (333ms), /rear at its keyframe 0 (167ms), its first: all 40 packets.
	code, stdout, stderr := runCmd("play", path, "--rate", "50", "--start", "400ms")
	want := "\nrecorded 2024-05-01 12:00:00.167 UTC plays at "
	if code != 0 || !strings.Contains(stderr, want) || !strings.Contains(stderr, "published 40 packets on /rear\n") ||
		!strings.Contains(stderr, "published 30 packets on /front\n") {
		t.Errorf("play --start 400ms: exit %d: %s%s; want a line %q and every packet from each keyframe on", code, stdout, stderr, want)
	}
}
