package elements

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gopline/gopline/internal/lograte"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/transport"
)

// recorder is the record stage. Its actor takes packets (deliveries of its
// topics, or its input) into a packetCache, whose writer goroutine appends
// them to the recording: the actor never waits for the disk. Only the
// writer touches the recording once it runs; what it learns comes back in
// the cache's reports, which the actor collects as packets come, on its
// flush timer, and at the end.
type recorder struct {
	cfg   RecordConfig
	env   *pipeline.Env
	cache *packetCache            // nil until Start has opened the recording
	subs  []*transport.Subscriber // one per topic
	ended map[string]bool         // topics whose stream ended
	seen  map[string]bool         // topics a packet came from
	// silences hold, by topic, what its events said, for the warning of a
	// topic that gave nothing.
	silences map[string]*Silence
	// logs rate-limits the lines of the topics' events.
	logs *eventLogs
	// held are the deliveries taken while the cache was over its budget,
	// whose acknowledgements wait for room: the topic's window fills, and
	// the topic sheds whole GOPs for the recorder alone.
	held     []*transport.Subscriber
	polling  bool // a timer looks for room for the held deliveries
	halted   bool // the subscriptions said farewell
	lost     int64
	giveUpAt time.Time // when a stuck disk has had its share of the stop timeout
	// overwritten is how many GOPs a full disk had cost the oldest part
	// of the recording when the recorder last said so; overwrites limits
	// how often it does.
	overwritten int64
	overwrites  lograte.Limiter
	// overwrote are the totals of the overwrites so far, told at the end,
	// and how many of a split set's files were deleted for them.
	overwrote struct{ gops, bytes, files int64 }
	// created: the recording did not exist before Start made it, so a run
	// that recorded nothing removes it (removeIfEmpty). path is its file
	// (a split recording's first).
	created bool
	path    string
	// The search for topics that appear (RecordSearch): what it may add,
	// and the goroutine that searches.
	admission *topicAdmission
	poller    *poller[[]FoundTopic]
	// searches look for other nodes that publish the topics this
	// process's did not when they were subscribed to (publisherSearch).
	searches []*publisherSearch
	stopping bool // Halt came: no topic is added any more
	// lengths leaves out what comes after each stream's Duration.
	lengths recordLengths
}

// recordLengths bounds how much capture time of each stream a recording
// takes (RecordConfig.Duration): a stream's packets are kept while they
// were captured less than limit after its first. It is a plain value
// owned by one recorder.
type recordLengths struct {
	limit time.Duration        // 0: no bound
	ends  map[string]time.Time // by stream: the capture time its packets end before
}

// keeps reports whether the packet of stream captured at capture is
// recorded.
func (l *recordLengths) keeps(stream string, capture time.Time) bool {
	if l.limit <= 0 {
		return true
	}
	end, ok := l.ends[stream]
	if !ok {
		if l.ends == nil {
			l.ends = map[string]time.Time{}
		}
		end = capture.Add(l.limit)
		l.ends[stream] = end
	}
	return capture.Before(end)
}

func (r *recorder) Start(env *pipeline.Env) error {
	r.env = env
	r.logs = newEventLogs()
	opts := []storage.Option{storage.WithClock(env.Now), storage.WithSync(r.cfg.Sync)}
	if r.cfg.MaxBytes > 0 || r.cfg.MaxAge > 0 {
		opts = append(opts, storage.WithRetention(r.cfg.MaxBytes, r.cfg.MaxAge))
	}
	r.overwrites = lograte.Limiter{Interval: overwriteWarnInterval}
	rec, path, created, err := openRecording(r.cfg, opts)
	if err != nil {
		return err
	}
	r.path, r.created = path, created
	for _, topic := range r.cfg.Topics {
		if err := r.follow(topic, ""); err != nil {
			r.closeAll()
			rec.Close()
			r.removeIfEmpty()
			return err
		}
	}
	// From here on the recording is the writer's alone.
	store := newRecordingStore(rec, env.Now, r.cfg.OverwriteOldest)
	store.beforeWrite = r.cfg.beforeWrite
	r.cache = newPacketCache(store, r.cfg.Cache)
	env.After(r.cfg.FlushInterval, r.flushTick)
	r.startSearch()
	return nil
}

// Process records the input (sink mode). The input's link is the
// recorder's window: when the cache is over its budget, Process waits for
// the writer to make room, so that a slow disk slows the chain before it
// as any slow stage does (a live camera drops late frames at its source,
// counted), and a file recorded loses nothing. A stopping pipeline ends
// the wait.
func (r *recorder) Process(p *media.Packet) error {
	if !r.lengths.keeps(r.cfg.Stream, p.CaptureTime) {
		return nil
	}
	if !r.cache.Put(r.cfg.Stream, p) {
		select {
		case <-r.cache.Room():
		case <-r.env.Stopping:
		}
	}
	return r.collect()
}

// flushTick asks the writer to commit what it holds, collects its report,
// and comes again.
func (r *recorder) flushTick() error {
	r.env.After(r.cfg.FlushInterval, r.flushTick)
	r.cache.RequestFlush()
	return r.collect()
}

// Flush writes and commits everything at end of stream, waiting for the
// disk at most the pipeline's stop timeout. Packets lost to failed writes
// on the way, and packets a stuck disk did not take in time, are the
// stage's error, so that the run says so.
func (r *recorder) Flush() error {
	drained := r.cache.Drain(r.waitLeft())
	err := r.collect()
	if !drained {
		return errors.Join(err, fmt.Errorf("recording %s: the disk did not take everything within the stop timeout (%v): %d packets wait in the cache",
			r.cfg.Path, r.env.StopTimeout, r.cache.Unwritten()))
	}
	r.giveUpAt = time.Time{}
	if o := r.overwrote; o.gops > 0 {
		// The warnings came at most every overwriteWarnInterval: the
		// run's totals are said once more at its end.
		files := ""
		switch {
		case o.files == 1:
			files = ", a whole file of the set among them"
		case o.files > 1:
			files = fmt.Sprintf(", %d whole files of the set among them", o.files)
		}
		r.env.Log.Warn().Str("path", r.cfg.Path).Int64("gops", o.gops).Int64("bytes", o.bytes).Int64("files", o.files).
			Msgf("recording: the full disk cost the oldest %d GOPs (%d bytes) over the run%s", o.gops, o.bytes, files)
	}
	if err != nil {
		return err
	}
	if r.lost > 0 {
		// A summary of the run's failed writes, each warned of as it came:
		// the final commit itself succeeded.
		return pipeline.LossSummary(fmt.Errorf("recording %s lost %d packets to failed writes (see the errors above)", r.cfg.Path, r.lost))
	}
	return nil
}

// waitLeft is how long the recorder may still wait for its disk: Flush
// and Stop share one stop timeout, counted from the first wait that has
// not ended well.
func (r *recorder) waitLeft() time.Duration {
	now := time.Now()
	if r.giveUpAt.IsZero() {
		r.giveUpAt = now.Add(r.env.StopTimeout)
	}
	return max(r.giveUpAt.Sub(now), 0)
}

// Stop writes what the cache still holds, commits and closes the
// recording, waiting for the disk at most what is left of the stop
// timeout; a disk stuck longer costs the packets still in the cache, which
// the error counts. The writer then closes the recording when the disk
// gives back its call. Nothing is open when Start failed.
func (r *recorder) Stop() error {
	r.stopping = true
	r.stopSearch()
	for _, s := range r.searches {
		s.wait()
	}
	r.closeAll()
	if r.cache == nil {
		return nil
	}
	closed, unwritten, err := r.cache.Close(r.waitLeft())
	err = errors.Join(err, r.collect())
	if !closed {
		err = errors.Join(err, fmt.Errorf("recording %s: stopped with %d packets not written: the disk took no more within the stop timeout (%v)",
			r.cfg.Path, unwritten, r.env.StopTimeout))
	} else {
		r.removeIfEmpty()
	}
	return err
}

// removeIfEmpty removes the recording when this recorder created it and it
// holds no packet: a run that recorded nothing (its source could not open,
// or every packet failed to be stored) leaves no empty file behind, as
// ffmpeg writes no output for an input it could not read. A recording that
// was there before is left.
func (r *recorder) removeIfEmpty() {
	if !r.created || !storage.HoldsNoPacket(r.path) {
		return
	}
	if os.Remove(r.path) == nil {
		r.env.Log.Info().Str("path", r.path).Msg("nothing was recorded: the empty recording is removed")
	}
}
