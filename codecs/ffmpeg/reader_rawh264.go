package ffmpeg

import "github.com/gopline/gopline/codecs/h264"

// rawH264 reports whether the input is a raw H.264 stream (the "h264"
// input format: Annex B without a container), which has no timestamps.
func (r *Reader) rawH264() bool {
	f := r.fc.InputFormat()
	return f != nil && f.Name() == "h264"
}

// rawFrameRate returns the frame rate of a raw H.264 stream whose parameter
// sets (Annex B) are params: its SPS's VUI timing, else assumed when
// positive, else AssumedFrameRate.
func rawFrameRate(params []byte, assumed float64) float64 {
	if rate, ok := vuiFrameRate(params); ok {
		return rate
	}
	if assumed > 0 {
		return assumed
	}
	return AssumedFrameRate
}

// vuiFrameRate returns the frame rate of the VUI timing of the first SPS in
// Annex B parameter sets.
func vuiFrameRate(annexB []byte) (float64, bool) {
	nalus, err := h264.SplitAnnexB(annexB)
	if err != nil {
		return 0, false
	}
	return spsFrameRate(nalus)
}

// spsFrameRate returns the frame rate of the VUI timing of the first SPS
// among nalus.
func spsFrameRate(nalus [][]byte) (float64, bool) {
	for _, n := range nalus {
		if h264.TypeOf(n) != h264.NALUTypeSPS {
			continue
		}
		if sps, err := h264.ParseSPS(n); err == nil && sps.VUI != nil {
			return sps.VUI.FrameRate()
		}
		return 0, false
	}
	return 0, false
}

// rateFromFirstSPS sets the frame rate of a raw H.264 stream whose probe
// found no SPS timing (a pipe's, probed before its first SPS came, or with
// a small probesize) from the VUI timing of the first keyframe's SPS,
// before its first packet is timed: the rate assumed until then
// (WithAssumedFrameRate, AssumedFrameRate) is only a fallback.
func (r *Reader) rateFromFirstSPS(nalus [][]byte) {
	if r.order == nil || r.rateKnown {
		return
	}
	r.rateKnown = true
	if rate, ok := spsFrameRate(nalus); ok {
		r.info.FrameRate = rate
		r.times.setRate(rate)
	}
}
