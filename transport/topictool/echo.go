package topictool

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/gopline/gopline/media"
)

// Echo writes one line per packet of a topic: its sequence number, GOP,
// whether it is a keyframe, its size, when it was captured and received,
// and whether the topic replayed it from its cache. Lines are text, or
// JSON objects (one a line).
type Echo struct {
	w    io.Writer
	json bool
}

// NewEcho returns an Echo that writes to w, as JSON objects when asJSON.
func NewEcho(w io.Writer, asJSON bool) *Echo { return &Echo{w: w, json: asJSON} }

// EchoLine is what Echo writes of a packet.
type EchoLine struct {
	Seq      uint64    `json:"seq"`
	GOP      uint64    `json:"gop"`
	Key      bool      `json:"key"`
	Bytes    int       `json:"bytes"`
	Codec    string    `json:"codec"`
	Width    int       `json:"width"`
	Height   int       `json:"height"`
	Capture  time.Time `json:"capture"`
	Received time.Time `json:"received"`
	// LatencyMS is from capture to receipt, in milliseconds.
	LatencyMS float64 `json:"latency_ms"`
	Replayed  bool    `json:"replayed"`
}

// Line describes p, received at at.
func Line(p *media.Packet, at time.Time) EchoLine {
	return EchoLine{Seq: p.Seq, GOP: p.GOP, Key: p.Key, Bytes: len(p.Data), Codec: p.Codec.String(),
		Width: p.Width, Height: p.Height, Capture: p.CaptureTime, Received: at,
		LatencyMS: float64(at.Sub(p.CaptureTime).Microseconds()) / 1000, Replayed: p.Replay.Replayed}
}

// Write writes p's line; at is when it was received.
func (e *Echo) Write(p *media.Packet, at time.Time) error {
	l := Line(p, at)
	if e.json {
		return json.NewEncoder(e.w).Encode(l)
	}
	key, replay := "delta", ""
	if l.Key {
		key = "key"
	}
	if l.Replayed {
		replay = " replayed"
	}
	_, err := fmt.Fprintf(e.w, "seq=%d gop=%d %s %s %dx%d size=%d capture=%s received=%s latency=%.1fms%s\n",
		l.Seq, l.GOP, key, l.Codec, l.Width, l.Height, l.Bytes, l.Capture.Format("15:04:05.000"),
		l.Received.Format("15:04:05.000"), l.LatencyMS, replay)
	return err
}
