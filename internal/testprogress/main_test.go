package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func feed(t *testing.T, p *progress, events ...event) {
	t.Helper()
	for _, e := range events {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		p.line(string(b))
	}
}

func newProgress(out *strings.Builder) *progress {
	return &progress{out: out, started: time.Now(), running: map[key]time.Time{}, output: map[key][]string{}, pkgFail: map[string]bool{}}
}

// A package whose binary ran past go test's -timeout ends with a fail for
// the package alone: the test that was running, and the panic in its
// output, are shown and counted.
func TestATimedOutPackageShowsTheTestThatWasRunning(t *testing.T) {
	var out strings.Builder
	p := newProgress(&out)
	const pkg = "github.com/gopline/gopline/cmd/gopline"
	feed(t, p,
		event{Action: "start", Package: pkg},
		event{Action: "run", Package: pkg, Test: "TestQuick"},
		event{Action: "output", Package: pkg, Test: "TestQuick", Output: "quick's log\n"},
		event{Action: "pass", Package: pkg, Test: "TestQuick"},
		event{Action: "run", Package: pkg, Test: "TestSlow"},
		event{Action: "run", Package: pkg, Test: "TestSlow/part"},
		event{Action: "output", Package: pkg, Test: "TestSlow/part", Output: "part's log\n"},
		event{Action: "output", Package: pkg, Test: "TestSlow", Output: "panic: test timed out after 10m0s\n"},
		event{Action: "output", Package: pkg, Output: "FAIL\tgithub.com/gopline/gopline/cmd/gopline\t600.1s\n"},
		event{Action: "fail", Package: pkg},
	)
	got := out.String()
	for _, want := range []string{"UNFINISHED: cmd/gopline TestSlow", "panic: test timed out", "part's log", "FAIL\tgithub.com/gopline/gopline/cmd/gopline"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "quick's log") || strings.Contains(got, "UNFINISHED: cmd/gopline TestSlow/part") {
		t.Errorf("a passed test's output or a subtest as unfinished test in:\n%s", got)
	}
	if p.failed != 1 || p.passed != 1 || !p.pkgFail[pkg] || len(p.running) != 0 {
		t.Errorf("failed %d, passed %d, package failed %v, still running %v: want 1, 1, true, none", p.failed, p.passed, p.pkgFail[pkg], p.running)
	}
	if status := p.finish(); status != 1 {
		t.Errorf("exit status %d, want 1", status)
	}
}

// A package that passes shows only go test's line for it.
func TestAPassingPackageShowsOnlyItsSummary(t *testing.T) {
	var out strings.Builder
	p := newProgress(&out)
	const pkg = "github.com/gopline/gopline/media"
	feed(t, p,
		event{Action: "start", Package: pkg},
		event{Action: "run", Package: pkg, Test: "TestA"},
		event{Action: "output", Package: pkg, Test: "TestA", Output: "a's log\n"},
		event{Action: "pass", Package: pkg, Test: "TestA"},
		event{Action: "output", Package: pkg, Output: "ok  \tgithub.com/gopline/gopline/media\t1.0s\n"},
		event{Action: "pass", Package: pkg},
	)
	if got, want := out.String(), "testing "+pkg+" ...\nok  \tgithub.com/gopline/gopline/media\t1.0s\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
	if p.finish() != 0 {
		t.Error("a passing run failed")
	}
}

// A race report that lands in a passed test's output (a race outside any
// test's execution) is shown: its package fails with no test failed.
func TestARaceOutsideTheTestsIsShown(t *testing.T) {
	var out strings.Builder
	p := newProgress(&out)
	const pkg = "github.com/gopline/gopline"
	feed(t, p,
		event{Action: "start", Package: pkg},
		event{Action: "run", Package: pkg, Test: "TestA"},
		event{Action: "output", Package: pkg, Test: "TestA", Output: "a's log\n"},
		event{Action: "output", Package: pkg, Test: "TestA", Output: "==================\n"},
		event{Action: "output", Package: pkg, Test: "TestA", Output: "WARNING: DATA RACE\n"},
		event{Action: "output", Package: pkg, Test: "TestA", Output: "Write at 0x00c by goroutine 7:\n"},
		event{Action: "pass", Package: pkg, Test: "TestA"},
		event{Action: "output", Package: pkg, Output: "testing: race detected outside of test execution\n"},
		event{Action: "output", Package: pkg, Output: "FAIL\tgithub.com/gopline/gopline\t2.6s\n"},
		event{Action: "fail", Package: pkg},
	)
	got := out.String()
	if !strings.Contains(got, "WARNING: DATA RACE\nWrite at 0x00c by goroutine 7:\n") || strings.Contains(got, "a's log") ||
		!strings.Contains(got, "race detected outside of test execution") {
		t.Errorf("output %q, want the race report and the package's lines", got)
	}
	if p.finish() == 0 {
		t.Error("the failed package passed")
	}
}

// A parallel test that waits for its turn is not among the tests still
// running, until it runs again.
func TestAPausedTestIsNotRunning(t *testing.T) {
	var out strings.Builder
	p := newProgress(&out)
	const pkg = "github.com/gopline/gopline/cmd/gopline"
	feed(t, p,
		event{Action: "start", Package: pkg},
		event{Action: "run", Package: pkg, Test: "TestWaiting"},
		event{Action: "pause", Package: pkg, Test: "TestWaiting"},
		event{Action: "run", Package: pkg, Test: "TestBusy"},
	)
	p.stillRunning()
	if got := out.String(); !strings.Contains(got, "running cmd/gopline TestBusy (") || strings.Contains(got, "TestWaiting") {
		t.Errorf("with TestWaiting paused: %q; want TestBusy alone running", got)
	}
	out.Reset()
	feed(t, p,
		event{Action: "pass", Package: pkg, Test: "TestBusy"},
		event{Action: "cont", Package: pkg, Test: "TestWaiting"},
	)
	p.stillRunning()
	if got := out.String(); !strings.Contains(got, "running cmd/gopline TestWaiting (") || strings.Contains(got, "TestBusy") {
		t.Errorf("with TestWaiting going on: %q; want it alone running", got)
	}
}

// A skipped test is named at the end with why it was skipped: a suite that
// skips what a machine lacks says what it did not test.
func TestSkippedTestsAreNamedWithTheirReason(t *testing.T) {
	var out strings.Builder
	p := newProgress(&out)
	const pkg = "github.com/gopline/gopline/elements"
	feed(t, p,
		event{Action: "start", Package: pkg},
		event{Action: "run", Package: pkg, Test: "TestGst"},
		event{Action: "output", Package: pkg, Test: "TestGst", Output: "=== RUN   TestGst\n"},
		event{Action: "output", Package: pkg, Test: "TestGst", Output: "    rtpsrc_test.go:131: gst-launch-1.0 is not installed\n"},
		event{Action: "output", Package: pkg, Test: "TestGst", Output: "--- SKIP: TestGst (0.00s)\n"},
		event{Action: "skip", Package: pkg, Test: "TestGst"},
		event{Action: "run", Package: pkg, Test: "TestA"},
		event{Action: "pass", Package: pkg, Test: "TestA"},
		event{Action: "pass", Package: pkg},
	)
	if p.finish() != 0 {
		t.Error("a run with a skip failed")
	}
	want := "skipped elements TestGst: rtpsrc_test.go:131: gst-launch-1.0 is not installed\ntests: 1 passed, 0 failed, 1 skipped\n"
	if got := out.String(); !strings.HasSuffix(got, want) {
		t.Errorf("output ends %q, want %q", got, want)
	}
}
