package qos

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors of profiles. They live beside Profile rather than in
// errors.go because only profiles return them.
var (
	// ErrBadProfile means a profile, or the text of one, is not valid: an
	// unknown name, a setting given twice, a negative duration, a depth
	// with KeepAll.
	ErrBadProfile = errors.New("qos: bad profile")

	// ErrIncompatible means a publisher's profile does not offer what a
	// subscriber's profile asks for (see Compatible). The error is an
	// *IncompatibleError that names both profiles and every mismatch.
	ErrIncompatible = errors.New("qos: incompatible profiles")
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
	name := normalizeName(s)
	for d := Volatile; d <= Persistent; d++ {
		if name == d.String() {
			return d, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown durability %q (want volatile, transient_local or persistent)", ErrBadProfile, s)
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
func ParseHistory(s string) (History, error) {
	name := normalizeName(s)
	for h := KeepLast; h <= KeepAll; h++ {
		if name == h.String() {
			return h, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown history %q (want keep_last or keep_all)", ErrBadProfile, s)
}

// Reliability says how hard a topic tries to bring every packet to a
// subscriber. Either way the publisher never blocks on a slow subscriber, and
// no subscriber is handed a packet it cannot decode: one whose queue
// overflows loses the rest of that GOP and resumes at a keyframe. The values
// are ordered like Durability: Reliable offers more than BestEffort.
type Reliability uint8

const (
	// BestEffort may lose packets on the way without resending them.
	BestEffort Reliability = iota
	// Reliable loses no packet on the way; a subscriber whose queue
	// overflows still loses the rest of a GOP, and the drop is counted and
	// logged.
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
	name := normalizeName(s)
	for r := BestEffort; r <= Reliable; r++ {
		if name == r.String() {
			return r, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown reliability %q (want best_effort or reliable)", ErrBadProfile, s)
}

// Profile is the quality of service of one side of a topic, a publisher's
// offer or a subscriber's request, with the policies of ROS 2 made GOP-aware.
//
// The zero Profile is valid and behaves as SensorData: best effort, volatile,
// the last GOP. Write one as text with String and read it with ParseProfile
// (or through flag.TextVar: Profile implements encoding.TextMarshaler and,
// as a pointer, encoding.TextUnmarshaler).
type Profile struct {
	Reliability Reliability
	Durability  Durability
	History     History
	// Depth is how many GOPs KeepLast keeps; 0 means 1. It must be 0 with
	// KeepAll.
	Depth int
	// MaxBytes bounds a durable cache's bytes, with either History; 0
	// means the cache's default (DefaultCacheMaxBytes).
	MaxBytes int64
	// Deadline is the longest gap between two packets that the publisher
	// promises or the subscriber expects; 0 means no deadline.
	Deadline time.Duration
	// Lifespan is how long a cached GOP may be replayed after its newest
	// packet reached the cache; 0 means forever.
	Lifespan time.Duration
	// Lease is the liveliness lease: a publisher silent for longer is
	// taken as gone, and its subscribers are told; 0 means never.
	Lease time.Duration
}

// Default returns the profile of a topic nobody configured, ROS 2's default
// made GOP-aware: reliable, volatile, the last GOP.
func Default() Profile {
	return Profile{Reliability: Reliable, Durability: Volatile, History: KeepLast, Depth: 1}
}

// SensorData returns the profile for live sensor streams where only the
// newest picture matters: best effort, volatile, the last GOP.
func SensorData() Profile {
	return Profile{Reliability: BestEffort, Durability: Volatile, History: KeepLast, Depth: 1}
}

// DurableVideo returns the profile of a video topic whose late subscribers
// see a picture at once: reliable, transient local, the last GOP replayed
// keyframe first.
func DurableVideo() Profile {
	return Profile{Reliability: Reliable, Durability: TransientLocal, History: KeepLast, Depth: 1}
}

// PersistentVideo returns DurableVideo whose cached GOP also survives a
// restart of the publishing process: reliable, persistent, the last GOP.
// Its Lifespan is 0, so a GOP stored before a restart is replayed however
// old it is (marked stale with its age); add a lifespan to expire it.
func PersistentVideo() Profile {
	return Profile{Reliability: Reliable, Durability: Persistent, History: KeepLast, Depth: 1}
}

// namedProfile is a preset and the name ParseProfile and String give it.
type namedProfile struct {
	name    string
	profile Profile
}

// presets lists the named profiles, in the order String tries them.
func presets() [4]namedProfile {
	return [4]namedProfile{
		{"default", Default()},
		{"sensor_data", SensorData()},
		{"durable_video", DurableVideo()},
		{"persistent_video", PersistentVideo()},
	}
}

// Validate reports whether p is a profile gopline can apply: known policy
// values, no negative depth, bound or duration, and no Depth with KeepAll.
// The error wraps ErrBadProfile.
func (p Profile) Validate() error {
	var why string
	switch {
	case !p.Reliability.valid():
		why = "unknown " + p.Reliability.String()
	case !p.Durability.valid():
		why = "unknown " + p.Durability.String()
	case !p.History.valid():
		why = "unknown " + p.History.String()
	case p.Depth < 0:
		why = fmt.Sprintf("depth %d (want >= 1, or 0 for 1)", p.Depth)
	case p.History == KeepAll && p.Depth != 0:
		why = fmt.Sprintf("depth %d with keep_all (depth applies to keep_last only)", p.Depth)
	case p.MaxBytes < 0:
		why = fmt.Sprintf("max_bytes %d (want >= 0)", p.MaxBytes)
	case p.Deadline < 0:
		why = fmt.Sprintf("deadline %v (want >= 0)", p.Deadline)
	case p.Lifespan < 0:
		why = fmt.Sprintf("lifespan %v (want >= 0)", p.Lifespan)
	case p.Lease < 0:
		why = fmt.Sprintf("lease %v (want >= 0)", p.Lease)
	default:
		return nil
	}
	return fmt.Errorf("%w: %s", ErrBadProfile, why)
}

// CacheOptions returns the options of the GOPCache that keeps a topic's GOPs
// as p says: its depth (KeepLast) or no GOP bound (KeepAll), its MaxBytes if
// set, its Lifespan as the maximum age. Add WithCacheClock and the frame
// bound as needed. Whether a topic has a cache at all is p.Durability's
// call: a Volatile topic keeps nothing.
func (p Profile) CacheOptions() []CacheOption {
	opts := make([]CacheOption, 0, 3)
	if p.History == KeepAll {
		opts = append(opts, WithMaxGOPs(0))
	} else {
		opts = append(opts, WithMaxGOPs(p.normalized().Depth))
	}
	if p.MaxBytes != 0 {
		opts = append(opts, WithMaxBytes(p.MaxBytes))
	}
	return append(opts, WithMaxAge(p.Lifespan))
}

// normalized returns p with the defaults spelled out (a KeepLast Depth of 0
// becomes 1), so that equal behaviour compares equal.
func (p Profile) normalized() Profile {
	if p.History == KeepLast && p.Depth == 0 {
		p.Depth = 1
	}
	return p
}

// String returns p in the syntax ParseProfile reads: the preset's name when p
// behaves as one ("durable_video"), otherwise the three policies followed by
// the settings that differ from their defaults
// ("reliable,transient_local,keep_last,depth=2,deadline=100ms"). For a valid
// p, ParseProfile(p.String()) returns p, with a KeepLast Depth of 0 read back
// as 1.
func (p Profile) String() string {
	p = p.normalized()
	for _, np := range presets() {
		if p == np.profile {
			return np.name
		}
	}
	var b strings.Builder
	b.WriteString(p.Reliability.String())
	b.WriteByte(',')
	b.WriteString(p.Durability.String())
	b.WriteByte(',')
	b.WriteString(p.History.String())
	if (p.History == KeepLast && p.Depth != 1) || (p.History != KeepLast && p.Depth != 0) {
		b.WriteString(",depth=" + strconv.Itoa(p.Depth))
	}
	if p.MaxBytes != 0 {
		b.WriteString(",max_bytes=" + formatBytes(p.MaxBytes))
	}
	for _, d := range [...]struct {
		key string
		d   time.Duration
	}{{"deadline", p.Deadline}, {"lifespan", p.Lifespan}, {"lease", p.Lease}} {
		if d.d != 0 {
			b.WriteString("," + d.key + "=" + d.d.String())
		}
	}
	return b.String()
}

// MarshalText returns p.String(), so that a Profile can be a flag
// (flag.TextVar) or a field of a text config.
func (p Profile) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText sets p to ParseProfile(string(text)); p is unchanged on error.
func (p *Profile) UnmarshalText(text []byte) error {
	q, err := ParseProfile(string(text))
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// The policies a profile's text may set, as bits, to reject a policy given
// twice.
const (
	setReliability = 1 << iota
	setDurability
	setHistory
	setDepth
	setMaxBytes
	setDeadline
	setLifespan
	setLease
)

// ParseProfile reads a profile in the one-line syntax of pipelines and flags:
// a comma-separated list of settings, case-insensitive, spaces around the
// commas ignored. The first item may be a preset: default, sensor_data,
// durable_video, persistent_video; the other settings change it. Without a
// preset the list changes Default(). A setting is:
//
//   - a policy's value alone: volatile, transient_local, persistent,
//     best_effort, reliable, keep_last, keep_all;
//   - or key=value: durability=, reliability=, history= (with the values
//     above), depth=N (GOPs kept with keep_last, N >= 1), max_bytes=SIZE
//     (bytes, or with a unit: KiB, MiB, GiB, KB, MB, GB), and the durations
//     deadline=, lifespan=, lease= (Go syntax: 100ms, 5s, 1m; 0 or
//     "infinite" for none).
//
// Examples: "transient_local", "durable_video,depth=2",
// "reliable,transient_local,depth=2,deadline=100ms,lifespan=5s,lease=1s".
//
// A policy may be set once per text. The error wraps ErrBadProfile and quotes
// the setting at fault.
func ParseProfile(s string) (Profile, error) {
	if strings.TrimSpace(s) == "" {
		return Profile{}, fmt.Errorf("%w: empty text (want a preset such as durable_video, or settings such as reliable,transient_local)", ErrBadProfile)
	}
	items := strings.Split(s, ",")
	p := Default()
	set := 0
	for i, item := range items {
		bad := func(format string, args ...any) (Profile, error) {
			why := fmt.Sprintf(format, args...)
			if len(items) == 1 {
				return Profile{}, fmt.Errorf("%w %q: %s", ErrBadProfile, s, why)
			}
			return Profile{}, fmt.Errorf("%w %q: setting %q: %s", ErrBadProfile, s, strings.TrimSpace(item), why)
		}
		mark := func(bit int) bool { // false if the policy was set before
			if set&bit != 0 {
				return false
			}
			set |= bit
			return true
		}
		text := strings.TrimSpace(item)
		if text == "" {
			return bad("empty setting")
		}
		key, value, hasValue := strings.Cut(text, "=")
		key = normalizeName(key)
		value = strings.ToLower(strings.TrimSpace(value))
		if !hasValue {
			if np, ok := presetNamed(key); ok {
				if i != 0 {
					return bad("a preset must come first, before the settings that change it")
				}
				p = np
				continue
			}
			switch {
			case isDurabilityName(key):
				key, value = "durability", key
			case isReliabilityName(key):
				key, value = "reliability", key
			case isHistoryName(key):
				key, value = "history", key
			default:
				return bad("unknown setting (want a preset: default, sensor_data, durable_video, persistent_video; " +
					"a policy: volatile, transient_local, persistent, best_effort, reliable, keep_last, keep_all; " +
					"or key=value with depth, max_bytes, deadline, lifespan, lease)")
			}
		}
		switch key {
		case "durability":
			d, err := ParseDurability(value)
			if err != nil {
				return bad("unknown durability (want volatile, transient_local or persistent)")
			}
			if !mark(setDurability) {
				return bad("durability given twice")
			}
			p.Durability = d
		case "reliability":
			r, err := ParseReliability(value)
			if err != nil {
				return bad("unknown reliability (want best_effort or reliable)")
			}
			if !mark(setReliability) {
				return bad("reliability given twice")
			}
			p.Reliability = r
		case "history":
			h, err := ParseHistory(value)
			if err != nil {
				return bad("unknown history (want keep_last or keep_all)")
			}
			if !mark(setHistory) {
				return bad("history given twice")
			}
			p.History = h
		case "depth":
			n, err := strconv.Atoi(value)
			if err != nil || n < 1 {
				return bad("want a whole number of GOPs >= 1")
			}
			if !mark(setDepth) {
				return bad("depth given twice")
			}
			p.Depth = n
		case "max_bytes":
			n, err := parseBytes(value)
			if err != nil {
				return bad("%v", err)
			}
			if !mark(setMaxBytes) {
				return bad("max_bytes given twice")
			}
			p.MaxBytes = n
		case "deadline", "lifespan", "lease":
			d, err := parseDuration(value)
			if err != nil {
				return bad("%v", err)
			}
			field, bit := &p.Deadline, setDeadline
			switch key {
			case "lifespan":
				field, bit = &p.Lifespan, setLifespan
			case "lease":
				field, bit = &p.Lease, setLease
			}
			if !mark(bit) {
				return bad("%s given twice", key)
			}
			*field = d
		default:
			return bad("unknown key %q (want durability, reliability, history, depth, max_bytes, deadline, lifespan or lease)", key)
		}
	}
	if p.History == KeepAll {
		if set&setDepth != 0 {
			return Profile{}, fmt.Errorf("%w %q: depth applies to keep_last only; keep_all is bounded by max_bytes", ErrBadProfile, s)
		}
		p.Depth = 0
	} else if p.Depth == 0 {
		p.Depth = 1
	}
	if err := p.Validate(); err != nil {
		return Profile{}, fmt.Errorf("%w (in %q)", err, s)
	}
	return p, nil
}

func presetNamed(name string) (Profile, bool) {
	for _, np := range presets() {
		if name == np.name {
			return np.profile, true
		}
	}
	return Profile{}, false
}

func isDurabilityName(s string) bool  { _, err := ParseDurability(s); return err == nil }
func isReliabilityName(s string) bool { _, err := ParseReliability(s); return err == nil }
func isHistoryName(s string) bool     { _, err := ParseHistory(s); return err == nil }

// normalizeName folds a name for comparison: trimmed, lower case, "-" as "_".
func normalizeName(s string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_")
}

// parseDuration reads a non-negative Go duration; "0", "infinite" and "inf"
// mean none.
func parseDuration(s string) (time.Duration, error) {
	switch s {
	case "0", "infinite", "inf":
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("want a duration such as 100ms, 5s or 1m, or 0 for none")
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration (want >= 0, 0 for none)")
	}
	return d, nil
}

// byteUnits are the units parseBytes accepts and formatBytes writes, largest
// first within each family; formatBytes uses the binary ones.
func byteUnits() [6]struct {
	name string
	size int64
} {
	return [6]struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}}
}

// parseBytes reads a non-negative byte count: digits with an optional unit
// (B, KiB, MiB, GiB, KB, MB, GB, in any case).
func parseBytes(s string) (int64, error) {
	const want = "want a byte count such as 1048576, 64MiB or 500KB"
	num, mult := strings.TrimSuffix(s, "b"), int64(1)
	for _, u := range byteUnits() {
		if unit := strings.ToLower(u.name); strings.HasSuffix(s, unit) {
			num, mult = strings.TrimSuffix(s, unit), u.size
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if err != nil || n < 0 {
		return 0, errors.New(want)
	}
	if n > (1<<63-1)/mult {
		return 0, errors.New("byte count too large")
	}
	return n * mult, nil
}

// formatBytes writes n with the largest binary unit that divides it.
func formatBytes(n int64) string {
	units := byteUnits()
	for _, u := range units[:3] { // the binary ones
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

// IncompatibleError says why a publisher's profile does not match a
// subscriber's (see Compatible). It wraps ErrIncompatible.
type IncompatibleError struct {
	Publisher, Subscriber Profile
	// Reasons holds one line per mismatched policy, naming the policy and
	// both values: "durability: subscriber asks transient_local, publisher
	// offers volatile".
	Reasons []string
}

// Error lists the mismatches and both profiles.
func (e *IncompatibleError) Error() string {
	return fmt.Sprintf("%v: %s (publisher %q, subscriber %q)",
		ErrIncompatible, strings.Join(e.Reasons, "; "), e.Publisher.String(), e.Subscriber.String())
}

// Unwrap returns ErrIncompatible.
func (e *IncompatibleError) Unwrap() error { return ErrIncompatible }

// Compatible reports whether a publisher offering pub can serve a subscriber
// asking for sub, by ROS 2's request/offered rules; nil means they match.
// Otherwise the error is an *IncompatibleError listing every mismatch:
//
//   - durability: the offer must be at least the request (persistent >
//     transient_local > volatile), so a transient_local subscriber does not
//     match a volatile publisher;
//   - reliability: a reliable subscriber does not match a best-effort
//     publisher;
//   - deadline: the offered deadline must be at most the requested one (0 is
//     infinite: any offer meets a request of 0, and an offer of 0 meets only
//     that);
//   - liveliness lease: likewise, the offered lease at most the requested.
//
// History, depth, max_bytes and lifespan never make a pair incompatible. An
// invalid profile yields an error wrapping ErrBadProfile instead.
//
// An incompatible pair is never to be connected silently: the caller reports
// the error at once, as an event and a log line.
func Compatible(pub, sub Profile) error {
	if err := pub.Validate(); err != nil {
		return fmt.Errorf("publisher: %w", err)
	}
	if err := sub.Validate(); err != nil {
		return fmt.Errorf("subscriber: %w", err)
	}
	var reasons []string
	if pub.Durability < sub.Durability {
		reasons = append(reasons, fmt.Sprintf("durability: subscriber asks %v, publisher offers %v", sub.Durability, pub.Durability))
	}
	if pub.Reliability < sub.Reliability {
		reasons = append(reasons, fmt.Sprintf("reliability: subscriber asks %v, publisher offers %v", sub.Reliability, pub.Reliability))
	}
	if !offerMeets(pub.Deadline, sub.Deadline) {
		reasons = append(reasons, fmt.Sprintf("deadline: subscriber asks %s, publisher offers %s", formatPeriod(sub.Deadline), formatPeriod(pub.Deadline)))
	}
	if !offerMeets(pub.Lease, sub.Lease) {
		reasons = append(reasons, fmt.Sprintf("liveliness lease: subscriber asks %s, publisher offers %s", formatPeriod(sub.Lease), formatPeriod(pub.Lease)))
	}
	if len(reasons) == 0 {
		return nil
	}
	return &IncompatibleError{Publisher: pub, Subscriber: sub, Reasons: reasons}
}

// offerMeets reports whether an offered period (deadline, lease) meets a
// requested one: at most as long, where 0 is infinite.
func offerMeets(offered, requested time.Duration) bool {
	if requested == 0 {
		return true
	}
	return offered != 0 && offered <= requested
}

// formatPeriod writes a deadline or lease, 0 as "infinite".
func formatPeriod(d time.Duration) string {
	if d == 0 {
		return "infinite"
	}
	return d.String()
}
