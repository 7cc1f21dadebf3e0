package elements

import (
	"sync"
	"time"

	"github.com/gopline/gopline/media"
)

// DefaultRecordCache is the recorder's cache: the bytes of packets it takes
// from its topics before the disk has written them. 64 MiB hold about 30 s
// of four 720p30 H.264 cameras at 4 Mbit/s each (two and a half minutes of
// the test pattern's 0.85 Mbit/s), where a topic's window of 16 packets
// lasts half a second.
const DefaultRecordCache = 64 << 20

// cachedPacketOverhead is what a queued packet costs beside its data (the
// packet's header and the queue's entry), so that a budget also bounds a
// cache of tiny packets.
const cachedPacketOverhead = 256

// packetStore is where a packetCache's writer puts packets: the recorder's
// recording. Its methods are called from the writer goroutine alone, one at
// a time, and may take as long as the disk does.
type packetStore interface {
	// Write stores p, the next packet of stream.
	Write(stream string, p *media.Packet) writeOutcome
	// Flush commits what Write has stored.
	Flush() writeOutcome
	// Close commits and closes the store; it is the last call.
	Close() error
}

// writeOutcome is what the recorder must hear of one call to its store. The
// zero value says nothing (the packet is stored).
type writeOutcome struct {
	dropped int   // packets the store refused or lost, counted as dropped
	failed  error // writes fail: reported when they begin, and while they last
	failing bool  // failed says that writes still fail, not that they began to
	resumed bool  // a commit succeeded after writes failed (before failed, when both are set)
	lost    int64 // the recording's packets lost to failed writes, when failed, resumed or flushed
	// overwrittenGOPs and overwrittenBytes are the totals a full disk has
	// cost the oldest part of the recording, when they grew.
	overwrittenGOPs, overwrittenBytes int64
	err                               error         // the stage's error (a packet of another format)
	opened                            []begunFile   // files a split recording began
	deleted                           []deletedFile // a split set's oldest files a full disk cost it
}

// writeReport gathers the outcomes of the writer since the recorder last
// collected them: the drops summed, the other outcomes in order.
type writeReport struct {
	dropped int
	notes   []writeOutcome
	lost    int64 // the latest known count of packets lost to failed writes
}

func (r *writeReport) add(o writeOutcome) {
	r.dropped += o.dropped
	if o.lost > r.lost {
		r.lost = o.lost
	}
	if o.failed != nil || o.resumed || o.overwrittenGOPs > 0 || o.err != nil || len(o.opened) > 0 || len(o.deleted) > 0 {
		r.notes = append(r.notes, o)
	}
}

// packetCache is the recorder's cache and writer, as rosbag2's: the node's
// actor puts packets in and never waits for the disk, and a writer
// goroutine of the cache's own hands them, in the order they came, to a
// packetStore. The cache counts the bytes it holds (the queued packets and
// the one being written) against a budget; what to do beyond it (hold a
// topic's acknowledgements, or wait for room) is the caller's, since the
// cache never refuses a packet.
//
// Its methods may be called from any goroutine; Close once, and last. The writer goroutine ends when Close
// has closed the store, or, when Close gave up on a stuck disk, as soon as
// the store's call under way returns (Done is closed then).
type packetCache struct {
	store  packetStore
	budget int64

	mu         sync.Mutex
	queue      []cachedPacket
	bytes      int64
	writing    bool // the writer is in a Write
	report     writeReport
	flushAsked bool
	drainers   []chan struct{} // closed once what was put before them is written and committed
	closing    bool            // Close: write the rest, commit, close the store
	abandoned  bool            // Close gave up: drop the rest
	room       chan struct{}   // closed when bytes come down to the budget; nil within it
	closeErr   error

	wake chan struct{} // the writer has something to do
	done chan struct{} // the writer has returned
}

// cachedPacket is a packet in the cache. The packet is shared (a topic's
// delivery, read-only): the cache keeps a reference, never a copy.
type cachedPacket struct {
	stream string
	p      *media.Packet
	size   int64
}

// newPacketCache starts a cache of budget bytes (at least 1) writing to
// store.
func newPacketCache(store packetStore, budget int64) *packetCache {
	c := &packetCache{store: store, budget: max(budget, 1), wake: make(chan struct{}, 1), done: make(chan struct{})}
	go c.run()
	return c
}

// Put queues p, the next packet of stream, and reports whether the cache
// is still within its budget. A cache whose Close gave up takes nothing.
func (c *packetCache) Put(stream string, p *media.Packet) (within bool) {
	size := int64(len(p.Data)) + cachedPacketOverhead
	c.mu.Lock()
	if c.abandoned {
		c.mu.Unlock()
		return true
	}
	c.queue = append(c.queue, cachedPacket{stream: stream, p: p, size: size})
	c.bytes += size
	within = c.bytes <= c.budget
	if !within && c.room == nil {
		c.room = make(chan struct{})
	}
	c.mu.Unlock()
	c.signal()
	return within
}

// Within reports whether the cache holds no more than its budget.
func (c *packetCache) Within() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes <= c.budget
}

// Room returns a channel closed once the cache is within its budget (at
// once when it is), or its writer has returned.
func (c *packetCache) Room() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.room == nil {
		return closedChan
	}
	return c.room
}

var closedChan = func() chan struct{} { ch := make(chan struct{}); close(ch); return ch }()

// Unwritten is how many packets the cache holds: queued, or being written.
func (c *packetCache) Unwritten() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.unwrittenLocked()
}

func (c *packetCache) unwrittenLocked() int {
	n := len(c.queue)
	if c.writing {
		n++
	}
	return n
}

// Collect returns what the writer learned since the last Collect.
func (c *packetCache) Collect() writeReport {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.report
	c.report = writeReport{lost: r.lost}
	return r
}

// RequestFlush asks the writer to commit what it has written, after the
// packet it is writing.
func (c *packetCache) RequestFlush() {
	c.mu.Lock()
	c.flushAsked = true
	c.mu.Unlock()
	c.signal()
}

// Drain waits, at most timeout, until every packet put before it is
// written and committed. It reports whether they are.
func (c *packetCache) Drain(timeout time.Duration) bool {
	drained := make(chan struct{})
	c.mu.Lock()
	c.drainers = append(c.drainers, drained)
	c.mu.Unlock()
	c.signal()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-drained:
		return true
	case <-c.done:
		return false
	case <-t.C:
		return false
	}
}

// Close writes what the cache holds, commits it and closes the store,
// waiting at most timeout. When the disk takes longer, Close gives up:
// it returns how many packets the cache still held, the one being written
// among them, which the writer then drops; the writer closes the store and
// returns once the call under way comes back. closed is false then.
func (c *packetCache) Close(timeout time.Duration) (closed bool, unwritten int, err error) {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	c.signal()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-c.done:
		c.mu.Lock()
		defer c.mu.Unlock()
		return true, 0, c.closeErr
	case <-t.C:
	}
	c.mu.Lock()
	select {
	case <-c.done: // it returned just now
		defer c.mu.Unlock()
		return true, 0, c.closeErr
	default:
	}
	c.abandoned = true
	unwritten = c.unwrittenLocked()
	c.mu.Unlock()
	c.signal()
	return false, unwritten, nil
}

// Done is closed when the writer has returned.
func (c *packetCache) Done() <-chan struct{} { return c.done }

func (c *packetCache) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// run is the writer goroutine.
func (c *packetCache) run() {
	defer close(c.done)
	c.mu.Lock()
	for {
		switch {
		case c.abandoned:
			c.dropLocked()
			c.mu.Unlock()
			err := c.store.Close()
			c.mu.Lock()
			c.closeErr = err
			c.mu.Unlock()
			return
		case c.flushAsked || (len(c.queue) == 0 && len(c.drainers) > 0):
			drainers := c.drainers
			if len(c.queue) > 0 {
				drainers = nil // they wait for the queue too
			} else {
				c.drainers = nil
			}
			c.flushAsked = false
			c.mu.Unlock()
			o := c.store.Flush()
			c.mu.Lock()
			c.report.add(o)
			for _, d := range drainers {
				close(d)
			}
		case len(c.queue) > 0:
			next := c.queue[0]
			c.queue[0] = cachedPacket{}
			c.queue = c.queue[1:]
			c.writing = true
			c.mu.Unlock()
			o := c.store.Write(next.stream, next.p)
			c.mu.Lock()
			c.writing = false
			c.bytes -= next.size
			c.report.add(o)
			if c.room != nil && c.bytes <= c.budget {
				close(c.room)
				c.room = nil
			}
		case c.closing:
			c.mu.Unlock()
			err := c.store.Close()
			c.mu.Lock()
			c.closeErr = err
			c.releaseLocked()
			c.mu.Unlock()
			return
		default:
			c.mu.Unlock()
			<-c.wake
			c.mu.Lock()
		}
	}
}

// dropLocked drops the queue of an abandoned cache.
func (c *packetCache) dropLocked() {
	clear(c.queue)
	c.queue, c.bytes = nil, 0
	c.releaseLocked()
}

// releaseLocked lets go of whoever waits for room: the writer returns.
func (c *packetCache) releaseLocked() {
	if c.room != nil {
		close(c.room)
		c.room = nil
	}
}
