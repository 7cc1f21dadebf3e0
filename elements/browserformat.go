package elements

import (
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/media"
)

// browserFormat watches the SPS of passed-through H.264 packets for a
// format browsers and Foxglove do not decode (High 4:4:4, High 4:2:2,
// High 10: see h264.PictureFormat.BrowserDecodable). Such a stream records
// well, but a viewer of it shows nothing; the source says so once, at its
// first keyframe, instead of leaving the user to guess why.
//
// One browserFormat serves all the openings of a network stream, so that
// a camera that reconnects is not warned of again for the same format.
type browserFormat struct {
	warned    h264.PictureFormat
	hasWarned bool
}

// check returns the format of p's SPS and true when browsers do not decode
// it and it was not the last one returned: a stream whose SPS changes to
// another such format is named again, one that stays is named once.
func (b *browserFormat) check(p *media.Packet) (h264.PictureFormat, bool) {
	if p.Codec != media.H264 || !p.Key {
		return h264.PictureFormat{}, false
	}
	nalus, err := h264.SplitAnnexB(p.Data)
	if err != nil {
		return h264.PictureFormat{}, false
	}
	format, ok := h264.FindPictureFormat(nalus)
	if !ok || format.BrowserDecodable() || (b.hasWarned && format == b.warned) {
		return h264.PictureFormat{}, false
	}
	b.warned, b.hasWarned = format, true
	return format, true
}
