// Package promtext writes metrics in Prometheus's text exposition format
// (version 0.0.4), which Prometheus, VictoriaMetrics, Grafana Agent and
// their kind scrape. It holds no state between scrapes: a Set is filled
// from the counters of the moment and written once.
package promtext

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ContentType is the Content-Type of what a Set writes.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Kind is a metric family's type.
type Kind string

const (
	Counter Kind = "counter"
	Gauge   Kind = "gauge"
)

// Set is the metric families of one scrape, written in the order they
// were first named.
type Set struct {
	families []*Family
	byName   map[string]*Family
}

// Family is one metric: its name, help, kind and samples.
type Family struct {
	name, help string
	kind       Kind
	samples    []sample
}

type sample struct {
	labels string // rendered: {a="x",b="y"}, or "" for none
	value  float64
}

// Family returns the family called name, made with help and kind the
// first time. name must be a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*),
// or Family panics: names are the program's, not its input's.
func (s *Set) Family(name, help string, kind Kind) *Family {
	if f, ok := s.byName[name]; ok {
		return f
	}
	if !validName(name, true) {
		panic("promtext: invalid metric name " + strconv.Quote(name))
	}
	f := &Family{name: name, help: help, kind: kind}
	if s.byName == nil {
		s.byName = map[string]*Family{}
	}
	s.byName[name] = f
	s.families = append(s.families, f)
	return f
}

// Add adds a sample of value with labels, given as name, value pairs. The
// label values may hold anything (a topic's name, an error): they are
// escaped. An odd count of labels, or an invalid label name, panics.
func (f *Family) Add(value float64, labels ...string) {
	if len(labels)%2 != 0 {
		panic("promtext: labels come in name, value pairs")
	}
	var b strings.Builder
	for i := 0; i < len(labels); i += 2 {
		if !validName(labels[i], false) {
			panic("promtext: invalid label name " + strconv.Quote(labels[i]))
		}
		if i == 0 {
			b.WriteByte('{')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(labels[i])
		b.WriteString(`="`)
		escape(&b, labels[i+1], true)
		b.WriteByte('"')
	}
	if b.Len() > 0 {
		b.WriteByte('}')
	}
	f.samples = append(f.samples, sample{labels: b.String(), value: value})
}

// WriteTo writes the families that have samples, each sorted by its
// labels, to w. Samples of a family with the same labels are written as
// one, their sum: Prometheus refuses a whole scrape that repeats a series.
func (s *Set) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	bw := bufio.NewWriter(cw)
	for _, f := range s.families {
		if len(f.samples) == 0 {
			continue
		}
		slices.SortStableFunc(f.samples, func(a, b sample) int { return strings.Compare(a.labels, b.labels) })
		f.samples = mergeRepeats(f.samples)
		var help strings.Builder
		escape(&help, f.help, false)
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n", f.name, help.String(), f.name, f.kind)
		for _, sm := range f.samples {
			fmt.Fprintf(bw, "%s%s %s\n", f.name, sm.labels, formatValue(sm.value))
		}
	}
	err := bw.Flush()
	return cw.n, err
}

// mergeRepeats sums the samples of sorted that have the same labels.
func mergeRepeats(sorted []sample) []sample {
	out := sorted[:0]
	for _, sm := range sorted {
		if n := len(out); n > 0 && out[n-1].labels == sm.labels {
			out[n-1].value += sm.value
			continue
		}
		out = append(out, sm)
	}
	return out
}

// escape writes s to b as the format wants it: a backslash and a line feed
// escaped, and in a label value a double quote too.
func escape(b *strings.Builder, s string, quote bool) {
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '"' && quote:
			b.WriteString(`\"`)
		default:
			b.WriteRune(r)
		}
	}
}

// formatValue writes v as Go's shortest form, and the infinities and NaN
// as the format spells them.
func formatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// validName reports whether s is a metric name (colons allowed) or a label
// name (no colons, and not starting with __, which is Prometheus's own).
func validName(s string, metric bool) bool {
	if s == "" || (!metric && strings.HasPrefix(s, "__")) {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z'):
		case r == ':' && metric:
		case '0' <= r && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
