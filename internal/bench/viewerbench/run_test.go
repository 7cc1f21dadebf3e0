package viewerbench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/gopline/gopline/internal/bench"
	"github.com/gopline/gopline/internal/chromium"
)

// A run of the cache mode with two viewers: both paint a picture, and no
// keyframe is forced for them.
func TestCacheModeViewersPaintWithoutForcedKeyframes(t *testing.T) {
	browser, stop, err := chromium.Start()
	if errors.Is(err, chromium.ErrMissing) && os.Getenv("GOPLINE_REQUIRE_BROWSER") == "" {
		t.Skip(err.Error() + " (make test installs it)")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var progress []int
	cfg := Config{JoinPlan: bench.JoinPlan{Width: 320, Height: 240, Joins: 2, Seed: 1},
		Progress: func(done, total int) { progress = append(progress, done, total) }}
	rs, err := Run(ctx, browser, []Mode{Cache}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	t.Logf("%+v", r)
	if r.Joins != 2 || r.Undecodable != 0 || r.P50 <= 0 {
		t.Errorf("result %+v, want two joins that painted", r)
	}
	if r.ForcedIDRs != 0 || r.ExtraIDRBytes != 0 {
		t.Errorf("the cache forced %d keyframes (%d bytes)", r.ForcedIDRs, r.ExtraIDRBytes)
	}
	if fmt.Sprint(progress) != "[1 2 2 2]" {
		t.Errorf("progress (done, total) %v, want 1 of 2, 2 of 2", progress)
	}
}
