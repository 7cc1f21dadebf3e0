package storage

import (
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/transport"
)

// The durable GOP cache of PERSISTENT topics lives in the file's qos-cache
// bucket, one bucket per topic, named after the topic:
//
//	profile   key: the topic's QoS offer, as text (qos.Profile.String)
//	updated   key: when the cache was last written, Unix nanoseconds (8)
//	0 + n     one packet record (record.go) per cached packet, by a running
//	          number n (8 bytes, big-endian): cached order is key order
//
// Packet keys start with a zero byte, so they sort before the named keys and
// never collide with them.
const (
	keyDurableProfile = "profile"
	keyDurableUpdated = "updated"
)

// durableQueue bounds the packets waiting for the durable cache's writer.
// A disk slower than the topic for that long loses the rest of the GOP on
// disk (never in memory): the disk copy resumes at the next keyframe.
const durableQueue = 1024

// durableKey is the key of the packet with running number n.
func durableKey(n uint64) []byte {
	k := make([]byte, 9)
	binary.BigEndian.PutUint64(k[1:], n)
	return k
}

// DurableCache is the GOP cache of a PERSISTENT topic: a qos.GOPCache in
// memory, as for TRANSIENT_LOCAL, mirrored into the recording file so that it
// survives a restart of the node. It is a transport.Retainer (and Repairer):
// the topic's broker calls it from its actor, and a goroutine of its own
// writes to the file in group commits, so the broker never waits for the
// disk.
//
// When the node starts again, the cache opens with the GOP it had on disk,
// each packet marked stale (media.Replay.Stale): a late subscriber sees what
// the camera last saw, and knows it is old (its CaptureTime says when). A
// stored GOP older than the profile's Lifespan is dropped instead. The
// first keyframe of the new run replaces it.
//
// Make one with Recording.DurableCache; Close (or the Recording's Close)
// writes what is queued and stops the writer.
type DurableCache struct {
	cache *qos.GOPCache
	rec   *Recording
	topic string

	// broken is set when the queue overflowed: nothing goes to disk until
	// the next keyframe (broker side).
	broken bool
	queue  chan *media.Packet
	done   chan struct{}
	once   sync.Once

	log zerolog.Logger

	mu  sync.Mutex
	err error // the writer's first error, reported by Close
}

// DurableCache returns the durable cache of topic, bounded as offer says
// (qos.Profile.CacheOptions), loaded with what the file holds for the topic.
// The recording must be writable. Errors name the file and the topic; a
// damaged stored packet, and a failed write, are logged to log: the topic
// goes on with its cache in memory, and a writer whose commit failed (a
// full disk) tries again RetryInterval later, writing the cache whole.
func (r *Recording) DurableCache(topic string, offer qos.Profile, log zerolog.Logger) (*DurableCache, error) {
	if err := offer.Validate(); err != nil {
		return nil, fmt.Errorf("storage: %s: durable cache %s: %w", r.path, topic, err)
	}
	r.mu.Lock()
	err := r.writableLocked()
	r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	cache, err := qos.NewGOPCache(offer.CacheOptions()...)
	if err != nil {
		return nil, fmt.Errorf("storage: %s: durable cache %s: %w", r.path, topic, err)
	}
	d := &DurableCache{cache: cache, rec: r, topic: topic, log: log.With().Str("topic", topic).Logger(),
		queue: make(chan *media.Packet, durableQueue), done: make(chan struct{})}
	stored, err := d.load(offer)
	if err != nil {
		return nil, err
	}
	for _, p := range stored {
		cache.Retain(p)
	}
	r.durableMu.Lock()
	r.durables = append(r.durables, d)
	r.durableMu.Unlock()
	go d.write(offer, stored)
	return d, nil
}

// load reads the topic's stored GOP, marked stale, or nothing when there is
// none, it is damaged, or it is older than the offer's lifespan.
func (d *DurableCache) load(offer qos.Profile) ([]*media.Packet, error) {
	var out []*media.Packet
	var updated time.Time
	err := d.rec.view(func(tx *bolt.Tx) error {
		b := d.bucket(tx)
		if b == nil {
			return nil
		}
		if v := b.Get([]byte(keyDurableUpdated)); len(v) == 8 {
			updated = time.Unix(0, int64(binary.BigEndian.Uint64(v)))
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil && len(k) == 9 && k[0] == 0; k, v = c.Next() {
			p, err := decodeRecord(v)
			if err != nil {
				// What comes after a damaged packet cannot be trusted
				// to continue it: keep the decodable prefix.
				d.log.Warn().Err(err).Msg("durable cache: a damaged packet; keeping what came before it")
				break
			}
			p.Replay.Stale = true
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storage: durable cache %s: %w", d.topic, err)
	}
	if len(out) > 0 && !out[0].Key {
		out = nil // not decodable from its start
	}
	if len(out) > 0 && offer.Lifespan > 0 && d.rec.cfg.clock().Sub(updated) > offer.Lifespan {
		out = nil // expired: the writer clears it
	}
	return out, nil
}

// bucket returns the topic's bucket in the qos-cache bucket, or nil.
func (d *DurableCache) bucket(tx *bolt.Tx) *bolt.Bucket {
	top := tx.Bucket([]byte(bucketQoSCache))
	if top == nil {
		return nil
	}
	return top.Bucket([]byte(d.topic))
}

// Retain keeps p in memory and queues it for the disk.
func (d *DurableCache) Retain(p *media.Packet) {
	d.cache.Retain(p)
	if p == nil {
		return
	}
	if d.broken && !p.Key {
		return
	}
	select {
	case d.queue <- p:
		d.broken = false
	default:
		d.broken = true
	}
}

// Replay returns what the cache holds, as qos.GOPCache.Replay.
func (d *DurableCache) Replay() []*media.Packet { return d.cache.Replay() }

// Current returns the newest cached GOP, as qos.GOPCache.Current.
func (d *DurableCache) Current() []*media.Packet { return d.cache.Current() }

// CanRepair is qos.GOPCache.CanRepair.
func (d *DurableCache) CanRepair(epoch, lastSeq uint64) bool {
	return d.cache.CanRepair(epoch, lastSeq)
}

// Stats returns the in-memory cache's counts.
func (d *DurableCache) Stats() qos.CacheStats { return d.cache.Stats() }

// Close writes what is queued, stops the writer and reports its first
// error, even when writing resumed after it. The stored GOP stays in the file for the next run. Closing twice
// does nothing more.
func (d *DurableCache) Close() error {
	d.once.Do(func() { close(d.queue) })
	<-d.done
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// write is the writer goroutine: it mirrors the cache into the file, one
// commit per batch of queued packets, until the queue is closed. After a
// failed commit it keeps the mirror current without writing for
// RetryInterval, then tries again with a commit that rewrites the topic's
// bucket whole, so the file holds the cache as it is then.
func (d *DurableCache) write(offer qos.Profile, stored []*media.Packet) {
	defer close(d.done)
	m := newDurableMirror(offer, stored)
	var retry time.Time // zero while writes succeed
	batch := make([]*media.Packet, 0, 64)
	for p := range d.queue {
		batch = d.gather(append(batch[:0], p))
		now := d.rec.cfg.clock()
		if !retry.IsZero() && now.Before(retry) {
			m.hold(batch)
			continue
		}
		err := d.rec.update(func(tx *bolt.Tx) error { return m.commit(tx, d.topic, batch, now) })
		switch {
		case err != nil:
			if retry.IsZero() {
				d.fail(err)
			}
			m.rewrite, retry = true, now.Add(RetryInterval)
		case !retry.IsZero():
			d.log.Info().Msg("durable cache: writing again")
			retry = time.Time{}
		}
	}
}

// gather adds to batch the packets already queued, without waiting, up to
// the batch's capacity.
func (d *DurableCache) gather(batch []*media.Packet) []*media.Packet {
	for len(batch) < cap(batch) {
		select {
		case p, ok := <-d.queue:
			if !ok {
				return batch
			}
			batch = append(batch, p)
		default:
			return batch
		}
	}
	return batch
}

// durableMirror is the writer's view of what the file holds for a topic. It
// keeps its own qos.GOPCache, fed the same packets as the broker's, so it
// knows which packets the cache holds and which it evicted, and each commit
// writes only the difference: it puts the new packets and deletes those
// evicted.
type durableMirror struct {
	offer qos.Profile
	cache *qos.GOPCache
	keys  map[*media.Packet]uint64 // the running number of each held packet
	next  uint64                   // the running number of the next packet
	// rewrite makes the first commit rewrite the topic's bucket: the stored
	// GOP under the keys 0..n-1, without what load left out (expired,
	// damaged, not starting at a keyframe) or older runs' keys.
	rewrite bool
}

// newDurableMirror returns the mirror of a cache loaded with stored.
func newDurableMirror(offer qos.Profile, stored []*media.Packet) *durableMirror {
	cache, _ := qos.NewGOPCache(offer.CacheOptions()...) // DurableCache checked the options
	m := &durableMirror{offer: offer, cache: cache, keys: make(map[*media.Packet]uint64), rewrite: true}
	for _, p := range stored {
		cache.Retain(p)
		m.keys[p] = m.next
		m.next++
	}
	return m
}

// commit writes a batch of packets to the topic's bucket in tx: those the
// cache takes, minus those it evicted, and the time of the commit.
func (m *durableMirror) commit(tx *bolt.Tx, topic string, batch []*media.Packet, now time.Time) error {
	b, err := m.bucket(tx, topic)
	if err != nil {
		return err
	}
	for _, p := range batch {
		if !m.take(p) {
			continue
		}
		if err := b.Put(durableKey(m.keys[p]), encodeRecord(p)); err != nil {
			return err
		}
	}
	if err := m.deleteEvicted(b); err != nil {
		return err
	}
	if err := b.Put([]byte(keyDurableProfile), []byte(m.offer.String())); err != nil {
		return err
	}
	return b.Put([]byte(keyDurableUpdated), binary.BigEndian.AppendUint64(nil, uint64(now.UnixNano())))
}

// take feeds p to the mirror's cache and gives p the next key when the
// cache holds it. It reports whether it did.
func (m *durableMirror) take(p *media.Packet) bool {
	m.cache.Retain(p)
	held := m.cache.Replay()
	if len(held) == 0 || held[len(held)-1] != p {
		return false
	}
	m.keys[p] = m.next
	m.next++
	return true
}

// hold feeds a batch to the mirror without writing it, while writes fail:
// the commit that tries again rewrites the bucket (m.rewrite).
func (m *durableMirror) hold(batch []*media.Packet) {
	for _, p := range batch {
		m.take(p)
	}
	m.forget()
}

// forget drops the keys of the packets the cache no longer holds, and
// returns the key of its oldest packet (the next key when it holds none).
func (m *durableMirror) forget() uint64 {
	oldest := m.next
	if held := m.cache.Replay(); len(held) > 0 {
		oldest = m.keys[held[0]]
	}
	for p, n := range m.keys {
		if n < oldest {
			delete(m.keys, p)
		}
	}
	return oldest
}

// bucket returns the topic's bucket, created, or rewritten with what the
// mirror holds at the first commit and after a failed one.
func (m *durableMirror) bucket(tx *bolt.Tx, topic string) (*bolt.Bucket, error) {
	top, err := tx.CreateBucketIfNotExists([]byte(bucketQoSCache))
	if err != nil {
		return nil, err
	}
	if m.rewrite && top.Bucket([]byte(topic)) != nil {
		if err := top.DeleteBucket([]byte(topic)); err != nil {
			return nil, err
		}
	}
	b, err := top.CreateBucketIfNotExists([]byte(topic))
	if err != nil {
		return nil, err
	}
	b.FillPercent = 1.0 // keys only grow
	if m.rewrite {
		for _, p := range m.cache.Replay() {
			if err := b.Put(durableKey(m.keys[p]), encodeRecord(p)); err != nil {
				return nil, err
			}
		}
		m.rewrite = false
	}
	return b, nil
}

// deleteEvicted deletes what the cache no longer holds: every key below its
// oldest packet's.
func (m *durableMirror) deleteEvicted(b *bolt.Bucket) error {
	oldest := m.forget()
	c := b.Cursor()
	for k, _ := c.First(); k != nil && len(k) == 9 && k[0] == 0 && binary.BigEndian.Uint64(k[1:]) < oldest; k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// fail records the writer's first error, for Close, and reports a
// failure once, when it begins.
func (d *DurableCache) fail(err error) {
	d.mu.Lock()
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s: durable cache %s: %w", writeErrorKind(err), d.rec.path, d.topic, err)
	}
	d.mu.Unlock()
	d.log.Warn().Err(err).Msg("durable cache: writing failed; the topic keeps its cache in memory and writes it again when it can")
}

// Retainers returns the Retainer factory of a node whose PERSISTENT topics
// are kept in r (transport.WithRetainer): a DurableCache for a persistent
// offer, an in-memory cache (transport.NewCache) for a transient-local one.
func Retainers(r *Recording, log zerolog.Logger) func(topic string, offer qos.Profile) (transport.Retainer, error) {
	return func(topic string, offer qos.Profile) (transport.Retainer, error) {
		if offer.Durability != qos.Persistent {
			return transport.NewCache(topic, offer)
		}
		d, err := r.DurableCache(topic, offer, log)
		if err != nil {
			return nil, err
		}
		return d, nil
	}
}
