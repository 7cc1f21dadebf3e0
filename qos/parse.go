package qos

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gopline/gopline/internal/bytesize"
)

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
//     above), depth=N (GOPs kept with keep_last, N >= 1), keep_last=N (the
//     same as keep_last,depth=N, as ROS 2 writes history and depth together),
//     max_bytes=SIZE
//     (bytes, or with a unit: KiB, MiB, GiB, KB, MB, GB), and the durations
//     deadline=, lifespan=, lease= (Go syntax: 100ms, 5s, 1m; 0 or
//     "infinite" for none).
//
// Examples: "transient_local", "durable_video,depth=2",
// "durable_video,keep_last=2",
// "reliable,transient_local,depth=2,deadline=100ms,lifespan=5s,lease=1s".
//
// A policy may be set once per text. The error wraps ErrBadProfile and quotes
// the setting at fault.
func ParseProfile(s string) (Profile, error) { return parseFrom(s, Default()) }

// ParseOffer reads a publisher's offer as ParseProfile reads a profile,
// but a list without a preset changes DurableVideo, what a publisher that
// names no QoS offers: "deadline=100ms" is durable_video with a deadline,
// so that a policy added to a camera's topic does not take its late
// joiners' replay away.
func ParseOffer(s string) (Profile, error) { return parseFrom(s, DurableVideo()) }

// parseFrom reads the profile s, whose settings change base when it names
// no preset.
func parseFrom(s string, base Profile) (Profile, error) {
	if strings.TrimSpace(s) == "" {
		return Profile{}, fmt.Errorf("%w: empty text (want a preset such as durable_video, or settings such as reliable,transient_local)", ErrBadProfile)
	}
	pp := profileParser{text: s, items: strings.Split(s, ","), p: base}
	for i, item := range pp.items {
		if err := pp.item(i, item); err != nil {
			return Profile{}, err
		}
	}
	return pp.finish()
}

// profileParser reads the settings of one profile text in turn.
type profileParser struct {
	text  string
	items []string
	p     Profile
	set   int // the set* bits of the policies given so far
}

// bad returns the error of item, quoting it when the text has several.
func (pp *profileParser) bad(item, format string, args ...any) error {
	why := fmt.Sprintf(format, args...)
	if len(pp.items) == 1 {
		return fmt.Errorf("%w %q: %s", ErrBadProfile, pp.text, why)
	}
	return fmt.Errorf("%w %q: setting %q: %s", ErrBadProfile, pp.text, strings.TrimSpace(item), why)
}

// item reads the i-th setting: a preset, a policy's value alone, or
// key=value.
func (pp *profileParser) item(i int, item string) error {
	text := strings.TrimSpace(item)
	if text == "" {
		return pp.bad(item, "empty setting")
	}
	key, value, hasValue := strings.Cut(text, "=")
	key = normalizeName(key)
	value = strings.ToLower(strings.TrimSpace(value))
	if !hasValue {
		if np, ok := presetNamed(key); ok {
			if i != 0 {
				return pp.bad(item, "a preset must come first, before the settings that change it")
			}
			pp.p = np
			return nil
		}
		var ok bool
		if key, value, ok = policyOfValue(key); !ok {
			return pp.bad(item, "unknown setting (want a preset: default, sensor_data, durable_video, persistent_video; "+
				"a policy: volatile, transient_local, persistent, best_effort, reliable, keep_last, keep_all; "+
				"or key=value with depth, keep_last, max_bytes, deadline, lifespan, lease)")
		}
	}
	return pp.setting(item, key, value)
}

// policyOfValue returns the policy whose value name is (durability for
// "volatile"), as key=value.
func policyOfValue(name string) (key, value string, ok bool) {
	switch {
	case isDurabilityName(name):
		return "durability", name, true
	case isReliabilityName(name):
		return "reliability", name, true
	case isHistoryName(name):
		return "history", name, true
	}
	return "", "", false
}

// setting applies key=value from item.
func (pp *profileParser) setting(item, key, value string) error {
	switch key {
	case "durability":
		d, err := ParseDurability(value)
		if err != nil {
			return pp.bad(item, "unknown durability (want volatile, transient_local or persistent)")
		}
		return pp.assign(item, setDurability, key, func() { pp.p.Durability = d })
	case "reliability":
		r, err := ParseReliability(value)
		if err != nil {
			return pp.bad(item, "unknown reliability (want best_effort or reliable)")
		}
		return pp.assign(item, setReliability, key, func() { pp.p.Reliability = r })
	case "history":
		h, err := ParseHistory(value)
		if err != nil {
			return pp.bad(item, "unknown history (want keep_last or keep_all)")
		}
		return pp.assign(item, setHistory, key, func() { pp.p.History = h })
	case "depth":
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 {
			return pp.bad(item, "want a whole number of GOPs >= 1")
		}
		return pp.assign(item, setDepth, key, func() { pp.p.Depth = n })
	case "keep_last":
		return pp.keepLast(item, value)
	case "keep_all":
		return pp.bad(item, "keep_all takes no value: it keeps whole GOPs up to max_bytes (write keep_all,max_bytes=SIZE, or keep_last=N for the last N GOPs)")
	case "max_bytes":
		n, err := bytesize.Parse(value)
		if err != nil {
			return pp.bad(item, "%v", err)
		}
		return pp.assign(item, setMaxBytes, key, func() { pp.p.MaxBytes = n })
	case "deadline", "lifespan", "lease":
		return pp.period(item, key, value)
	}
	return pp.bad(item, "unknown key %q (want durability, reliability, history, depth, keep_last, max_bytes, deadline, lifespan or lease)", key)
}

// keepLast applies keep_last=N from item: history keep_last with depth N.
func (pp *profileParser) keepLast(item, value string) error {
	n, err := strconv.Atoi(value)
	if err != nil || n < 1 {
		return pp.bad(item, "want a whole number of GOPs >= 1")
	}
	if err := pp.assign(item, setHistory, "history", func() { pp.p.History = KeepLast }); err != nil {
		return err
	}
	return pp.assign(item, setDepth, "depth", func() { pp.p.Depth = n })
}

// period applies a deadline, lifespan or lease from item.
func (pp *profileParser) period(item, key, value string) error {
	d, err := parseDuration(value)
	if err != nil {
		return pp.bad(item, "%v", err)
	}
	field, bit := &pp.p.Deadline, setDeadline
	switch key {
	case "lifespan":
		field, bit = &pp.p.Lifespan, setLifespan
	case "lease":
		field, bit = &pp.p.Lease, setLease
	}
	return pp.assign(item, bit, key, func() { *field = d })
}

// assign applies a policy unless the text set it before.
func (pp *profileParser) assign(item string, bit int, key string, apply func()) error {
	if pp.set&bit != 0 {
		return pp.bad(item, "%s given twice", key)
	}
	pp.set |= bit
	apply()
	return nil
}

// finish spells out the depth and checks the profile read.
func (pp *profileParser) finish() (Profile, error) {
	p := pp.p
	if p.History == KeepAll {
		if pp.set&setDepth != 0 {
			return Profile{}, fmt.Errorf("%w %q: depth applies to keep_last only; keep_all is bounded by max_bytes", ErrBadProfile, pp.text)
		}
		p.Depth = 0
	} else if p.Depth == 0 {
		p.Depth = 1
	}
	if err := p.Validate(); err != nil {
		return Profile{}, fmt.Errorf("%w (in %q)", err, pp.text)
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
