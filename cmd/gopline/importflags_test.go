package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --topic as a ros2 bag user writes it: a name without its leading slash,
// or mistyped, is a usage error naming the one meant; a topic of no
// pictures (an IMU) is said to be that, not the whole bag; --out in a
// directory that does not exist yet is made in it, as ros2 bag record -o
// makes its bag's, and a failed import leaves no directory behind.
func TestImportTopicsAndOutAsRos2BagUsersWriteThem(t *testing.T) {
	bag := filepath.Join("..", "..", "storage", "mcapimport", "testdata", "rosbag2_split")
	dir := t.TempDir()
	for _, c := range []struct {
		topic string
		code  int
		want  string
	}{
		{"camera/h264", exitUsage, `--topic "camera/h264": ` + bag + ` has topics /camera/image_raw/compressed, /camera/h264, /camera/image_raw, /imu (did you mean /camera/h264? a ROS topic's name begins with a slash)`},
		{"/camra/h264", exitUsage, "(did you mean /camera/h264?)"},
		{"/imu", exitFailure, "--topic /imu: no topic of pictures gopline takes, so " + filepath.Join(dir, "new", "imu.gopline") + " is not written: /imu (sensor_msgs/msg/Imu: not pictures)"},
	} {
		code, _, stderr := runCmd("import", bag, "--topic", c.topic, "-o", filepath.Join(dir, "new", "imu.gopline"))
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("--topic %s: exit %d: %s\nwant exit %d and %s", c.topic, code, stderr, c.code, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "new")); err == nil {
		t.Error("a failed import left the directory it made")
	}
	out := filepath.Join(dir, "new", "sub", "robot.gopline")
	if code, _, stderr := runCmd("import", bag, "-q", "-o", out); code != 0 {
		t.Fatalf("into a new directory: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Error(err)
	}
}

// A bag's file that holds nothing yet (a recorder stopped at once: empty,
// or cut inside its first record) is said to be that by info, import and
// play, in a bag's terms, not taken for a gopline recording.
func TestABagFileWithNothingInItIsSaidToBeOne(t *testing.T) {
	dir := t.TempDir()
	whole, err := os.ReadFile(filepath.Join("..", "..", "storage", "mcapimport", "testdata", "rosbag2_split", "rosbag2_split_0.mcap"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"empty.mcap": nil, "cut_0.mcap": whole[:5], "robot.db3": nil, "robot.bag": []byte("#ROSBAG")} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		want := "an empty file: nothing was written in it"
		if len(data) > 0 {
			want = "cut short inside its first record"
		}
		for _, args := range [][]string{{"info", path}, {"import", path, "-o", filepath.Join(dir, "x.gopline")}, {"play", path}} {
			code, _, stderr := runCmd(args...)
			if code == 0 || !strings.Contains(stderr, "not a bag: "+path+": ") || !strings.Contains(stderr, want) || strings.Contains(stderr, "recording") {
				t.Errorf("%s %s: exit %d: %s", args[0], name, code, stderr)
			}
		}
	}
}
