package elements

import (
	"fmt"
	"strconv"
)

// playRateUnused is the warning for a player given a rate it does not use:
// one that is not live reads the recording as fast as the pipeline takes
// it, whatever the rate, which a user who wrote rate= to speed a playback
// up or slow it down should be told. "" when the rate is used, or 1.
func playRateUnused(cfg PlayConfig) string {
	if cfg.Live || cfg.Rate == 1 || cfg.Rate == 0 {
		return ""
	}
	rate := strconv.FormatFloat(cfg.Rate, 'g', -1, 64)
	return fmt.Sprintf("rate=%s is not used with is-live=false: the recording is read as fast as the pipeline takes it; "+
		"is-live=true plays it at %s times the recorded pace", rate, rate)
}
