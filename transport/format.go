package transport

import (
	"time"

	"github.com/gopline/gopline/media"
)

// formatMeter is the policy that tells a topic's stream format: the codec
// and picture size of its latest keyframe (a keyframe starts what a
// subscriber decodes; a size changes only there).
type formatMeter struct {
	codec         media.Codec
	width, height int
}

func (m *formatMeter) handle(_ time.Time, in input, do []action) []action {
	if in.kind == inPublished && in.packet.Key {
		m.codec, m.width, m.height = in.packet.Codec, in.packet.Width, in.packet.Height
	}
	return do
}

func (m *formatMeter) due() time.Time { return time.Time{} }

func (m *formatMeter) report(_ time.Time, st *TopicStats) {
	st.Codec, st.Width, st.Height = m.codec, m.width, m.height
}
