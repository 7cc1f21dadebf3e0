package mcapimport

import (
	"fmt"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// output is one file an import writes.
type output struct {
	path    string
	rec     streams
	streams map[string]bool // the topics it has a stream of
}

// outputs are the files an import writes: the first, then one more from
// each change of a topic's picture size or format, as the recorder splits
// a recording there. open makes file i (0 the first).
type outputs struct {
	open  func(i int) (*output, error)
	files []*output
}

// newest returns the file opened last, or nil.
func (o *outputs) newest() *output {
	if len(o.files) == 0 {
		return nil
	}
	return o.files[len(o.files)-1]
}

// maxFiles bounds the files an import writes: a camera changes its picture
// size a few times, a crafted bag at every message.
const maxFiles = 256

// next opens the next file.
func (o *outputs) next() (*output, error) {
	if len(o.files) == maxFiles {
		return nil, ErrTooManySizes
	}
	out, err := o.open(len(o.files))
	if err != nil {
		return nil, err
	}
	o.files = append(o.files, out)
	return out, nil
}

// outputFor returns the file a topic's packet goes to: the newest file for
// a topic's first packet; a new file for a change of its size or format
// (or the newest, when another topic's change opened it); and the newest
// at a keyframe, when another topic's change opened one since.
func (im *importer) outputFor(st *topicState, key, changed bool) (*output, error) {
	newest := im.outs.newest()
	switch {
	case newest == nil, changed && st.out == newest:
		return im.outs.next()
	case st.out == nil, changed, key:
		return newest, nil
	}
	return st.out, nil
}

// store stores the packet of one picture of a topic, logged at logTime,
// once it is timed.
func (im *importer) store(st *topicState, p picture, logTime time.Time) error {
	pkt, changed := st.stream.packet(p, logTime)
	if pkt == nil {
		return nil
	}
	return im.writeTimed(st, st.stream.timed(pkt, changed))
}

// writeTimed writes a topic's timed packets, or re-encodes them when they
// are the first of an H.264 stream with B-frames and the import encodes
// (reencodeReordered).
func (im *importer) writeTimed(st *topicState, pkts []timedPacket) error {
	if len(pkts) > 0 && im.reencodes(st.stream) {
		return im.reencodeReordered(st, pkts)
	}
	return im.write(st, pkts)
}

// write writes a topic's timed packets.
func (im *importer) write(st *topicState, pkts []timedPacket) error {
	for _, p := range pkts {
		if err := im.writePacket(st, p.Packet, p.changed); err != nil {
			return err
		}
	}
	return nil
}

// writePacket writes one packet of a topic; changed says it changes the
// stream's picture size or raw format.
func (im *importer) writePacket(st *topicState, pkt *media.Packet, changed bool) error {
	t := st.topic
	out, err := im.outputFor(st, pkt.Key, changed)
	if err != nil {
		return err
	}
	st.out = out
	if !out.streams[t.Topic] {
		info := storage.StreamInfo{Name: t.Topic, Codec: pkt.Codec, Width: pkt.Width, Height: pkt.Height, Format: pkt.Format,
			Created: pkt.CaptureTime, Source: t.Topic + " (" + t.Schema + ") of " + im.name, FrameID: t.FrameID}
		if from := st.stream.transcodedFrom(); from != "" {
			info.Source += ", transcoded from " + from
		}
		if err := out.rec.CreateStream(info); err != nil {
			return err
		}
		out.streams[t.Topic] = true
		if t.Stream == "" {
			t.Stream, t.Codec, t.Format, t.Width, t.Height, t.First = t.Topic, pkt.Codec, pkt.Format, pkt.Width, pkt.Height, pkt.CaptureTime
			t.Transcoded = st.stream.transcodedFrom()
		}
		if changed || len(t.Sizes) == 0 {
			size := fmt.Sprintf("%dx%d", pkt.Width, pkt.Height)
			if pkt.Codec == media.Raw {
				size += " " + pkt.Format.String()
			}
			t.Sizes = append(t.Sizes, size)
		}
		t.Files = append(t.Files, out.path)
	}
	if err := out.rec.Append(t.Topic, pkt); err != nil {
		return err
	}
	t.Packets++
	if pkt.CaptureTime.After(t.Last) { // B-frames: decode order is not capture order
		t.Last = pkt.CaptureTime
	}
	return nil
}

// flushStreams stores the pictures the topics' Transcoders held back, and
// the packets held back to be timed.
func (im *importer) flushStreams() error {
	for _, st := range im.order {
		s := st.stream
		if s == nil {
			continue
		}
		if s.transcoding == nil {
			// A short stream is timed only now, and may turn out to
			// need re-encoding: its Transcoder is flushed next.
			if err := im.writeTimed(st, s.order.flush()); err != nil {
				return err
			}
		}
		if s.transcoding != nil {
			for _, p := range s.flushTranscoded() {
				if err := im.store(st, p, p.stamp); err != nil {
					return err
				}
			}
			if err := im.write(st, s.order.flush()); err != nil {
				return err
			}
		}
	}
	return nil
}
