package ffmpeg

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/asticode/go-astiav"
	"golang.org/x/sys/unix"
)

// A V4L2 camera is a character device of major 81; nothing else is taken
// for one.
func TestIsV4L2TakesOnlyVideo4LinuxDevices(t *testing.T) {
	for _, c := range []struct {
		mode fs.FileMode
		rdev uint64
		want bool
	}{
		{fs.ModeDevice | fs.ModeCharDevice, unix.Mkdev(81, 0), true},
		{fs.ModeDevice | fs.ModeCharDevice, unix.Mkdev(81, 33), true},
		{fs.ModeDevice | fs.ModeCharDevice, unix.Mkdev(1, 3), false}, // /dev/null
		{fs.ModeDevice, unix.Mkdev(81, 0), false},                    // a block device
		{0, unix.Mkdev(81, 0), false},                                // a file
	} {
		if got := isV4L2(c.mode, c.rdev); got != c.want {
			t.Errorf("isV4L2(%v, %d:%d) = %v, want %v", c.mode, unix.Major(c.rdev), unix.Minor(c.rdev), got, c.want)
		}
	}
	file := filepath.Join(t.TempDir(), "video0")
	if err := os.WriteFile(file, []byte("not a camera"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{os.DevNull, file, filepath.Join(t.TempDir(), "missing")} {
		if v4l2Device(path) {
			t.Errorf("%s taken for a camera", path)
		}
	}
}

// A camera's device that does not open says why in terms a user acts on:
// which devices there are, the video group, the other process.
func TestCameraHintSaysWhyTheCameraDidNotOpen(t *testing.T) {
	enoent := astiav.Error(-int(syscall.ENOENT))
	for _, c := range []struct {
		err     error
		devices []string
		says    []string
	}{
		{enoent, nil, []string{"no camera at /dev/video2", "no video device here at all", "docker run --device /dev/video2"}},
		{enoent, []string{"/dev/video0", "/dev/video1"}, []string{"no camera at /dev/video2", "/dev/video0, /dev/video1", "v4l2-ctl --list-devices", "/dev/v4l/by-id/"}},
		{astiav.Error(-int(syscall.EACCES)), nil, []string{"may not open /dev/video2", "video group"}},
		{astiav.ErrEperm, nil, []string{"video group"}},
		{astiav.Error(-int(syscall.EBUSY)), nil, []string{"another process has /dev/video2 open", "fuser"}},
	} {
		hint := cameraHint("/dev/video2", c.err, c.devices)
		for _, says := range c.says {
			if !strings.Contains(hint, says) {
				t.Errorf("%v with devices %v: %q does not say %q", c.err, c.devices, hint, says)
			}
		}
	}
	if !IsCamera("/dev/video5", "") || IsCamera(os.DevNull, "") || IsCamera("clip.mp4", "") {
		t.Error("IsCamera takes a camera's path for none, or another for one")
	}
	if hint := cameraHint("/dev/video2", astiav.ErrInvaliddata, nil); hint != "" {
		t.Errorf("another error has a hint: %q", hint)
	}
	for _, c := range []struct {
		location, format string
		want             bool
	}{
		{"/dev/video0", "", true}, {"/dev/v4l/by-id/usb-cam-video-index0", "", true}, {"/tmp/cam", "v4l2", true},
		{"/dev/null", "", false}, {"clip.mp4", "", false},
	} {
		if got := cameraPath(c.location, c.format); got != c.want {
			t.Errorf("cameraPath(%q, %q) = %v, want %v", c.location, c.format, got, c.want)
		}
	}
}

// Opening a camera that is not there fails at once, saying so and naming
// the devices there are.
func TestAMissingCameraIsNamed(t *testing.T) {
	const missing = "/dev/video97"
	if _, err := os.Stat(missing); err == nil {
		t.Skipf("%s exists here", missing)
	}
	_, err := OpenReader(missing, WithInputFormat("v4l2"))
	if !errors.Is(err, ErrOpen) || !errors.Is(err, ErrCameraUnavailable) || !strings.Contains(err.Error(), "no camera at "+missing) {
		t.Fatalf("open %s: %v, want ErrOpen saying there is no camera at it", missing, err)
	}
	_, err = OpenReader(missing)
	if !errors.Is(err, ErrOpen) || !errors.Is(err, ErrCameraUnavailable) || !strings.Contains(err.Error(), "no camera at "+missing) {
		t.Fatalf("open %s without input-format: %v, want ErrOpen saying there is no camera at it", missing, err)
	}
}
