package mcapimport

import (
	"bytes"
	"cmp"
	"slices"
	"time"
)

// A bag's messages are read in the order they are stored, which is not
// always the order of their times: rosbag2's SQLite rows as its writer's
// threads inserted them, a ROS 1 bag written by a script, an MCAP file
// merged from others. ros2 bag play (SQLite's ORDER BY timestamp), rosbag
// play and MCAP readers give them in log-time order, and so does the
// import, within a bounded window: the pictures are held back, each topic's
// in its own window, and the earliest of them all (by log time, then by the
// order stored) is stored while a topic holds more than reorderWindow, or
// all more than maxHeldBytes. A picture stored further from its place than
// the window reaches comes after those stored before it, and is stored a
// microsecond after the last (Topic.Retimed).
//
// Log time, not the header stamp, orders them: the order of an H.264
// stream's messages is its decode order, which its log times keep and its
// stamps (presentation times) do not; the topics of a bag share its clock
// (their stamps may not); and it is the order the players give.
const (
	// reorderWindow bounds the pictures a topic holds back: 8.5 s of a
	// camera at 30 frames/s, far more than a recorder's threads put out
	// of order.
	reorderWindow = 256
	// maxHeldBytes bounds the pictures held back over all topics, as
	// maxChunk bounds a chunk: a raw 1080p camera holds 40.
	maxHeldBytes = 256 << 20
)

// heldPicture is a picture held back in its topic's window.
type heldPicture struct {
	picture
	logTime time.Time
	n       uint64 // its place among the bag's pictures read
}

// compare orders held pictures: by log time, then as they were stored.
func (a heldPicture) compare(b heldPicture) int {
	if c := a.logTime.Compare(b.logTime); c != 0 {
		return c
	}
	return cmp.Compare(a.n, b.n)
}

// window is one topic's pictures held back, in log-time order.
type window struct {
	held  []heldPicture
	bytes int
}

// push holds a picture back, the n-th read; its data is copied, the
// reader's buffer being reused for the next record.
func (w *window) push(p picture, logTime time.Time, n uint64) {
	p.data = bytes.Clone(p.data)
	h := heldPicture{picture: p, logTime: logTime, n: n}
	i, _ := slices.BinarySearchFunc(w.held, h, heldPicture.compare)
	w.held = slices.Insert(w.held, i, h)
	w.bytes += len(p.data)
}

// pop gives out the earliest picture held.
func (w *window) pop() heldPicture {
	h := w.held[0]
	w.held[0] = heldPicture{}
	w.held = w.held[1:]
	w.bytes -= len(h.data)
	return h
}

// hold holds a topic's picture back, and stores the pictures the windows'
// bounds let go.
func (im *importer) hold(st *topicState, p picture, logTime time.Time) error {
	before := st.window.bytes
	st.window.push(p, logTime, im.held)
	im.held++
	im.heldBytes += st.window.bytes - before
	for len(st.window.held) > reorderWindow || im.heldBytes > maxHeldBytes {
		if _, err := im.giveOut(); err != nil {
			return err
		}
	}
	return nil
}

// giveOut stores the earliest picture held back, of all topics'; false
// when none is.
func (im *importer) giveOut() (bool, error) {
	var st *topicState
	for _, o := range im.order {
		if len(o.window.held) > 0 && (st == nil || o.window.held[0].compare(st.window.held[0]) < 0) {
			st = o
		}
	}
	if st == nil {
		return false, nil
	}
	h := st.window.pop()
	im.heldBytes -= len(h.data)
	pictures := []picture{h.picture}
	if st.stream.transcoding != nil {
		pictures = st.stream.transcoded(h.picture, h.logTime)
	}
	for _, p := range pictures {
		if err := im.store(st, p, h.logTime); err != nil {
			return true, err
		}
	}
	return true, nil
}

// giveOutAll stores every picture held back: at the end of the bag.
func (im *importer) giveOutAll() error {
	for {
		if more, err := im.giveOut(); !more || err != nil {
			return err
		}
	}
}
