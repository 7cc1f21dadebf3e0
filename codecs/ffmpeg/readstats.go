package ffmpeg

import (
	"fmt"
	"strings"
)

// ReadStats counts what a Reader left out or changed of its input, so that
// nothing is skipped silently.
type ReadStats struct {
	// Undecodable counts packets that could not be used: the decoder
	// refused them as invalid data, or in passthrough their H.264 could not
	// be parsed.
	Undecodable int
	// BeforeKeyframe counts the packets before the stream's first keyframe
	// (in passthrough, its first IDR), which nothing can decode: a live
	// stream joined part-way, a file cut inside a GOP. They are not damage.
	BeforeKeyframe int
	// OtherStreams counts packets of the input's other streams (audio,
	// data, further video).
	OtherStreams int
	// RepairedTimestamps counts timestamps that went back and were
	// replaced to keep times growing (see Reader), and the packets of a
	// raw H.264 stream placed after the pictures before them because
	// their place in output order could not be read or they were held too
	// long (see ReadPacket).
	RepairedTimestamps int
	// Damaged counts pictures a strict decoding Reader left out after
	// damage: the ones FFmpeg flagged as damaged and the packets after
	// damage until the next keyframe, whose pictures would be built on a
	// broken reference.
	Damaged int
	// Truncated counts the pictures that the input's end cut short, left
	// out: a raw input's (rawvideo) last, a copy or a capture that stopped
	// inside a picture; a file's last packet that its end cut; and the
	// picture a live network stream was sending when it was lost, which may
	// be cut (see streamLoss).
	Truncated int
	// Concealed counts pictures a concealing Reader (WithDamageConcealed)
	// handed out with FFmpeg's concealment of damage, marked Concealed.
	Concealed int
	// CutByLoss counts the pictures a live stream read by gopline's own
	// RTP reader (codecs/rtsp) was sending when the stream was lost (its
	// connection dropped, or it went silent for its bound inside the
	// picture), left out. The loss is reported as such (the stream is
	// reopened), so they are not damage of the input.
	CutByLoss int
}

// Damage is how many packets or pictures were left out for damage:
// Undecodable, Damaged and Truncated.
func (s ReadStats) Damage() int { return s.Undecodable + s.Damaged + s.Truncated }

// Reasons returns the non-zero counts by reason, in snake case for log
// fields and stats: "undecodable", "before_keyframe", "other_streams",
// "repaired_timestamps", "damaged", "truncated", "concealed", "cut_by_loss".
func (s ReadStats) Reasons() map[string]int {
	out := map[string]int{}
	for _, c := range []struct {
		name string
		n    int
	}{{"undecodable", s.Undecodable}, {"before_keyframe", s.BeforeKeyframe}, {"other_streams", s.OtherStreams}, {"repaired_timestamps", s.RepairedTimestamps},
		{"damaged", s.Damaged}, {"truncated", s.Truncated}, {"concealed", s.Concealed}, {"cut_by_loss", s.CutByLoss}} {
		if c.n > 0 {
			out[c.name] = c.n
		}
	}
	return out
}

// String says what was skipped, e.g. "3 undecodable packets, 120 packets
// of other streams", or "nothing skipped".
func (s ReadStats) String() string {
	var parts []string
	add := func(n int, one, many string) {
		switch {
		case n == 1:
			parts = append(parts, "1 "+one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, many))
		}
	}
	add(s.Undecodable, "undecodable packet", "undecodable packets")
	add(s.BeforeKeyframe, "packet before the first keyframe", "packets before the first keyframe")
	add(s.OtherStreams, "packet of other streams", "packets of other streams")
	add(s.RepairedTimestamps, "timestamp repaired", "timestamps repaired")
	add(s.Damaged, "picture left out after damage", "pictures left out after damage")
	add(s.Truncated, "picture cut short by the end of the input", "pictures cut short by the end of the input")
	add(s.Concealed, "picture concealed", "pictures concealed")
	add(s.CutByLoss, "picture cut short by the stream's loss", "pictures cut short by the stream's loss")
	if len(parts) == 0 {
		return "nothing skipped"
	}
	return strings.Join(parts, ", ")
}
