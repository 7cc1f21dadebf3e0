package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/internal/bytesize"
	"github.com/gopline/gopline/media"
	"github.com/spf13/pflag"
)

// parseSize parses WIDTHxHEIGHT.
func parseSize(s string) (w, h int, err error) {
	ws, hs, ok := strings.Cut(strings.ToLower(s), "x")
	if ok {
		w, err = strconv.Atoi(ws)
		if err == nil {
			h, err = strconv.Atoi(hs)
		}
	}
	if !ok || err != nil || w <= 0 || h <= 0 || w > media.MaxDimension || h > media.MaxDimension {
		return 0, 0, fmt.Errorf("size %s: want WIDTHxHEIGHT, e.g. 640x480, each 1..%d", gopline.Shorten(s), media.MaxDimension)
	}
	return w, h, nil
}

// finiteValue is a float64 flag that refuses NaN and the infinities: no
// range check holds for NaN (every comparison with it is false).
type finiteValue float64

func (f *finiteValue) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil:
		return errors.New("not a number")
	case math.IsNaN(v) || math.IsInf(v, 0):
		return errors.New("not a finite number")
	}
	*f = finiteValue(v)
	return nil
}

func (f *finiteValue) String() string { return strconv.FormatFloat(float64(*f), 'g', -1, 64) }

func (f *finiteValue) Type() string { return "float" }

// finiteFloat defines a float64 flag that refuses NaN and the infinities.
func finiteFloat(fs *pflag.FlagSet, name string, value float64, usage string) *float64 {
	p := new(float64)
	*p = value
	fs.Var((*finiteValue)(p), name, usage)
	return p
}

// durationValue is a time.Duration flag that refuses negative durations:
// a negative --duration or --timeout means nothing. A bare number is
// seconds, as ffmpeg's -t and timeout(1) take it.
type durationValue time.Duration

func (d *durationValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	if secs, ferr := strconv.ParseFloat(s, 64); err != nil && ferr == nil && math.Abs(secs) < 1e9 {
		v, err = time.Duration(secs*float64(time.Second)), nil
	}
	if d, ok := clockDuration(s); err != nil && ok { // ffmpeg's -t 00:01:30
		v, err = d, nil
	}
	switch {
	case err != nil:
		return errors.New("not a duration (e.g. 1.5s, 2m, 1h30m, 00:01:30, or 5 for seconds)")
	case v < 0:
		return errors.New("a negative duration")
	}
	*d = durationValue(v)
	return nil
}

// String is the duration; none is "0", which help does not show as a
// default.
func (d *durationValue) String() string {
	if *d == 0 {
		return "0"
	}
	return time.Duration(*d).String()
}

func (d *durationValue) Type() string { return "duration" }

// duration defines a time.Duration flag that refuses negative durations.
func duration(fs *pflag.FlagSet, name string, value time.Duration, usage string) *time.Duration {
	p := new(time.Duration)
	*p = value
	fs.Var((*durationValue)(p), name, usage)
	return p
}

// byteSizeValue is a byte-count flag read as the one-line syntax reads one
// (internal/bytesize): 1048576, 64MiB, 500MB; never negative.
type byteSizeValue int64

func (b *byteSizeValue) Set(s string) error {
	n, err := bytesize.Parse(s)
	if err != nil {
		return err
	}
	*b = byteSizeValue(n)
	return nil
}

// String is the count with the largest binary unit that divides it; none is
// "0", which help does not show as a default.
func (b *byteSizeValue) String() string { return bytesize.Format(int64(*b)) }

func (b *byteSizeValue) Type() string { return "size" }

// stringList is a repeatable flag (also taking comma-separated values).
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Type() string { return "names" }

// Set adds the comma-separated values of v, trimmed; an empty one is an
// error (a stray comma must not add an empty name).
func (s *stringList) Set(v string) error {
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return fmt.Errorf("an empty value in %q", v)
		}
		*s = append(*s, item)
	}
	return nil
}

// quoted finds the Go-quoted strings of an error message.
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// shortenValues cuts the long quoted values in an error message (the flag
// package, for one, quotes a bad value whole), so that an error never
// echoes a large value back.
func shortenValues(msg string) string {
	return quoted.ReplaceAllStringFunc(msg, func(q string) string {
		s, err := strconv.Unquote(q)
		if err != nil {
			return q
		}
		return gopline.Shorten(s)
	})
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
