package qos_test

import (
	"errors"
	"testing"

	"github.com/gopline/gopline/qos"
)

// A profile's text comes from command lines and from other nodes (a remote
// subscriber's request): whatever it is, ParseProfile returns a valid
// profile that reads back from its own String, or an error wrapping
// ErrBadProfile.
func FuzzParseProfile(f *testing.F) {
	for _, c := range profileCases {
		f.Add(c.in)
	}
	for _, s := range []string{"", ",", "=", "depth=", "durable_video,durable_video", "keep_all,depth=2",
		"max_bytes=9999999999GiB", "deadline=-1s", "reliability=reliable=reliable", "keep_all=1", "keep_last=2,keep_last=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := qos.ParseProfile(s)
		if err != nil {
			if !errors.Is(err, qos.ErrBadProfile) {
				t.Fatalf("ParseProfile(%q): error %v does not wrap ErrBadProfile", s, err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("ParseProfile(%q) = %+v, invalid: %v", s, p, err)
		}
		again, err := qos.ParseProfile(p.String())
		if err != nil || again != p {
			t.Fatalf("ParseProfile(%q) = %+v, whose String %q reads back as %+v, %v", s, p, p.String(), again, err)
		}
	})
}
