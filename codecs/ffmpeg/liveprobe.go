package ffmpeg

import "maps"

// liveProbeOptions returns options with FFmpeg's probe of a network
// stream shortened to what finding its parameters needs: fpsprobesize=0
// ends the probe once the stream's codec parameters are known (for H.264,
// its first keyframe with SPS and PPS), where FFmpeg would read 20 more
// pictures to estimate a frame rate that the SPS's timing, or the
// container, states anyway. A live stream's first picture is not held back
// by them (0.7 s at 30 frames/s). A stream joined inside a long GOP is still
// probed until its keyframe comes. Files, pipes and devices keep FFmpeg's
// probe, as does a stream whose caller gave any of analyzeduration,
// probesize or fpsprobesize: they asked for a probe of their own.
func liveProbeOptions(url string, options, given map[string]string) map[string]string {
	if !IsNetwork(url) {
		return options
	}
	for _, name := range []string{"analyzeduration", "probesize", "fpsprobesize"} {
		if _, ok := given[name]; ok {
			return options
		}
	}
	options = maps.Clone(options)
	if options == nil {
		options = map[string]string{}
	}
	options["fpsprobesize"] = "0"
	return options
}
