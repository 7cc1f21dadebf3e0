package elements

import (
	"errors"
	"fmt"

	"github.com/gopline/gopline/internal/bytesize"
)

// parseCacheSize reads the cache's size: a byte count (internal/bytesize)
// of at least one byte.
func parseCacheSize(s string) (int64, error) {
	return parseByteCount(s, 1, maxRecordCache, "want a byte count of at least 1, such as 64MiB, 500MB or 1048576")
}

// parseRetentionSize reads max-bytes=: a byte count, 0 for no bound.
func parseRetentionSize(s string) (int64, error) {
	return parseByteCount(s, 0, maxRetention, "want a byte count, such as 1GiB, 500MB or 1048576 (0: keep all)")
}

// parseSplitSize reads max-size-bytes=: a byte count, 0 for one file.
func parseSplitSize(s string) (int64, error) {
	return parseByteCount(s, 0, maxRetention, "want a byte count, such as 1GiB, 500MB or 1048576 (0: one file)")
}

// parseByteCount reads a byte count from lo to hi; want says what a
// malformed or too small one should have been.
func parseByteCount(s string, lo, hi int64, want string) (int64, error) {
	n, err := bytesize.Parse(s)
	switch {
	case err != nil || n < lo:
		return 0, errors.New(want)
	case n > hi:
		return 0, fmt.Errorf("at most %s", bytesize.Format(hi))
	}
	return n, nil
}

// maxRetention bounds max-bytes=.
const maxRetention = 1 << 50

// maxRecordCache bounds the cache a line may ask for.
const maxRecordCache = 1 << 40
