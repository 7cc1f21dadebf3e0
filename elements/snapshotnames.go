package elements

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// snapshotNames names the files of a snapshot sink so that none is written
// twice in a run, nor over one an earlier run left in the directory, as
// ffmpeg's image2 and GStreamer's multifilesink name theirs apart:
// NODE-SEQ.EXT for the frames of the first stream, NODE-streamK-SEQ.EXT
// for those of the K-th. A new stream is one whose frames are numbered
// again from where an earlier one's were (a camera that reconnected, or
// came back at another resolution: its Seq starts over); a run counts its
// streams on from the highest one of the node's files already in the
// directory.
type snapshotNames struct {
	dir, node, ext string
	stream         int    // of the frames being named, from 1 (an earlier run's last before the first frame)
	last           uint64 // the Seq of the last frame seen
	seen           bool   // a frame was
}

// newSnapshotNames returns the names of node's files in dir, in format ext,
// after those the directory already holds (of either format); earlier says
// how many streams those were of.
func newSnapshotNames(dir, node, ext string) (names *snapshotNames, earlier int, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, 0, fmt.Errorf("snapshot directory: %w", err)
	}
	for _, e := range entries {
		earlier = max(earlier, snapshotStream(e.Name(), node))
	}
	return &snapshotNames{dir: dir, node: node, ext: ext, stream: earlier}, earlier, nil
}

// snapshotStream returns the stream a file named name of node's holds a
// snapshot of (1 for NODE-SEQ.png), or 0 when it is not one of node's.
func snapshotStream(name, node string) int {
	rest, ok := strings.CutPrefix(name, node+"-")
	if !ok {
		return 0
	}
	ext := filepath.Ext(rest)
	if ext != ".png" && ext != ".jpeg" {
		return 0
	}
	rest = strings.TrimSuffix(rest, ext)
	stream := 1
	if s, seq, ok := strings.Cut(rest, "-"); ok {
		k, err := strconv.Atoi(strings.TrimPrefix(s, "stream"))
		if !strings.HasPrefix(s, "stream") || err != nil || k < 2 {
			return 0
		}
		stream, rest = k, seq
	}
	if _, err := strconv.ParseUint(rest, 10, 64); err != nil {
		return 0
	}
	return stream
}

// frame notes a frame the sink got, written or not: one numbered seq when
// the last was not before it starts a new stream.
func (n *snapshotNames) frame(seq uint64) {
	if !n.seen || seq <= n.last {
		n.stream++
	}
	n.last, n.seen = seq, true
}

// path is the file of the frame numbered seq, of the stream frame last
// noted.
func (n *snapshotNames) path(seq uint64) string {
	if n.stream <= 1 {
		return filepath.Join(n.dir, fmt.Sprintf("%s-%06d.%s", n.node, seq, n.ext))
	}
	return filepath.Join(n.dir, fmt.Sprintf("%s-stream%d-%06d.%s", n.node, n.stream, seq, n.ext))
}
