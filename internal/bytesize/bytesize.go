// Package bytesize reads and writes byte counts as gopline's lines and
// flags take them: digits with an optional unit, B, KiB, MiB, GiB (powers of
// two) or KB, MB, GB (powers of ten), or K, M, G, the powers of ten as
// FFmpeg's options read them, in any case: 1048576, 64MiB, 500mb, 500k.
package bytesize

import (
	"errors"
	"strconv"
	"strings"
)

// units are the units Parse reads, the binary ones first (Format writes
// those), the one-letter ones last (a suffix of the others).
var units = [...]struct {
	name string
	size int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3},
	{"G", 1e9}, {"M", 1e6}, {"K", 1e3}}

// Parse's errors: a count that is not digits with a unit or is negative,
// and one that does not fit in an int64.
var (
	ErrSyntax   = errors.New("want a byte count such as 1048576, 64MiB, 500KB or 500K")
	ErrTooLarge = errors.New("byte count too large")
)

// Parse reads a non-negative byte count.
func Parse(s string) (int64, error) {
	num, mult := strings.ToLower(strings.TrimSpace(s)), int64(1)
	for _, u := range units {
		if unit := strings.ToLower(u.name); strings.HasSuffix(num, unit) {
			num, mult = strings.TrimSuffix(num, unit), u.size
			break
		}
	}
	if mult == 1 {
		num = strings.TrimSuffix(num, "b")
	}
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	switch {
	case errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(num, "-"):
		return 0, ErrTooLarge
	case err != nil || n < 0:
		return 0, ErrSyntax
	case n > (1<<63-1)/mult:
		return 0, ErrTooLarge
	}
	return n * mult, nil
}

// Format writes n with the largest binary unit that divides it, so that
// Parse reads it back.
func Format(n int64) string {
	for _, u := range units[:3] {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}
