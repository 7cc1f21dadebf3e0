package qos

import (
	"fmt"
	"time"

	"github.com/gopline/gopline/media"
)

// Default bounds of a GOPCache. Each bound cuts only at GOP boundaries or
// stops a GOP from growing; it never removes packets from the middle of a
// GOP, so what the cache holds always decodes.
const (
	// DefaultCacheGOPs is how many GOPs a cache keeps: KEEP_LAST 1. One
	// GOP is all a late subscriber needs to decode the newest picture.
	DefaultCacheGOPs = 1

	// DefaultCacheMaxFrames bounds the packets of all cached GOPs. A stream
	// whose keyframes are far apart (or that has one keyframe only) would
	// otherwise grow its GOP without end, and a late subscriber would be
	// replayed all of it before its first live packet. 600 is 20 s at
	// 30 frames/s: ten times a common 2 s GOP.
	DefaultCacheMaxFrames = 600

	// DefaultCacheMaxBytes bounds the bytes of all cached GOPs, so that one
	// huge GOP (4K at a high bitrate, a run of oversized keyframes) cannot
	// eat the memory of the process. 64 MiB holds a 2 s GOP of a
	// 200 Mbit/s stream, well above what a robot's camera sends.
	DefaultCacheMaxBytes = 64 << 20
)

// cacheConfig holds the bounds and clock of a GOPCache; 0 means no bound.
type cacheConfig struct {
	maxGOPs, maxFrames int
	maxBytes           int64
	maxAge             time.Duration
	now                func() time.Time
}

func defaultCacheConfig() cacheConfig {
	return cacheConfig{
		maxGOPs:   DefaultCacheGOPs,
		maxFrames: DefaultCacheMaxFrames,
		maxBytes:  DefaultCacheMaxBytes,
		now:       time.Now,
	}
}

// CacheOption configures a GOPCache (NewGOPCache).
type CacheOption func(*cacheConfig) error

// WithMaxGOPs sets how many GOPs the cache keeps, the KEEP_LAST depth
// (default DefaultCacheGOPs). n must not be negative; 0 keeps as many as the
// frame and byte bounds allow (KEEP_ALL).
func WithMaxGOPs(n int) CacheOption {
	return func(c *cacheConfig) error {
		if n < 0 {
			return fmt.Errorf("%w: max GOPs %d (want >= 0, 0 for no bound)", ErrBadOption, n)
		}
		c.maxGOPs = n
		return nil
	}
}

// WithMaxFrames bounds the packets of all cached GOPs together (default
// DefaultCacheMaxFrames). n must not be negative; 0 means no bound.
func WithMaxFrames(n int) CacheOption {
	return func(c *cacheConfig) error {
		if n < 0 {
			return fmt.Errorf("%w: max frames %d (want >= 0, 0 for no bound)", ErrBadOption, n)
		}
		c.maxFrames = n
		return nil
	}
}

// WithMaxBytes bounds the packet data of all cached GOPs together (default
// DefaultCacheMaxBytes). n must not be negative; 0 means no bound.
func WithMaxBytes(n int64) CacheOption {
	return func(c *cacheConfig) error {
		if n < 0 {
			return fmt.Errorf("%w: max bytes %d (want >= 0, 0 for no bound)", ErrBadOption, n)
		}
		c.maxBytes = n
		return nil
	}
}

// WithMaxAge sets the lifespan of a cached GOP: it is no longer replayed
// once its newest packet was retained longer ago than d. d must not be
// negative; 0 (the default) keeps GOPs however old.
func WithMaxAge(d time.Duration) CacheOption {
	return func(c *cacheConfig) error {
		if d < 0 {
			return fmt.Errorf("%w: max age %v (want >= 0, 0 for no bound)", ErrBadOption, d)
		}
		c.maxAge = d
		return nil
	}
}

// WithCacheClock sets the clock that ages are measured on (default
// time.Now). now must not be nil.
func WithCacheClock(now func() time.Time) CacheOption {
	return func(c *cacheConfig) error {
		if now == nil {
			return fmt.Errorf("%w: nil clock", ErrBadOption)
		}
		c.now = now
		return nil
	}
}

// CacheStats counts what a GOPCache did, and what it holds.
type CacheStats struct {
	// Retained counts the packets given to Retain (nil ones aside).
	Retained uint64
	// Skipped counts the retained packets the cache did not keep: deltas
	// that do not continue the newest GOP or come while it is truncated,
	// duplicates, and keyframes bigger than the byte bound.
	Skipped uint64
	// Truncated counts the GOPs the cache stopped appending to before
	// their end: after a hole in Seq, a delta of another Epoch or GOP, or
	// when the next packet would exceed the frame or byte bound.
	Truncated uint64
	// Oversize counts the keyframes not kept because they alone exceed
	// the byte bound. They are counted in Skipped too.
	Oversize uint64
	// Evicted counts the whole GOPs dropped for a newer one: beyond the
	// depth, or to keep the newest within the frame and byte bounds.
	Evicted uint64
	// Expired counts the whole GOPs dropped because they outlived the
	// maximum age.
	Expired uint64
	// Replays counts the calls of Replay.
	Replays uint64

	// GOPs, Frames and Bytes are what the cache holds now: GOPs, packets
	// and bytes of packet data. A GOP that has expired counts until the
	// next Replay, Current or CanRepair drops it.
	GOPs, Frames int
	Bytes        int64
}

// gopSpan describes one cached GOP: pkts[start:] up to the next span's start.
type gopSpan struct {
	start int   // index of its keyframe in GOPCache.pkts
	bytes int64 // data bytes of its packets
	// at is when its newest packet was retained, on the cache's clock; set
	// only when the cache has a maximum age.
	at time.Time
}

// GOPCache keeps the latest GOP (or GOPs) of a topic, keyframe first, for
// subscribers that join late: the store behind TRANSIENT_LOCAL durability.
// The topic's broker hands it every published packet (Retain) and asks it
// for what a new subscriber is to be replayed (Replay). Its Retain and
// Replay methods are those of transport.Retainer, so a *GOPCache is one.
//
// What the cache holds always decodes from its first packet: each GOP starts
// at its keyframe, and each delta continues the packet before it by the
// chain rule of media.Chain (same Epoch and GOP, Seq one more). A delta that does not continue the newest GOP (a
// hole, another Epoch, a delta before any keyframe) stops the cache from
// appending to that GOP until the next keyframe; the prefix it holds still
// decodes and is still replayed. The bounds (NewGOPCache) drop whole GOPs,
// oldest first, and when the newest GOP alone reaches the frame or byte
// bound the cache stops appending to it; they never cut a GOP in the middle.
//
// The cache keeps the packets' pointers: it never copies a packet, its Data,
// or changes either (see media.Packet). It starts no goroutines and is not
// safe for concurrent use: one actor (the topic's broker) owns it. It
// expects one publisher per topic: two interleaved streams would keep
// interrupting each other's GOPs.
//
// Make one with NewGOPCache. The zero value is an empty cache with the
// default bounds, on time.Now.
type GOPCache struct {
	cfg        cacheConfig
	configured bool // cfg is set; the zero value takes the defaults on first use

	pkts  []*media.Packet // the cached GOPs back to back, oldest first
	gops  []gopSpan       // one per cached GOP, oldest first
	bytes int64           // data bytes of pkts
	// chain is the newest GOP's chain (media.Chain): it takes deltas while
	// the chain holds, nothing missed since its keyframe.
	chain media.Chain
	stats CacheStats // counters only; GOPs, Frames and Bytes are filled in by Stats
}

// NewGOPCache returns an empty cache with the given bounds: WithMaxGOPs
// (default DefaultCacheGOPs), WithMaxFrames (DefaultCacheMaxFrames),
// WithMaxBytes (DefaultCacheMaxBytes) and WithMaxAge (none), measured on the
// clock of WithCacheClock. The GOP, frame and byte bounds may not all be 0:
// a cache without any bound would grow as long as a GOP lasts.
func NewGOPCache(opts ...CacheOption) (*GOPCache, error) {
	cfg := defaultCacheConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.maxGOPs == 0 && cfg.maxFrames == 0 && cfg.maxBytes == 0 {
		return nil, fmt.Errorf("%w: a GOP cache needs a bound on GOPs, frames or bytes", ErrBadOption)
	}
	return &GOPCache{cfg: cfg, configured: true}, nil
}

func (c *GOPCache) config() *cacheConfig {
	if !c.configured {
		c.cfg, c.configured = defaultCacheConfig(), true
	}
	return &c.cfg
}

// Retain offers the cache a packet just published on the topic; packets come
// in the order they were published. A keyframe starts a new GOP, dropping the
// oldest whole GOPs beyond the bounds; a keyframe bigger than the byte bound
// is not kept, and the cache keeps what it had but takes no deltas until the
// next keyframe. A delta that continues the newest GOP is appended, after
// dropping older GOPs if the bounds require; if the newest GOP alone would
// exceed them, or the delta does not continue it, the cache stops appending
// until the next keyframe. A packet of the newest GOP's Epoch whose Seq is
// not after the newest packet's is a duplicate: it is skipped and changes
// nothing, unless it is a keyframe of the newest GOP (or a later one) while
// the cache takes no deltas, which starts a GOP again (media.Chain). A nil
// packet is ignored.
//
// Retain keeps p (the pointer, not a copy) until it is evicted, expired or
// Reset. It does not allocate once the cache's slices have grown to its
// bounds.
func (c *GOPCache) Retain(p *media.Packet) {
	if p == nil {
		return
	}
	c.config()
	c.stats.Retained++
	size := int64(len(p.Data))
	switch l := c.chain.Check(p); {
	case l == media.LinkStarts:
		c.startGOP(p, size)
	case l == media.LinkContinues:
		c.appendDelta(p, size)
	case l == media.LinkSeqHole || l == media.LinkNewEpoch || l == media.LinkWrongGOP:
		c.truncate()
	default: // a duplicate, or a delta while the newest GOP takes none
		c.stats.Skipped++
	}
}

// appendDelta appends p, which continues the newest GOP, after dropping
// older GOPs if the bounds require; the newest GOP is never cut.
func (c *GOPCache) appendDelta(p *media.Packet, size int64) {
	drop, bytes := 0, c.bytes
	for drop < len(c.gops)-1 && c.exceeds(len(c.pkts)-c.gops[drop].start+1, bytes+size, 0) {
		bytes -= c.gops[drop].bytes
		drop++
	}
	if c.exceeds(len(c.pkts)-c.gops[drop].start+1, bytes+size, 0) {
		c.truncate() // the newest GOP alone is at the bound; older ones stay
		return
	}
	c.dropOldest(drop)
	c.stats.Evicted += uint64(drop)
	g := &c.gops[len(c.gops)-1]
	c.pkts = append(c.pkts, p)
	c.bytes += size
	g.bytes += size
	c.chain.Take(p)
	if c.cfg.maxAge > 0 {
		g.at = c.cfg.now()
	}
}

// startGOP makes keyframe p the start of the newest GOP.
func (c *GOPCache) startGOP(p *media.Packet, size int64) {
	cfg := &c.cfg
	if cfg.maxBytes > 0 && size > cfg.maxBytes {
		c.chain.Break()
		c.stats.Skipped++
		c.stats.Oversize++
		return
	}
	// Drop the oldest GOPs that the new one leaves no room for.
	drop, bytes := 0, c.bytes
	for drop < len(c.gops) && c.exceeds(len(c.pkts)-c.gops[drop].start+1, bytes+size, len(c.gops)-drop+1) {
		bytes -= c.gops[drop].bytes
		drop++
	}
	c.dropOldest(drop)
	c.stats.Evicted += uint64(drop)
	span := gopSpan{start: len(c.pkts), bytes: size}
	if cfg.maxAge > 0 {
		span.at = cfg.now()
	}
	c.pkts = append(c.pkts, p)
	c.gops = append(c.gops, span)
	c.bytes += size
	c.chain.Take(p)
}

// truncate stops appending to the newest GOP until the next keyframe; the
// packet that caused it is skipped.
func (c *GOPCache) truncate() {
	c.chain.Break()
	c.stats.Truncated++
	c.stats.Skipped++
}

// exceeds reports whether frames packets, bytes bytes and gops GOPs break the
// bounds (gops 0: not counted).
func (c *GOPCache) exceeds(frames int, bytes int64, gops int) bool {
	cfg := &c.cfg
	return (cfg.maxGOPs > 0 && gops > cfg.maxGOPs) ||
		(cfg.maxFrames > 0 && frames > cfg.maxFrames) ||
		(cfg.maxBytes > 0 && bytes > cfg.maxBytes)
}

// bytesBefore returns the bytes of the n oldest GOPs.
func (c *GOPCache) bytesBefore(n int) int64 {
	var b int64
	for _, g := range c.gops[:n] {
		b += g.bytes
	}
	return b
}

// dropOldest drops the n oldest GOPs, moving the others to the front and
// clearing the freed slots, so that dropped packets can be collected.
func (c *GOPCache) dropOldest(n int) {
	if n == 0 {
		return
	}
	if n >= len(c.gops) {
		c.clear()
		return
	}
	cut := c.gops[n].start
	c.bytes -= c.bytesBefore(n)
	kept := copy(c.pkts, c.pkts[cut:])
	clear(c.pkts[kept:])
	c.pkts = c.pkts[:kept]
	kept = copy(c.gops, c.gops[n:])
	clear(c.gops[kept:])
	c.gops = c.gops[:kept]
	for i := range c.gops {
		c.gops[i].start -= cut
	}
}

// clear empties the cache, keeping its slices' capacity.
func (c *GOPCache) clear() {
	clear(c.pkts)
	c.pkts = c.pkts[:0]
	clear(c.gops)
	c.gops = c.gops[:0]
	c.bytes = 0
	c.chain.Break()
}

// expire drops the GOPs whose newest packet is older than the maximum age,
// together with every GOP older than such a GOP.
func (c *GOPCache) expire() {
	cfg := c.config()
	if cfg.maxAge <= 0 || len(c.gops) == 0 {
		return
	}
	now := cfg.now()
	n := 0
	for i, g := range c.gops {
		if now.Sub(g.at) > cfg.maxAge {
			n = i + 1
		}
	}
	c.stats.Expired += uint64(n)
	c.dropOldest(n)
}

// Replay returns what a subscriber that joins now is to be sent before any
// live packet: the cached GOPs, oldest first, each from its keyframe, after
// dropping those older than the maximum age. It returns nil when the cache
// holds nothing.
//
// The slice belongs to the cache and is valid until the next call of a
// method of the cache, which may overwrite it; read it, don't keep it or
// write to it. The packets are shared (see media.Packet). Replay does not
// allocate.
func (c *GOPCache) Replay() []*media.Packet {
	c.stats.Replays++
	c.expire()
	if len(c.pkts) == 0 {
		return nil
	}
	return c.pkts[:len(c.pkts):len(c.pkts)]
}

// Current returns the newest cached GOP, from its keyframe, after dropping
// GOPs older than the maximum age; nil when the cache holds nothing. The
// slice is valid as Replay's is.
func (c *GOPCache) Current() (gop []*media.Packet) {
	c.expire()
	if len(c.gops) == 0 {
		return nil
	}
	return c.pkts[c.gops[len(c.gops)-1].start:len(c.pkts):len(c.pkts)]
}

// CanRepair reports whether sending Current brings a subscriber back to the
// live stream, when the last packet its decoder took is Seq lastSeq of Epoch
// epoch: the answer a broker needs to serve a keyframe request from the cache
// rather than ask the encoder for a new keyframe.
//
// It is true when the newest cached GOP (not expired) holds every packet
// published since its keyframe, so that the live packet that comes next
// continues it, and the subscriber is not ahead of it. Then the GOP
// containing lastSeq+1 is in the cache from its keyframe, or the subscriber
// lost more than that and the newest GOP skips it ahead; a subscriber of
// another Epoch moves to the cached one. The subscriber's Gate takes the
// resent keyframe even when it has decoded it before (see Gate), and decodes
// again what it had.
//
// It is false when the cache holds nothing, when it stopped appending to its
// newest GOP (after a hole, a change of Epoch with no keyframe yet, a bound),
// or when the subscriber is of the cached Epoch with a Seq past the newest
// cached packet: then only a new keyframe from the encoder helps.
func (c *GOPCache) CanRepair(epoch, lastSeq uint64) bool {
	c.expire()
	if c.chain.Waiting() || len(c.gops) == 0 {
		return false
	}
	cachedEpoch, last, _ := c.chain.Last()
	return epoch != cachedEpoch || lastSeq <= last
}

// Stats returns the cache's counts so far and what it holds now.
func (c *GOPCache) Stats() CacheStats {
	s := c.stats
	s.GOPs, s.Frames, s.Bytes = len(c.gops), len(c.pkts), c.bytes
	return s
}

// Reset empties the cache, as when the topic's stream ends for good; the
// next GOP starts at the next keyframe. The counts of Stats go on.
func (c *GOPCache) Reset() {
	c.clear()
	c.chain = media.Chain{}
}
