package qos

import (
	"fmt"
	"strconv"
	"strings"
)

// Durability says what a topic keeps for subscribers that join late. The
// values are ordered: an offer satisfies a request of the same or a lower
// Durability.
type Durability uint8

const (
	// Volatile keeps nothing: a late subscriber starts at the next live
	// keyframe.
	Volatile Durability = iota
	// TransientLocal keeps the latest GOP(s) in the publishing process's
	// memory and replays them, keyframe first, to every late subscriber.
	TransientLocal
	// Persistent is TransientLocal whose GOPs are also stored on disk, so
	// that they survive a restart of the publishing process.
	Persistent
)

// String returns the durability's name in snake case ("transient_local"),
// as ParseDurability and ParseProfile read it.
func (d Durability) String() string {
	switch d {
	case Volatile:
		return "volatile"
	case TransientLocal:
		return "transient_local"
	case Persistent:
		return "persistent"
	}
	return "durability(" + strconv.Itoa(int(d)) + ")"
}

func (d Durability) valid() bool { return d <= Persistent }

// ParseDurability reads a durability's name, in any case, with "-" or "_"
// between words: "transient_local", "TRANSIENT_LOCAL", "transient-local".
func ParseDurability(s string) (Durability, error) {
	return parseName(s, "durability", Volatile, Persistent)
}

// History says how much of a topic a durable cache keeps, in whole GOPs: a
// cached GOP always starts at its keyframe, so that it decodes.
type History uint8

const (
	// KeepLast keeps the last Profile.Depth GOPs.
	KeepLast History = iota
	// KeepAll keeps as many GOPs as the byte bound (Profile.MaxBytes)
	// allows.
	KeepAll
)

// String returns the history's name in snake case ("keep_last").
func (h History) String() string {
	switch h {
	case KeepLast:
		return "keep_last"
	case KeepAll:
		return "keep_all"
	}
	return "history(" + strconv.Itoa(int(h)) + ")"
}

func (h History) valid() bool { return h <= KeepAll }

// ParseHistory reads a history's name, in any case, with "-" or "_" between
// words: "keep_last", "KEEP_ALL".
func ParseHistory(s string) (History, error) { return parseName(s, "history", KeepLast, KeepAll) }

// Reliability says whether a topic resends what a subscriber missed. In
// gopline nothing is lost on the way, and the publisher never blocks on a
// slow subscriber either way; what a subscriber can miss is what came before
// it joined and the rest of a GOP its queue could not take, and what can be
// resent is the topic's cache (docs/qos.md). Either way no subscriber is
// handed a packet it cannot decode. The values are ordered like Durability:
// Reliable offers more than BestEffort.
type Reliability uint8

const (
	// BestEffort resends nothing: a subscriber starts at the next live
	// keyframe, and its keyframe requests go to the encoder.
	BestEffort Reliability = iota
	// Reliable resends from a durable topic's cache: a subscriber is
	// replayed the cached GOP when it joins, and when its chain broke and
	// the cache can repair it.
	Reliable
)

// String returns the reliability's name in snake case ("best_effort").
func (r Reliability) String() string {
	switch r {
	case BestEffort:
		return "best_effort"
	case Reliable:
		return "reliable"
	}
	return "reliability(" + strconv.Itoa(int(r)) + ")"
}

func (r Reliability) valid() bool { return r <= Reliable }

// ParseReliability reads a reliability's name, in any case, with "-" or "_"
// between words: "best_effort", "RELIABLE".
func ParseReliability(s string) (Reliability, error) {
	return parseName(s, "reliability", BestEffort, Reliable)
}

// parseName reads the name of a policy value from first to last, in any
// case, with "-" or "_" between words; what names the policy in the error.
func parseName[T interface {
	~uint8
	String() string
}](s, what string, first, last T) (T, error) {
	name := normalizeName(s)
	var names []string
	for v := first; v <= last; v++ {
		if name == v.String() {
			return v, nil
		}
		names = append(names, v.String())
	}
	want := strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	return 0, fmt.Errorf("%w: unknown %s %q (want %s)", ErrBadProfile, what, s, want)
}
