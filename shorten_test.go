package gopline

import (
	"strings"
	"testing"
)

func TestShortenCutsLongValuesInTheMiddle(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", `""`},
		{"127.0.0.1:7400", `"127.0.0.1:7400"`},
		{strings.Repeat("a", 80), `"` + strings.Repeat("a", 80) + `"`},
		{strings.Repeat("a", 40) + strings.Repeat("b", 100_000) + strings.Repeat("c", 20),
			`"` + strings.Repeat("a", 40) + `"…"` + strings.Repeat("c", 20) + `" (100060 bytes)`},
	} {
		if got := Shorten(c.in); got != c.want {
			t.Errorf("Shorten(%d bytes) = %.100s, want %.100s", len(c.in), got, c.want)
		}
	}
}
