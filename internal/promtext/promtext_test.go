package promtext

import (
	"math"
	"strings"
	"testing"
)

func TestSetWritesFamiliesInOrderWithSortedSamples(t *testing.T) {
	var s Set
	in := s.Family("gopline_node_in_total", "Items a node received.", Counter)
	s.Family("gopline_empty", "Never added to.", Gauge)
	up := s.Family("up", "One.", Gauge)
	in.Add(7, "node", "encoder")
	in.Add(3, "node", "camera")
	up.Add(1)
	var b strings.Builder
	n, err := s.WriteTo(&b)
	if err != nil || n != int64(b.Len()) {
		t.Fatalf("WriteTo = %d, %v; wrote %d", n, err, b.Len())
	}
	want := `# HELP gopline_node_in_total Items a node received.
# TYPE gopline_node_in_total counter
gopline_node_in_total{node="camera"} 3
gopline_node_in_total{node="encoder"} 7
# HELP up One.
# TYPE up gauge
up 1
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// Label values come from topics' and nodes' names, which a peer or a user
// chose: whatever they hold, a sample stays one line that a scraper parses
// back to the same value.
func TestLabelValuesAreEscaped(t *testing.T) {
	var s Set
	s.Family("x", "a help with a \\ and a\nline", Gauge).Add(math.Inf(1), "topic", "/a\"b\\c\nd}")
	s.Family("y", "h", Gauge).Add(math.NaN(), "a", "1", "b", "2")
	var b strings.Builder
	if _, err := s.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	want := `# HELP x a help with a \\ and a\nline
# TYPE x gauge
x{topic="/a\"b\\c\nd}"} +Inf
# HELP y h
# TYPE y gauge
y{a="1",b="2"} NaN
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestInvalidNamesPanic(t *testing.T) {
	for _, tc := range []struct {
		what string
		f    func()
	}{
		{"a metric name with a dash", func() { new(Set).Family("a-b", "", Gauge) }},
		{"a metric name starting with a digit", func() { new(Set).Family("1a", "", Gauge) }},
		{"a label name with a colon", func() { new(Set).Family("a", "", Gauge).Add(1, "a:b", "x") }},
		{"a label name of Prometheus's own", func() { new(Set).Family("a", "", Gauge).Add(1, "__name__", "x") }},
		{"an odd count of labels", func() { new(Set).Family("a", "", Gauge).Add(1, "a") }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", tc.what)
				}
			}()
			tc.f()
		}()
	}
	if !validName("process_cpu_seconds_total", true) || !validName("a:b", true) || !validName("_a1", false) {
		t.Fatal("valid names refused")
	}
}

// Two samples of one series (two subscribers of one name) are written as
// one, their sum: Prometheus refuses a scrape that repeats a series.
func TestRepeatedSeriesAreSummed(t *testing.T) {
	var s Set
	f := s.Family("d", "h", Counter)
	f.Add(2, "sub", "a")
	f.Add(1, "sub", "b")
	f.Add(3, "sub", "a")
	var b strings.Builder
	if _, err := s.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if want := "# HELP d h\n# TYPE d counter\nd{sub=\"a\"} 5\nd{sub=\"b\"} 1\n"; b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}
