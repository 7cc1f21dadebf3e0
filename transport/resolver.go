package transport

import (
	"slices"
)

// Resolver finds topics of other nodes by name (the node's discovery.Directory
// stands behind it). Its methods may take a network round trip, and are
// bounded in time by the Resolver.
type Resolver interface {
	// Resolve returns the address of the other node that publishes topic,
	// "" when none does; more than one is an error naming them.
	Resolve(topic string) (addr string, err error)
	// Published returns the names of the topics that have a publisher at
	// the node at addr, or at every node found when addr is "".
	Published(addr string) ([]string, error)
}

// SetResolver installs how Locate and Published find other nodes' topics
// (gopline.New does so for a node with a remote node).
func (b *Bus) SetResolver(r Resolver) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.resolver = r
}

func (b *Bus) getResolver() Resolver {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.resolver
}

// Locate tells where a subscriber of topic that names no node finds it:
// "" for this process's topic, when it has a publisher here or the Bus has
// no Resolver or no other node publishes it; else the address of the one
// other node that publishes it. Two or more are the Resolver's error.
func (b *Bus) Locate(topic string) (string, error) {
	r := b.getResolver()
	if r == nil || b.PublishedHere(topic) {
		return "", nil
	}
	return r.Resolve(topic)
}

// PublishedHere reports whether the Bus's topic has a publisher in this
// process now.
func (b *Bus) PublishedHere(topic string) bool {
	st, err := b.Stats(topic)
	return err == nil && st.Publishers > 0
}

// Published returns the names of the topics that have a publisher: at the
// node at addr, or, when addr is "", in this process and at every node the
// Resolver finds. Without a Resolver it knows this process's topics only.
// The error is why the node at addr did not list its topics (it could not
// be reached, or refused this node); what the Resolver finds when addr is
// "" is what answered, and no error.
func (b *Bus) Published(addr string) ([]string, error) {
	var names []string
	if addr == "" {
		for _, t := range b.Topics() {
			if b.PublishedHere(t) {
				names = append(names, t)
			}
		}
	}
	var err error
	if r := b.getResolver(); r != nil {
		var more []string
		if more, err = r.Published(addr); err == nil {
			names = append(names, more...)
		}
	}
	if addr == "" {
		err = nil
	}
	slices.Sort(names)
	return slices.Compact(names), err
}
