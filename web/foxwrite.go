package web

import (
	"context"
	"time"

	"github.com/coder/websocket"

	"github.com/gopline/gopline/internal/foxglove"
	"github.com/gopline/gopline/media"
)

// writer sends each packet of a subscription to channel ch as a
// CompressedVideo (H.264), CompressedImage (JPEG) or RawImage (raw)
// message in protobuf: the picture's bytes as they are (YUV420P as uyvy,
// see foxglove.RawOf; the MCAP export writes the same messages in JSON),
// marked when replayed if the client asked, stamped with its capture time
// (logClock). A packet of another schema
// than the channel's (the topic changed codec: the channel ends at the
// next advertise) is not sent. A subscription that its client's replay
// budget has no replay for (noReplay, when it may have one again, is not
// zero) leaves out the replayed GOP and what follows it up to the next
// live keyframe.
func (c *foxgloveConn) writer(subID uint32, ch advertised, stopping chan struct{}, noReplay time.Time) func(*media.Packet) error {
	msg := foxglove.Message{FrameID: foxglove.FrameID(ch.topic)}
	var thinning deltaSkip // the writer's own, as the feed calls it from one goroutine
	var clock logClock     // likewise
	unreplayed := replaySkip{waiting: !noReplay.IsZero()}
	told, toldNoReplay := false, false
	return func(p *media.Packet) error {
		schema, format := schemaOf(p.Codec)
		if schema != ch.schema {
			return nil
		}
		if unreplayed.waiting {
			if p.Replay.Replayed && !toldNoReplay {
				toldNoReplay = true
				c.tellNoReplay(subID, ch.topic, noReplay)
			}
			if unreplayed.skip(p.Replay.Replayed, p.Key) {
				return nil
			}
		}
		var b []byte
		if schema == foxglove.RawImage {
			raw, err := foxglove.RawOf(p)
			if err != nil {
				return nil // not a picture a viewer could draw: the next one may be
			}
			raw.FrameID, raw.Timestamp = msg.FrameID, foxglove.TimeOf(p.CaptureTime)
			b = raw.AppendProto(make([]byte, messageDataHeader, messageDataHeader+len(raw.Data)+len(raw.FrameID)+len(raw.Encoding)+maxProtoFraming))
		} else {
			msg.Format, msg.Data, msg.Timestamp = format, p.Data, foxglove.TimeOf(p.CaptureTime)
			b = msg.AppendProto(make([]byte, messageDataHeader, messageDataHeader+len(p.Data)+len(msg.FrameID)+maxProtoFraming), schema)
		}
		if c.markReplay && p.Replay.Replayed {
			b = appendReplayed(b)
		}
		ctx, cancel := context.WithTimeout(context.Background(), foxgloveWriteTimeout)
		defer cancel()
		if err := c.waitForReader(ctx, stopping); err != nil {
			return err
		}
		thin, busy, queued := c.linkThin()
		if thin != told {
			told = thin
			c.tellThin(subID, ch.topic, thin, queued)
		}
		if thin && p.Key && busy {
			thinning.skipping = true // a keyframe the link has no room for: the next one is newer
			return nil
		}
		if thinning.skip(p.Key, thin) {
			return nil
		}
		if err := c.ws.Write(ctx, websocket.MessageBinary, messageData(b, subID, clock.stamp(p.CaptureTime, time.Now()))); err != nil {
			return err
		}
		c.wroteOne(len(b))
		c.liveAgain(subID)
		if toldNoReplay {
			toldNoReplay = false
			_ = c.clear(context.Background(), subID, statusNoReplay)
		}
		return nil
	}
}

// maxProtoFraming bounds what a picture's protobuf message holds beside its
// data, frame id and encoding: tags, lengths, the time, the format and
// the sizes.
const maxProtoFraming = 64

// schemaOf returns the Foxglove schema and format of a codec's packets
// (no format for raw pictures: each message says its encoding), "" for a
// codec Foxglove shows no picture of.
func schemaOf(c media.Codec) (schema, format string) {
	switch c {
	case media.H264:
		return foxglove.CompressedVideo, "h264"
	case media.JPEG:
		return foxglove.CompressedImage, "jpeg"
	case media.Raw:
		return foxglove.RawImage, ""
	}
	return "", ""
}
