package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/gopline/gopline/pipeline"
)

// enough is how many frames must go through every stage to say the graph
// runs: under a second of the camera's 30 fps.
const enough = 20

func TestRobotCameraRunsBriefly(t *testing.T) {
	out := t.TempDir()
	p, err := graph("", out)
	if err != nil {
		t.Fatal(err)
	}
	// The graph runs until enough frames went through every stage and the
	// viewer wrote a snapshot: under a second on a quiet machine, many on
	// a loaded one, whose camera drops the frames it is late for. A
	// minute bounds a graph that never gets there.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
wait:
	for !ranEnough(p.Stats(), out) {
		select {
		case <-tick.C:
		case <-p.Done():
			break wait
		case <-ctx.Done():
			break wait
		}
	}
	var buf bytes.Buffer
	if err := stop(p, &buf); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, m := range regexp.MustCompile(`(?m)^(\S+)\s+\S+\s+in\s+(\d+)\s+out\s+(\d+)`).FindAllStringSubmatch(buf.String(), -1) {
		in, _ := strconv.Atoi(m[2])
		outN, _ := strconv.Atoi(m[3])
		counts[m[1]+".in"], counts[m[1]+".out"] = in, outN
	}
	if counts["encoder.out"] < enough || counts["count.in"] < enough || counts["decoder.out"] < enough {
		t.Fatalf("too little went through in a minute at 30 fps, want %d through every stage:\n%s", enough, buf.String())
	}
	if snaps, _ := filepath.Glob(filepath.Join(out, "*.png")); len(snaps) == 0 {
		t.Fatal("the viewer wrote no snapshot")
	}
}

// ranEnough says whether enough frames came out of the encoder and the
// viewer's decoder and into the monitor's sink, and the viewer wrote a
// snapshot in the directory out.
func ranEnough(stats []pipeline.NodeStats, out string) bool {
	counts := map[string]uint64{}
	for _, s := range stats {
		counts[s.Node+".in"], counts[s.Node+".out"] = s.In, s.Out
	}
	snaps, _ := filepath.Glob(filepath.Join(out, "*.png"))
	return counts["encoder.out"] >= enough && counts["count.in"] >= enough && counts["decoder.out"] >= enough && len(snaps) > 0
}
