package ffmpeg

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/asticode/go-astiav"
	"golang.org/x/sys/unix"
)

// v4l2Major is the device number Linux gives every Video4Linux device
// (/dev/video*, /dev/v4l-subdev*, /dev/radio*).
const v4l2Major = 81

// isV4L2 reports whether mode and rdev, a path's, are those of a V4L2
// device: a character device of the video4linux major.
func isV4L2(mode fs.FileMode, rdev uint64) bool {
	return mode&fs.ModeCharDevice != 0 && unix.Major(rdev) == v4l2Major
}

// v4l2Device reports whether path is a V4L2 device, a camera FFmpeg reads
// only through its v4l2 input: opened as a file, it fails with an error
// that says nothing of a camera.
func v4l2Device(path string) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && isV4L2(fi.Mode(), uint64(st.Rdev))
}

// cameraPath reports whether location names a camera's device: one under
// /dev/video or /dev/v4l/ (udev's by-id and by-path links), or any path
// read with the v4l2 input.
func cameraPath(location, inputFormat string) bool {
	return strings.HasPrefix(location, "/dev/video") || strings.HasPrefix(location, "/dev/v4l/") ||
		inputFormat == "v4l2" || inputFormat == "video4linux2"
}

// IsCamera reports whether location, read with inputFormat ("" to
// probe), is a camera's device: a path cameraPath names, or any path of a
// V4L2 device. A camera streams for as long as it is there, as a network
// stream does.
func IsCamera(location, inputFormat string) bool {
	return cameraPath(location, inputFormat) || v4l2Device(location)
}

// cameraUnavailable is FFmpeg's error of a camera's device that did not
// open for one of cameraHint's causes: it reads as that error, and is
// ErrCameraUnavailable.
type cameraUnavailable struct{ err error }

func (e cameraUnavailable) Error() string        { return e.err.Error() }
func (e cameraUnavailable) Unwrap() error        { return e.err }
func (e cameraUnavailable) Is(target error) bool { return target == ErrCameraUnavailable }

// cameraHint says why a camera's device did not open, from err, FFmpeg's
// error, when it is one a user can act on, given devices, the /dev/video*
// paths there are: none at that path (naming those there are, or none at
// all, as in a container not given its cameras), not this user's to open,
// or open in another process. It is "" for any other error.
func cameraHint(location string, err error, devices []string) string {
	switch {
	case errors.Is(err, astiav.Error(-int(syscall.ENOENT))):
		if len(devices) == 0 {
			return fmt.Sprintf("no camera at %s, and no video device here at all: is the camera plugged in? "+
				"A container sees a camera only when given it, as docker run --device %s", location, location)
		}
		return fmt.Sprintf("no camera at %s; the video devices here: %s (v4l2-ctl --list-devices says which camera each is; "+
			"/dev/v4l/by-id/ names them by model, which stays when they are numbered anew)", location, strings.Join(devices, ", "))
	case errors.Is(err, astiav.Error(-int(syscall.EACCES))), errors.Is(err, astiav.ErrEperm):
		return fmt.Sprintf("this user may not open %s: add the user to the video group (sudo usermod -aG video $USER, then log in again)", location)
	case errors.Is(err, astiav.Error(-int(syscall.EBUSY))):
		return fmt.Sprintf("another process has %s open (fuser -v %s names it): a V4L2 camera streams to one process at a time", location, location)
	}
	return ""
}

// videoDevices returns the /dev/video* paths there are.
func videoDevices() []string {
	devices, _ := filepath.Glob("/dev/video*")
	return devices
}
