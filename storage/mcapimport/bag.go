package mcapimport

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/storage"
)

// sqliteMagic opens every SQLite file, a rosbag2 .db3 among them.
const sqliteMagic = "SQLite format 3\x00"

// bagFiles returns the files src stands for: src itself, or the files of a
// rosbag2 directory in their order; each an MCAP file or a SQLite one,
// perhaps compressed whole, or a ROS 1 bag. missing are the files its
// metadata.yaml lists that are not there.
func bagFiles(src string) (paths, missing []string, err error) {
	fi, err := os.Stat(src)
	if err != nil {
		return nil, nil, fmt.Errorf("mcapimport: %w", err)
	}
	switch {
	case fi.IsDir():
		if paths, missing, err = directoryFiles(src); err != nil {
			return nil, nil, err
		}
	case !fi.Mode().IsRegular():
		return nil, nil, fmt.Errorf("%w: %s is not a regular file", ErrNotMCAP, src)
	default:
		paths = []string{src}
	}
	for _, path := range paths {
		if err := checkMCAP(path); err != nil {
			return nil, nil, err
		}
	}
	return paths, missing, nil
}

// directoryFiles returns a rosbag2 directory's files: those its
// metadata.yaml lists, in its order, or without one its .mcap (and
// .mcap.zstd) files, else its .db3 (and .db3.zstd) ones, else its ROS 1
// .bag files (rosbag record --split's), in the order of the number that
// ends their names (robot_0, robot_1, ...). The zstd tool's .zst counts as
// rosbag2's .zstd. A bag copied in part, whose metadata.yaml lists files
// that are not there, is read from the files that are (missing names the
// others); one none of whose listed files are there (renamed) is read as a
// directory without metadata.yaml.
func directoryFiles(dir string) (paths, missing []string, err error) {
	storageID, listed, err := readMetadata(filepath.Join(dir, "metadata.yaml"))
	if err != nil {
		return nil, nil, err
	}
	var absent []string
	for _, name := range listed {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if _, err := os.Stat(path); err != nil {
			absent = append(absent, name)
			continue
		}
		paths = append(paths, path)
	}
	if len(paths) > 0 {
		return paths, absent, nil
	}
	paths = glob(dir, "*.mcap", "*.mcap.zstd", "*.mcap.zst")
	if len(paths) == 0 || storageID == "sqlite3" {
		paths = glob(dir, "*.db3", "*.db3.zstd", "*.db3.zst")
	}
	if len(paths) == 0 {
		paths = glob(dir, "*.bag", "*.bag.active") // ROS 1: rosbag record --split's NAME_0.bag, NAME_1.bag, ...
	}
	switch {
	case len(paths) == 0 && len(absent) > 0:
		return nil, nil, fmt.Errorf("%w: %s: its metadata.yaml lists %s, and none of them is there", ErrNotMCAP, dir, strings.Join(absent, ", "))
	case len(paths) == 0:
		return nil, nil, fmt.Errorf("%w: %s is a directory without a bag's files (a rosbag2 directory holds metadata.yaml and NAME_0.mcap or NAME_0.db3; "+
			"a directory of ROS 1 bags NAME_0.bag, ...)", ErrNotMCAP, dir)
	}
	slices.SortFunc(paths, func(a, b string) int {
		if na, nb := splitNumber(a), splitNumber(b); na != nb {
			return na - nb
		}
		return strings.Compare(a, b)
	})
	return paths, nil, nil
}

// inSplitOrder returns srcs with the files of one split bag given one by
// one (robot_0.mcap robot_1.mcap ... robot_10.mcap, as a shell's glob
// lists them: robot_10 before robot_2) in the order of their numbers, as
// the bag's directory is read; each file keeps the place of one of its
// bag's, and every other source its own.
func inSplitOrder(srcs []string) []string {
	type split struct{ files []string }
	bags := map[string]*split{}
	var stems []string
	for _, src := range srcs {
		stem, ext := storage.SplitBagName(filepath.Base(src))
		if splitNumber(src) < 0 {
			continue
		}
		key := filepath.Join(filepath.Dir(src), strings.TrimRight(stem, "0123456789")) + ext
		if bags[key] == nil {
			bags[key] = &split{}
			stems = append(stems, key)
		}
		bags[key].files = append(bags[key].files, src)
	}
	ordered := slices.Clone(srcs)
	for _, key := range stems {
		b := bags[key]
		if len(b.files) < 2 {
			continue
		}
		sorted := slices.Clone(b.files)
		slices.SortStableFunc(sorted, func(a, b string) int { return splitNumber(a) - splitNumber(b) })
		next := 0
		for i, src := range ordered {
			if slices.Contains(b.files, src) {
				ordered[i] = sorted[next]
				next++
			}
		}
	}
	return ordered
}

// glob returns the files in dir that match any of patterns.
func glob(dir string, patterns ...string) []string {
	var paths []string
	for _, p := range patterns {
		found, _ := filepath.Glob(filepath.Join(dir, p))
		paths = append(paths, found...)
	}
	return paths
}

// splitNumber returns the number that ends a file's name, before its
// extensions (7 for robot_7.mcap and robot_7.mcap.zstd), or -1.
func splitNumber(path string) int {
	name, _ := storage.SplitBagName(strings.TrimSuffix(filepath.Base(path), ".active"))
	i := strings.LastIndexFunc(name, func(r rune) bool { return r < '0' || r > '9' })
	n, err := strconv.Atoi(name[i+1:])
	if err != nil {
		return -1
	}
	return n
}

// readMetadata reads what a rosbag2 metadata.yaml says of its storage: its
// storage_identifier and its relative_file_paths. A missing file says
// nothing.
func readMetadata(path string) (storageID string, files []string, err error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("mcapimport: %w", err)
	}
	defer f.Close()
	inList := false
	sc := bufio.NewScanner(io.LimitReader(f, 16<<20))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case inList && strings.HasPrefix(line, "- "):
			files = append(files, strings.Trim(strings.TrimSpace(line[2:]), `"'`))
			continue
		case strings.HasPrefix(line, "storage_identifier:"):
			storageID = strings.Trim(strings.TrimSpace(strings.TrimPrefix(line, "storage_identifier:")), `"'`)
		}
		inList = line == "relative_file_paths:"
	}
	return storageID, files, sc.Err()
}

// checkMCAP returns nil when path begins as an MCAP file, a SQLite one or
// a ROS 1 bag, perhaps compressed whole (compressions), and otherwise says
// what it is.
func checkMCAP(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("mcapimport: %w", err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if isBag(head) {
		return nil
	}
	if c := compressionOf(head); c != nil {
		fi, err := f.Stat()
		if err != nil {
			return fmt.Errorf("mcapimport: %w", err)
		}
		inner, err := decompressedHead(f, fi.Size(), c, len(sqliteMagic))
		switch {
		case isBag(inner):
			return nil
		case err == nil:
			return fmt.Errorf("%w: %s: a %s file that holds no bag (an MCAP file, a SQLite one or a ROS 1 bag)", ErrNotMCAP, path, c.name)
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			return fmt.Errorf("%w: %s: a %s file cut short before its first bytes decompress", ErrNotMCAP, path, c.name)
		}
		return fmt.Errorf("%w: %s: a %s file that does not decompress (%v)", ErrNotMCAP, path, c.name, err)
	}
	for _, c := range archives {
		if bytes.HasPrefix(head, c.magic) {
			return fmt.Errorf("%w: %s: a file compressed with %s: decompress it first (%s %s), then import what it holds",
				ErrNotMCAP, path, c.name, c.tool, path)
		}
	}
	kind, size, _ := storage.SniffFile(path)
	what := "neither MCAP, SQLite nor a ROS 1 bag"
	switch {
	case size == 0:
		what = "an empty file: nothing was written in it (a recorder stopped before its first write, or a copy not begun)"
	case isBagStart(head):
		what = fmt.Sprintf("%d bytes, cut short inside its first record (a recorder stopped at once, or a copy not finished)", size)
	case kind == storage.KindBolt:
		what = "it is a gopline recording already (or another bbolt file): gopline play, info and export take recordings"
	case kind != storage.KindUnknown:
		what = "it is " + kind.String()
	}
	return fmt.Errorf("%w: %s: %s", ErrNotMCAP, path, what)
}

// isBagStart reports whether head, shorter than a bag's magic, is its
// start.
func isBagStart(head []byte) bool {
	for _, magic := range [][]byte{mcap.Magic, []byte(sqliteMagic), []byte(ros1Magic)} {
		if len(head) > 0 && len(head) < len(magic) && bytes.HasPrefix(magic, head) {
			return true
		}
	}
	return false
}

// isBag reports whether a file beginning with head is a bag's file: MCAP,
// SQLite or a ROS 1 bag.
func isBag(head []byte) bool {
	return bytes.HasPrefix(head, mcap.Magic) || bytes.HasPrefix(head, []byte(sqliteMagic)) || bytes.HasPrefix(head, []byte(ros1Magic))
}

// readerBegins reports whether r, when it reads at offsets, begins with
// magic.
func readerBegins(r io.Reader, magic []byte) bool {
	at, ok := r.(io.ReaderAt)
	if !ok {
		return false
	}
	head := make([]byte, len(magic))
	n, _ := at.ReadAt(head, 0)
	return n == len(magic) && bytes.Equal(head, magic)
}
