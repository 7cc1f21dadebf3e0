package bench

import (
	"errors"
	"os"
	"path/filepath"
)

// ErrNoTestVideo means vtest.avi was not found; `make testdata` fetches it.
var ErrNoTestVideo = errors.New("bench: vtest.avi not found: run `make testdata` to fetch it from Debian's opencv-doc package")

// VTestPath finds OpenCV's vtest.avi, the benchmark clip: in
// $GOPLINE_TESTDATA, in ~/.cache/gopline/testdata (where make testdata puts
// it), or where Debian's opencv-doc package installs it.
func VTestPath() (string, error) {
	var dirs []string
	if d := os.Getenv("GOPLINE_TESTDATA"); d != "" {
		dirs = append(dirs, d)
	}
	if d, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, filepath.Join(d, "gopline", "testdata"))
	}
	dirs = append(dirs, "/usr/share/doc/opencv-doc/examples/data")
	for _, d := range dirs {
		p := filepath.Join(d, "vtest.avi")
		if st, err := os.Stat(p); err == nil && st.Size() > 0 {
			return p, nil
		}
	}
	return "", ErrNoTestVideo
}
