package elements

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gopline/gopline/storage"
)

// notAVideo returns an error wrapping storage.ErrOtherFormat, naming what
// to use instead, when the file at cfg's location is one of gopline's
// recordings or a bag (MCAP, a ROS 2 bag's SQLite file, either compressed,
// a ROS 1 bag; a rosbag2 directory):
// FFmpeg takes an MCAP file of JPEG pictures for a bare MJPEG stream, every
// camera of the bag in one stream at a guessed pace, and refuses the rest
// with "Invalid data". An input-format= given is taken as meant.
func notAVideo(cfg VideoSrcConfig) error {
	if cfg.InputFormat != "" {
		return nil
	}
	if fi, err := os.Stat(cfg.Location); err == nil && fi.IsDir() {
		for _, pattern := range []string{"metadata.yaml", "*.mcap", "*.db3", "*.bag"} {
			if found, _ := filepath.Glob(filepath.Join(cfg.Location, pattern)); len(found) > 0 {
				return fmt.Errorf("%w: %s is a bag's directory, which gopline import reads, not a video: gopline import %s --out NAME.gopline "+
					"makes a recording of its pictures, which the play element reads", storage.ErrOtherFormat, cfg.Location, cfg.Location)
			}
		}
		return nil
	}
	kind, _, err := storage.SniffFile(cfg.Location)
	switch {
	case err != nil:
		return nil // not a file gopline can look into: FFmpeg says what it is
	case kind == storage.KindBolt:
		return fmt.Errorf("%w: %s is a gopline recording (or another bbolt file), not a video: the play element reads a recording's streams "+
			"(play path=%s), and gopline play publishes them", storage.ErrOtherFormat, cfg.Location, cfg.Location)
	case kind.IsBag():
		return fmt.Errorf("%w: %s is %s, which gopline import reads, not a video: gopline import %s --out NAME.gopline makes a recording of "+
			"its pictures, which the play element reads", storage.ErrOtherFormat, cfg.Location, kind, cfg.Location)
	}
	return nil
}
