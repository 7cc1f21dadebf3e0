package qos

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gopline/gopline/internal/bytesize"
)

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
	if name := p.preset(); name != "" {
		return name
	}
	return p.policies()
}

// preset returns the name of the preset p behaves as, or "".
func (p Profile) preset() string {
	p = p.normalized()
	for _, np := range presets() {
		if p == np.profile {
			return np.name
		}
	}
	return ""
}

// policies returns p spelled out, never as a preset's name: the three
// policies followed by the settings that differ from their defaults.
func (p Profile) policies() string {
	p = p.normalized()
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
		b.WriteString(",max_bytes=" + bytesize.Format(p.MaxBytes))
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
