package storage

import (
	"fmt"
	"path/filepath"
	"strings"
)

// SplitPath is the path of file i of a recording split from path, as
// ros2 bag names its split files: the name's stem, an underscore and the
// file's number, then its extension (robot.gopline: robot_0.gopline,
// robot_1.gopline, ...).
func SplitPath(path string, i int) string {
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s_%d%s", strings.TrimSuffix(path, ext), i, ext)
}
