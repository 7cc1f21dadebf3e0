package ffmpeg

// frameStepWindow is how many of the latest decode steps frameSteps keeps:
// enough that a gap or a burst of repaired timestamps is outvoted, few
// enough to follow a stream whose rate changes.
const frameStepWindow = 15

// frameSteps estimates how long a picture is shown from the latest steps
// between decode times: their median. An MP4 muxer ends its track at the
// latest presentation time plus that packet's duration, and takes the last
// packet's duration as its sample's, so a packet's duration must be the
// stream's frame interval and not the step that reached it. After a gap in
// a stream (a camera that reconnected, a recording resumed later) the
// decode step across the gap already carries the gap; a duration carrying
// it again would count it twice.
type frameSteps struct {
	steps [frameStepWindow]int64
	n     int // steps held, up to frameStepWindow
	next  int // where the next step goes
}

// add records the step from the previous decode time to the latest.
func (s *frameSteps) add(step int64) {
	s.steps[s.next] = step
	s.next = (s.next + 1) % frameStepWindow
	s.n = min(s.n+1, frameStepWindow)
}

// interval returns the median of the steps held, the upper one of an even
// count, or 0 before the first step.
func (s *frameSteps) interval() int64 {
	if s.n == 0 {
		return 0
	}
	sorted := s.steps // a copy, sorted by insertion: there are few
	for i := 1; i < s.n; i++ {
		for j := i; j > 0 && sorted[j] < sorted[j-1]; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	return sorted[s.n/2]
}
