// Command testprogress reads `go test -json` on its standard input and says
// what the suite is doing while it runs: each package as it starts, the
// tests still running every half minute (not the parallel ones waiting
// for their turn), the whole output of every failed test, go test's own
// "ok"/"FAIL" line per package, and a closing count.
// It exits 1 when any test or package failed or nothing ran, so `go test
// -json ./... | testprogress` fails as go test would.
//
//	go test -race -count=1 -json ./... | go run ./internal/testprogress
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Time       time.Time
	Action     string
	Package    string
	ImportPath string // build-output and build-fail lines
	Test       string
	Elapsed    float64
	Output     string
}

// heartbeat is how often a quiet suite says which tests are still running.
const heartbeat = 30 * time.Second

type key struct{ pkg, test string }

type progress struct {
	out     io.Writer
	started time.Time
	running map[key]time.Time
	output  map[key][]string
	passed  int
	failed  int
	skipped int
	// skips says, for each test skipped, why: its last line of output.
	skips   []string
	pkgFail map[string]bool // packages that failed to build or whose binary failed
}

func main() {
	p := &progress{out: os.Stdout, started: time.Now(), running: map[key]time.Time{}, output: map[key][]string{}, pkgFail: map[string]bool{}}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				os.Exit(p.finish())
			}
			p.line(line)
		case <-tick.C:
			p.stillRunning()
		}
	}
}

func (p *progress) line(line string) {
	var e event
	if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &e) != nil {
		fmt.Fprintln(p.out, line) // not JSON: a build error or the like
		return
	}
	k := key{e.Package, e.Test}
	switch e.Action {
	case "build-output":
		fmt.Fprint(p.out, e.Output)
	case "build-fail":
		fmt.Fprintf(p.out, "build failed: %s\n", e.ImportPath)
		p.pkgFail[e.ImportPath] = true
	case "start":
		fmt.Fprintf(p.out, "testing %s ...\n", e.Package)
	case "run", "cont":
		p.running[k] = time.Now() // since it runs (again)
	case "pause": // a parallel test waiting for its turn
		delete(p.running, k)
	case "output":
		p.output[k] = append(p.output[k], e.Output)
	case "pass", "skip", "fail":
		p.ended(k, e)
	}
}

func (p *progress) ended(k key, e event) {
	delete(p.running, k)
	out := p.output[k]
	delete(p.output, k)
	if k.test == "" { // the package's own line
		for _, l := range out {
			if e.Action == "fail" || isSummary(l) {
				fmt.Fprint(p.out, l)
			}
		}
		if e.Action == "fail" {
			p.pkgFail[k.pkg] = true
			p.unfinished(k.pkg)
		}
		return
	}
	switch e.Action {
	case "pass":
		p.passed++
		p.raceReport(k, out)
	case "skip":
		p.skipped++
		p.skips = append(p.skips, fmt.Sprintf("%s %s: %s", shortPkg(k.pkg), k.test, skipReason(out)))
	case "fail":
		p.failed++
		for _, l := range out {
			fmt.Fprint(p.out, l)
		}
	}
}

// raceReport shows a race report in the output of a test that passed: the
// race detector's report of a race outside any test's execution (a
// goroutine left running, TestMain) lands in the output of the test that
// ran last, and its package then fails with no test failed.
func (p *progress) raceReport(k key, out []string) {
	for i, l := range out {
		if strings.Contains(l, "WARNING: DATA RACE") {
			fmt.Fprintf(p.out, "--- RACE in the output of %s %s, which passed:\n", shortPkg(k.pkg), k.test)
			for _, l := range out[i:] {
				fmt.Fprint(p.out, l)
			}
			return
		}
	}
}

// unfinished shows the tests of a failed package that never ended, as when
// its binary panicked or ran past go test's -timeout: each one's name and
// whole output, which holds the panic and the goroutines. A top-level test
// that never ended counts as failed.
func (p *progress) unfinished(pkg string) {
	var left []key
	for k := range p.output {
		if k.pkg == pkg && k.test != "" {
			left = append(left, k)
		}
	}
	sort.Slice(left, func(i, j int) bool { return left[i].test < left[j].test })
	for _, k := range left {
		if !strings.Contains(k.test, "/") {
			p.failed++
			fmt.Fprintf(p.out, "--- UNFINISHED: %s %s (its package failed while it ran)\n", shortPkg(pkg), k.test)
		}
		for _, l := range p.output[k] {
			fmt.Fprint(p.out, l)
		}
		delete(p.output, k)
		delete(p.running, k)
	}
}

// isSummary reports whether a package's output line is go test's own
// closing line for it ("ok  pkg 1.2s", "?   pkg [no test files]").
func isSummary(l string) bool {
	return strings.HasPrefix(l, "ok  \t") || strings.HasPrefix(l, "?   \t") || strings.HasPrefix(l, "FAIL\t")
}

func (p *progress) stillRunning() {
	var names []string
	now := time.Now()
	for k, t := range p.running {
		if k.test != "" && !strings.Contains(k.test, "/") {
			names = append(names, fmt.Sprintf("%s %s (%s)", shortPkg(k.pkg), k.test, now.Sub(t).Round(time.Second)))
		}
	}
	if len(names) == 0 {
		fmt.Fprintf(p.out, "... %s: building or between tests\n", now.Sub(p.started).Round(time.Second))
		return
	}
	sort.Strings(names)
	if len(names) > 6 {
		names = append(names[:6], fmt.Sprintf("and %d more", len(names)-6))
	}
	fmt.Fprintf(p.out, "... %s: running %s\n", now.Sub(p.started).Round(time.Second), strings.Join(names, ", "))
}

func shortPkg(pkg string) string {
	return strings.TrimPrefix(pkg, "github.com/gopline/gopline/")
}

func (p *progress) finish() int {
	status := 0
	switch {
	case p.failed > 0 || len(p.pkgFail) > 0:
		fmt.Fprintf(p.out, "FAIL: %d tests and %d packages failed, in %s\n", p.failed, len(p.pkgFail), time.Since(p.started).Round(time.Second))
		status = 1
	case p.passed == 0:
		fmt.Fprintln(p.out, "FAIL: no test ran")
		status = 1
	default:
		fmt.Fprintf(p.out, "PASS in %s\n", time.Since(p.started).Round(time.Second))
	}
	for _, s := range p.skips {
		fmt.Fprintf(p.out, "skipped %s\n", s)
	}
	// The closing line counts as CI reads it: "N passed, N failed, N skipped".
	fmt.Fprintf(p.out, "tests: %d passed, %d failed, %d skipped\n", p.passed, p.failed, p.skipped)
	return status
}

// skipReason is why a test was skipped, from its output: the line that
// t.Skip wrote (the last but the "--- SKIP" line), trimmed.
func skipReason(out []string) string {
	for i := len(out) - 1; i >= 0; i-- {
		l := strings.TrimSpace(out[i])
		if l != "" && !strings.HasPrefix(l, "--- SKIP") && !strings.HasPrefix(l, "=== ") {
			return l
		}
	}
	return "no reason given"
}
