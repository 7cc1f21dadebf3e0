package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

func TestRobotCameraRunsBriefly(t *testing.T) {
	out := t.TempDir()
	// Four seconds at 30 fps is 120 frames; 20 through every stage says
	// the graph runs, with room for a machine busy with other tests.
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	var buf bytes.Buffer
	if err := run(ctx, "", out, &buf); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, m := range regexp.MustCompile(`(?m)^(\S+)\s+\S+\s+in\s+(\d+)\s+out\s+(\d+)`).FindAllStringSubmatch(buf.String(), -1) {
		in, _ := strconv.Atoi(m[2])
		outN, _ := strconv.Atoi(m[3])
		counts[m[1]+".in"], counts[m[1]+".out"] = in, outN
	}
	if counts["encoder.out"] < 20 || counts["count.in"] < 20 || counts["decoder.out"] < 20 {
		t.Fatalf("too little went through in 4 s at 30 fps:\n%s", buf.String())
	}
	if snaps, _ := filepath.Glob(filepath.Join(out, "*.png")); len(snaps) == 0 {
		t.Fatal("the viewer wrote no snapshot")
	}
}
