package mcapimport

import "github.com/gopline/gopline/storage"

// frameOf takes the frame_id of a picture of the topic: the first picture's
// is its stream's (Topic.FrameID); a picture of another is counted, as a
// stream's info holds one frame_id. A frame_id the info does not take
// (storage.ValidFrameID) is none.
func (st *topicState) frameOf(p picture) {
	id, t := p.frameID, st.topic
	if !storage.ValidFrameID(id) {
		id = ""
	}
	switch {
	case !st.framed:
		st.framed, t.FrameID = true, id
	case id != t.FrameID:
		if t.FrameIDChanged == 0 {
			t.OtherFrameID = id
		}
		t.FrameIDChanged++
	}
}
