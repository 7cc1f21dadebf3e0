package mcapimport

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/gopline/gopline/media"
)

// Inspect reads the bags srcs as ImportFiles would and says what they
// hold and what an import would make of it, writing nothing: as ros2 bag
// info describes a bag, each topic with its type, its messages and the
// log times of its first and last (Topic.First, Last); a topic of pictures
// with the codec, pixel format and picture size of the stream it would
// become (the size of a transcoded one is not read: Transcoded names its
// codec when opts.Transcode is set), any other with why it would be left
// (Skipped). Packets stay 0. Damage is said as by ImportFiles, in what
// was read: an MCAP file with a whole summary, and a ROS 1 bag with its
// index, are described from their indexes (inspectIndexed,
// inspectROS1Indexed; Result.Indexed), their chunks read only as far as
// needed.
func Inspect(ctx context.Context, srcs []string, opts Options) (Result, error) {
	files, missing, damaged, cleanup, err := bagFilesOf(ctx, srcs, os.TempDir())
	defer cleanup()
	if err != nil {
		return Result{}, err
	}
	im := newImporter(ctx, files, nil, opts)
	im.inspect = true
	res, err := im.run(files)
	res.Missing = missing
	res.Stopped = append(damaged, res.Stopped...)
	res.Files = nil
	for _, f := range files {
		res.Files = append(res.Files, f.path)
	}
	if err == nil {
		err = ctx.Err()
	}
	return res, err
}

// inspectMessage counts one message of a topic and, until the topic's
// stream is known, reads it to learn what the import would make of it.
func (im *importer) inspectMessage(ch *channel, m *mcap.Message) {
	t := ch.topic
	at := logTimeOf(m.LogTime)
	if !im.indexed {
		t.logged(1, at, at)
	}
	if ch.read == nil || ch.known {
		return
	}
	data, err := m.Data, error(nil)
	if t.MessageEncoding == "cdr" && bytes.HasPrefix(data, zstdMagic) {
		data, err = zstdDecoder.DecodeAll(data, nil)
	}
	var p picture
	if err == nil {
		p, err = ch.read(data)
	}
	if err != nil {
		t.damaged(err)
		return
	}
	if ch.stream == nil {
		src, err := sourceOf(p)
		if err != nil {
			if codec := otherCodec(p); codec != "" && im.opts.Transcode != nil {
				t.Codec, t.Transcoded, ch.known = media.H264, codec, true
				return
			}
			ch.read, t.Skipped, ch.known = nil, err.Error(), true
			return
		}
		ch.stream = &topicStream{source: src, values: im.opts.rangeOf(t.Topic)}
	}
	// The first packet the stream would store (an H.264 stream's first
	// keyframe) says its codec, format and size.
	if pkt, _ := ch.stream.packet(p, at); pkt != nil {
		t.Codec, t.Format, t.Width, t.Height, ch.known = pkt.Codec, pkt.Format, pkt.Width, pkt.Height, true
	}
}

// noPictureWhy says why a topic of pictures gave none, by its counts.
func noPictureWhy(c Topic) string {
	var why []string
	for _, n := range []struct {
		n         int64
		one, many string
	}{
		{c.NoParameterSets, "keyframe without its SPS and PPS (sent before the bag began?)", "keyframes without their SPS and PPS (sent before the bag began?)"},
		{c.BeforeKeyframe, "picture before any keyframe", "pictures before any keyframe"},
		{c.Damaged, "damaged picture" + damageWhy(c), "damaged pictures" + damageWhy(c)},
		{c.OtherFormat, "picture of another format", "pictures of another format"},
	} {
		switch {
		case n.n == 1:
			why = append(why, "1 "+n.one)
		case n.n > 1:
			why = append(why, fmt.Sprintf("%d %s", n.n, n.many))
		}
	}
	if len(why) == 0 {
		return "no picture read"
	}
	return strings.Join(why, ", ")
}
