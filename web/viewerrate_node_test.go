package web

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The pages' frame rate of a camera slower than a picture a second is one
// over the gap between its pictures, not the pictures of the last second
// (which read 0 between two of them).
func TestPagesShowTheRateOfASlowStream(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv(requireBrowserEnv) != "" {
			t.Fatal("no node (scripts/viewer-deps.sh installs it)")
		}
		t.Skip("no node")
	}
	script := `
const src = require("fs").readFileSync("static/wsviewer.js", "utf8");
const g = new Function(src + "; return goplineWebSocket;")();
const show = (p, gap, last, now) => g.rate(p, gap, last, now);
console.log([
  show([0], 5000, 0, 4000),          // 0.2 frames/s, 4 s after a picture
  show([3940, 3970], 33, 3970, 4000), // 30 frames/s: the last second's two
  show([], 5000, 0, 12000),           // 12 s since the last: slower still
  show([], 0, null, 10),              // nothing painted yet
].join(" "));
`
	out, err := exec.Command(node, "-e", script).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), "0.2 2 0.1 0"; got != want {
		t.Fatalf("rates %q, want %q", got, want)
	}
}
