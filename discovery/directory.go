package discovery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gopline/gopline/transport/remote"
)

// ErrAmbiguous is wrapped by Resolve's error when more than one node
// publishes the topic; the error names them.
var ErrAmbiguous = errors.New("discovery: more than one node publishes the topic")

// Lister asks the node at addr for its topics (remote.Node.Topics).
type Lister func(addr string, timeout time.Duration) ([]remote.TopicInfo, error)

// NodeTopics is one node found and what it answered: its topics, or why
// it did not.
type NodeTopics struct {
	Peer
	Topics []remote.TopicInfo `json:"topics"`
	Err    error              `json:"-"`
}

// Directory finds nodes (Browse) and asks each for its topics. It is safe
// for concurrent use; a listing is kept for a short while (cacheFor), so
// that the subscribers of one pipeline that start together browse once.
// A Directory asked again and again (a recorder looking for topics that
// appear) reads the host's announcements each time, but queries the
// network less and less often (querySchedule: a second after the first
// query, doubling up to a minute), keeping the peers the last query found
// in between.
type Directory struct {
	cfg  Config
	list Lister
	// self is this node's address: Resolve does not name it.
	self string

	mu    sync.Mutex
	nodes []NodeTopics
	at    time.Time
	// The peers the last multicast DNS query found, what it failed of,
	// and when the next is due.
	network    []Peer
	networkErr error
	queries    querySchedule
	// query asks the network, now is the clock: a test's own, else
	// browseNetwork and time.Now.
	query func(context.Context, Config) ([]Peer, error)
	now   func() time.Time
}

// clock is the Directory's time now.
func (d *Directory) clock() time.Time {
	if d.now == nil {
		return time.Now()
	}
	return d.now()
}

// cacheFor is how long a Directory keeps a listing.
const cacheFor = 2 * time.Second

// NewDirectory returns a Directory that browses with cfg and lists topics
// with list; self, when set, is this node's own address, which Resolve
// leaves out.
func NewDirectory(cfg Config, list Lister, self string) *Directory {
	return &Directory{cfg: cfg, list: list, self: self}
}

// Nodes browses and lists the topics of every node found but this one, at most
// listConcurrency at once, each within DefaultListTimeout. A node that
// does not answer is in the result with its error.
func (d *Directory) Nodes(ctx context.Context) ([]NodeTopics, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.nodes != nil && d.clock().Sub(d.at) < cacheFor {
		return d.nodes, nil
	}
	peers, err := d.browse(ctx)
	if err != nil {
		return nil, err
	}
	peers = slices.DeleteFunc(peers, func(p Peer) bool { return p.Addr == d.self })
	out := make([]NodeTopics, len(peers))
	sem := make(chan struct{}, listConcurrency)
	var wg sync.WaitGroup
	for i, p := range peers {
		out[i].Peer = p
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i].Topics, out[i].Err = d.list(p.Addr, DefaultListTimeout)
		}()
	}
	wg.Wait()
	d.nodes, d.at = out, d.clock()
	return out, nil
}

// browse is Browse, with the network's peers of the last query when no
// query is due (querySchedule). d.mu is held.
func (d *Directory) browse(ctx context.Context) ([]Peer, error) {
	host, hostErr := readHostFiles(d.cfg.hostDir())
	if !d.cfg.NoMDNS && d.queries.due(d.clock()) {
		query := d.query
		if query == nil {
			query = browseNetwork
		}
		d.network, d.networkErr = query(ctx, d.cfg)
		d.queries.sent(d.clock())
	}
	return joinPeers(host, hostErr, d.network, d.networkErr)
}

// Publishers returns the nodes other than this one that publish topic.
func (d *Directory) Publishers(ctx context.Context, topic string) ([]Peer, error) {
	nodes, err := d.Nodes(ctx)
	if err != nil {
		return nil, err
	}
	var out []Peer
	for _, n := range nodes {
		if n.Addr == d.self {
			continue
		}
		for _, t := range n.Topics {
			if t.Name == topic && t.Publishers > 0 {
				out = append(out, n.Peer)
			}
		}
	}
	return out, nil
}

// Resolve returns the address of the node other than this one that
// publishes topic, "" when none does; more than one is an error wrapping
// ErrAmbiguous that names them.
func (d *Directory) Resolve(ctx context.Context, topic string) (string, error) {
	pubs, err := d.Publishers(ctx, topic)
	switch {
	case err != nil:
		return "", err
	case len(pubs) == 0:
		return "", nil
	case len(pubs) == 1:
		return pubs[0].Addr, nil
	}
	names := make([]string, len(pubs))
	for i, p := range pubs {
		names[i] = fmt.Sprintf("%s at %s", p.Name, p.Addr)
	}
	return "", fmt.Errorf("%w: %s is published by %s; name one with remote=HOST:PORT", ErrAmbiguous, topic, strings.Join(names, " and "))
}

// Published returns the names of the topics that have a publisher, on the
// node at addr, or on every node found when addr is "", sorted, each once.
func (d *Directory) Published(ctx context.Context, addr string) ([]string, error) {
	var nodes []NodeTopics
	if addr != "" {
		topics, err := d.list(addr, DefaultListTimeout)
		if err != nil {
			return nil, err
		}
		nodes = []NodeTopics{{Peer: Peer{Addr: addr}, Topics: topics}}
	} else {
		var err error
		if nodes, err = d.Nodes(ctx); err != nil {
			return nil, err
		}
	}
	var names []string
	for _, n := range nodes {
		for _, t := range n.Topics {
			if t.Publishers > 0 {
				names = append(names, t.Name)
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}
