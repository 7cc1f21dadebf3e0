package elements

import (
	"fmt"
	"time"
)

// overwriteWarnInterval is the shortest time between two warnings of a
// recorder that overwrites its oldest GOPs on a full disk: each warning
// gives the totals.
const overwriteWarnInterval = 30 * time.Second

// collect applies what the writer reported since the last time: drops to
// the node's stats, failures and overwrites to the log, and the stage's
// errors as the error it returns.
func (r *recorder) collect() error {
	rep := r.cache.Collect()
	if rep.dropped > 0 {
		r.env.Dropped(rep.dropped)
	}
	r.lost = max(r.lost, rep.lost)
	var errs []error
	for _, o := range rep.notes {
		if o.resumed {
			r.env.Log.Warn().Str("path", r.cfg.Path).Int64("lost", o.lost).Msg("recording resumed: packets are committed again")
		}
		switch {
		case o.failed != nil && o.failing:
			r.env.Log.Error().Err(o.failed).Int64("lost", o.lost).Msg("recording: writes still fail; dropping packets until they succeed")
		case o.failed != nil:
			r.env.Log.Error().Err(o.failed).Int64("lost", o.lost).Msg("recording: writes fail; dropping packets until they succeed")
		}
		for _, f := range o.opened {
			r.noteBegun(f)
		}
		for _, f := range o.deleted {
			r.overwrote.files++
			r.env.Log.Warn().Str("path", f.path).Int64("gops", f.gops).Int64("bytes", f.bytes).
				Msgf("recording: the disk is full; deleted %s, the oldest file of the set (%d GOPs, %d bytes), to keep recording", f.path, f.gops, f.bytes)
		}
		if o.overwrittenGOPs > 0 {
			r.noteOverwrites(o.overwrittenGOPs, o.overwrittenBytes)
		}
		if o.err != nil {
			errs = append(errs, o.err)
		}
	}
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return fmt.Errorf("%w (and %d more errors of the recording)", errs[0], len(errs)-1)
}

// noteOverwrites warns, at most every overwriteWarnInterval, that a full
// disk costs the recording its oldest GOPs, with the totals so far.
func (r *recorder) noteOverwrites(gops, bytes int64) {
	r.overwrote.gops, r.overwrote.bytes = gops, bytes
	if gops == r.overwritten {
		return
	}
	if ok, _ := r.overwrites.Allow(r.env.Now()); ok {
		r.overwritten = gops
		r.env.Log.Warn().Str("path", r.cfg.Path).Int64("gops", gops).Int64("bytes", bytes).
			Msg("recording: the disk is full; overwriting the oldest GOPs to keep recording")
	}
}

// noteBegun says that the recording goes on in a new file: at a split, or
// because a stream's format changed (a camera's new picture size), which
// names the stream, both formats and the file.
func (r *recorder) noteBegun(f begunFile) {
	if f.change == nil {
		r.env.Log.Info().Str("path", f.path).Msgf("recording into %s", f.path)
		return
	}
	c := f.change
	if c.stepped != nil {
		r.env.Log.Warn().Str("stream", c.stream).Str("path", f.path).Err(c.stepped).
			Msgf("%s's capture times went back at a keyframe (the clock that stamps them stepped back): recording it on in %s, "+
				"as a file's times run one way", c.stream, f.path)
		return
	}
	r.env.Log.Info().Str("stream", c.stream).Str("from", c.from).Str("to", c.to).Str("path", f.path).
		Msgf("%s changed from %s to %s at a keyframe: recording it on in %s", c.stream, c.from, c.to, f.path)
}
