package ffmpeg

// smear tells which pictures of a concealing decoder carry a concealed
// picture's smear: FFmpeg flags the picture it concealed (or rebuilt
// without the reference a refused packet held), not the pictures
// predicted from it after, which carry the smear on to the next keyframe.
// Each of those is Concealed too, so that a viewer's or a run's count says
// how much of the stream was smeared. It is a plain value owned by one
// decoder.
type smear struct{ on bool }

// picture reports whether a decoded picture, flagged by FFmpeg when
// corrupt and a keyframe's when key, is smeared.
func (s *smear) picture(corrupt, key bool) bool {
	switch {
	case corrupt:
		s.on = true
	case key:
		s.on = false
	}
	return s.on
}

// refused notes a packet the decoder refused: the pictures after it lack
// its picture as a reference.
func (s *smear) refused() { s.on = true }
