package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// Two viewers that join a second into the camera's run both get a decoded
// first picture: the cached one from the replayed GOP, the other at the next
// keyframe. (A minute bounds a run that takes seconds, more on a loaded
// machine.)
func TestLateJoinersGetADecodedFirstPicture(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	res, err := run(ctx, 1100*time.Millisecond, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !res.Got.Cached || !res.Cached.Readable {
		t.Errorf("the viewer with the cache: %+v", res.Cached)
	}
	if !res.Got.Uncached || !res.Uncached.Readable {
		t.Errorf("the viewer without the cache: %+v", res.Uncached)
	}
	if res.DecoderErrors != 0 {
		t.Errorf("%d decoder errors", res.DecoderErrors)
	}
	// The cached GOP starts at the keyframe of frame 30 (or later): the
	// newest cached picture is at least that, and the next keyframe newer.
	if res.Cached.Frame < 30 || res.Uncached.Frame < res.Cached.Frame {
		t.Errorf("frames: cached %d, uncached %d", res.Cached.Frame, res.Uncached.Frame)
	}
	for _, want := range []string{"with the cache:", "without the cache:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
