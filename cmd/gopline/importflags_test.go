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
