package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// play takes a bag as ros2 bag play does: it imports it into a temporary
// recording, says so, plays every topic of pictures on its name, and
// removes the recording at the end; export does the same to write one
// topic's MP4 (a bag's camera as a video). A bag without pictures is an
// error naming its topics.
func TestBagsArePlayedAndExported(t *testing.T) {
	dir := t.TempDir()
	bag := filepath.Join(dir, "robot.mcap")
	if code, _, stderr := runCmd("export", exportRecording(t), "--out", bag); code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	code, stdout, stderr := runCmd("play", bag, "--rate", "4")
	if code != 0 || !strings.Contains(stderr, "robot.mcap is a bag") || !strings.Contains(stderr, "gopline import "+bag+" --out robot.gopline keeps one") ||
		!strings.Contains(stderr, "playing 2 stream(s) of "+bag+" on their topics") {
		t.Fatalf("play: exit %d: %s%s", code, stdout, stderr)
	}
	for _, stream := range []string{"/camera", "/jpeg"} {
		if !strings.Contains(stderr, "packets on "+stream+"\n") {
			t.Errorf("play did not publish %s: %s", stream, stderr)
		}
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("the temporary recording was left: %v", entries)
	}
	// Some of its topics, as ros2 bag play --topics takes them.
	code, stdout, stderr = runCmd("play", bag, "--rate", "4", "--stream", "/jpeg", "--stream", "/camera")
	if code != 0 || !strings.Contains(stderr, "playing 2 stream(s) of "+bag) || !strings.Contains(stderr, "(120 packets of /camera, /jpeg)") {
		t.Errorf("play of two topics: exit %d: %s%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCmd("play", bag, "--rate", "4", "--stream", "/jpeg")
	if code != 0 || !strings.Contains(stderr, "playing 1 stream(s) of "+bag) || !strings.Contains(stderr, "(30 packets of /jpeg)") {
		t.Errorf("play of one topic: exit %d: %s%s", code, stdout, stderr)
	}

	// What they say names the bag, not the temporary recording; a bag's
	// topics are checked from its summary, before anything is imported.
	if code, _, stderr := runCmd("export", bag, "--out", filepath.Join(dir, "all.mp4")); code != exitUsage ||
		!strings.Contains(stderr, "--stream is required: "+bag+" has streams /camera, /jpeg") || strings.Contains(stderr, "is a bag") {
		t.Errorf("export of several streams to an MP4: exit %d: %s", code, stderr)
	}
	for _, args := range [][]string{
		{"play", bag, "--stream", "camera"},
		{"export", bag, "--stream", "camera", "--out", filepath.Join(dir, "camera.mp4")},
	} {
		if code, _, stderr := runCmd(args...); code != exitUsage || !strings.Contains(stderr, `--stream "camera": `+bag+" has streams /camera, /jpeg (did you mean /camera?") ||
			strings.Contains(stderr, "is a bag") {
			t.Errorf("%s: exit %d: %s", strings.Join(args, " "), code, stderr)
		}
	}
	mp4 := filepath.Join(dir, "jpeg.mp4")
	code, stdout, stderr = runCmd("export", bag, "--stream", "/jpeg", "--out", mp4)
	if code != 0 || !strings.Contains(stdout, "wrote "+mp4+": 30 frames of /jpeg") || !strings.Contains(stderr, "(30 packets of /jpeg) were imported") {
		t.Fatalf("export: exit %d: %s%s", code, stdout, stderr)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("the temporary recording was left: %v", entries)
	}

	// A time that no form reads is refused before the bag is imported.
	for _, args := range [][]string{
		{"export", bag, "--stream", "/jpeg", "--out", mp4, "-y", "--start", "ten seconds"},
		{"export", bag, "--stream", "/jpeg", "--out", filepath.Join(dir, "pictures"), "--at", "0.5s,2x"},
		{"play", bag, "--end", "-3s"},
	} {
		code, _, stderr := runCmd(args...)
		if code != exitUsage || strings.Contains(stderr, "is a bag") || strings.Contains(stderr, "importing") {
			t.Errorf("%s: exit %d: %s", strings.Join(args, " "), code, stderr)
		}
	}

	empty := filepath.Join(dir, "imu.mcap")
	writeOneMessageBag(t, empty, "/imu", "sensor_msgs/msg/Imu", "float64 x\n", 1, []byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	if code, _, stderr := runCmd("play", empty); code != exitFailure || !strings.Contains(stderr, "nothing to play") || !strings.Contains(stderr, "/imu") {
		t.Errorf("a bag without pictures: exit %d: %s", code, stderr)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("the temporary directory was left: %v", entries)
	}
}
