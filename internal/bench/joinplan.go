package bench

import "time"

// JoinPlan is what the late-join studies (latejoin, viewerbench) share: the
// camera's picture size, frame rate and GOP, and how many viewers join it,
// on which random schedule, and how long each waits for its first picture.
type JoinPlan struct {
	// Width, Height, Rate and GOP are the camera's: the picture size,
	// frames per second, and frames from one regular IDR to the next.
	Width, Height, Rate, GOP int
	// Joins is how many viewers join, one after another at random moments.
	Joins int
	// Seed seeds the random moments the viewers join at: runs of the same
	// seed join on the same schedule (the camera's phase at each join
	// still depends on timing).
	Seed uint64
	// Timeout is how long a viewer waits for its first picture before it
	// counts as undecodable (default: two GOPs and the study's slack).
	Timeout time.Duration
}

// WithDefaults returns p with its zero fields filled: the camera's
// defaults (DefaultWidth and so on), joins viewers, and a timeout of two
// GOPs and slack.
func (p JoinPlan) WithDefaults(joins int, slack time.Duration) JoinPlan {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&p.Width, DefaultWidth)
	def(&p.Height, DefaultHeight)
	def(&p.Rate, DefaultRate)
	def(&p.GOP, DefaultGOP)
	def(&p.Joins, joins)
	if p.Timeout == 0 && p.Rate > 0 {
		p.Timeout = 2*time.Duration(p.GOP)*time.Second/time.Duration(p.Rate) + slack
	}
	return p
}
