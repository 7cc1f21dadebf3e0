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
// Log time, not the header stamp, orders them: the topics of a bag share
// its clock (their stamps may not), and it is the order the players give.
// A topic of video (H.264, or transcoded to it) keeps the order it is
// stored in, its decode order, which neither its stamps (presentation
// times) nor its log times always keep (a converter from a file logs each
// picture at its presentation time): each of its pictures is ordered at
// its log time, or at the one before's when that is later.
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
	at      time.Time // where it is ordered: its log time, but in video
	n       uint64    // its place among the bag's pictures read
}

// compare orders held pictures: by at, then as they were stored.
func (a heldPicture) compare(b heldPicture) int {
	if c := a.at.Compare(b.at); c != 0 {
		return c
	}
	return cmp.Compare(a.n, b.n)
}

// window is one topic's pictures held back, in log-time order.
type window struct {
	held   []heldPicture
	bytes  int
	stored bool      // keep the order stored (video)
	last   time.Time // the latest at pushed
}

// push holds a picture back, the n-th read; its data is copied, the
// reader's buffer being reused for the next record.
func (w *window) push(p picture, logTime time.Time, n uint64) {
	p.data = bytes.Clone(p.data)
	h := heldPicture{picture: p, logTime: logTime, at: logTime, n: n}
	if w.stored && h.at.Before(w.last) {
		h.at = w.last
	}
	w.last = maxTime(w.last, h.at)
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
	st.window.stored = st.stream.source == fromH264
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
	if !st.clock.decided {
		st.clock.decide(im.opts.Clock, append([]heldPicture{h}, st.window.held...))
		st.topic.LogTimed = st.clock.logged
		if st.clock.logged && im.opts.Clock == ClockAuto {
			st.topic.ClockOffset = st.clock.offset
		}
	}
	if st.clock.logged {
		h.stamp = st.clock.timed(h, st.stream.source == fromH264)
	} else if stamp, out := st.line.judge(h, st.window.held); out {
		h.stamp = stamp
		st.topic.OutOfLine++
	}
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

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
