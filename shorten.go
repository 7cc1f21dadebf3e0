package gopline

import (
	"fmt"
	"strconv"
)

// shortenAt is the length past which Shorten cuts a value: enough for any
// address, path or line a person types, far below what a mistake or an
// attack can paste.
const shortenAt = 80

// Shorten quotes s for an error message, cut in the middle when it is
// longer than 80 bytes, so that an error never echoes a whole large value
// back.
func Shorten(s string) string {
	if len(s) <= shortenAt {
		return strconv.Quote(s)
	}
	head, tail := s[:shortenAt/2], s[len(s)-shortenAt/4:]
	return fmt.Sprintf("%s…%s (%d bytes)", strconv.Quote(head), strconv.Quote(tail), len(s))
}
