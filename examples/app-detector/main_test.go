package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// Three seconds of a 30 frames/s camera and a detector that takes 100 ms a
// picture: the recording keeps every picture that entered the pipeline,
// far more than the detector could have let through had it held the
// recording back; the detector works on a few, and what it had no time for
// is dropped, not waited for.
func TestASlowDetectorDoesNotHoldTheRecordingBack(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	res, err := runGraph(ctx, filepath.Join(t.TempDir(), "run.gopline"), 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	if res.Pushed < 30 || res.Recorded != res.Pushed-res.CameraDropped || res.Recorded < 2*res.Detected {
		t.Fatalf("%+v: the recording lost pictures, or was held back to the slow detector's pace", res)
	}
	if res.Detected == 0 || res.DetectorDropped == 0 || res.Detected > res.Pushed/2 {
		t.Fatalf("%+v: want a detector that saw some pictures and had no time for the rest", res)
	}
}
