package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/testlog"
)

// A Flush error marked LossSummary is logged as what the stage lost over
// its run, and an unmarked one as a flush that failed; either fails the
// node, counted in its stats.
func TestALossSummaryIsNotLoggedAsAFailedFlush(t *testing.T) {
	for _, c := range []struct {
		err       error
		says, not string
	}{
		{LossSummary(errors.New("lost 3 packets to failed writes")), "the stage lost items over its run", "flush at end of stream failed"},
		{errors.New("the final commit failed"), "flush at end of stream failed", "lost items over its run"},
	} {
		col := &collector{flushErr: c.err}
		var log testlog.Buffer
		p := New(WithLogger(zerolog.New(&log)))
		if err := p.Chain([]string{"src", "sink"}, []Element{counter(5, 0), col.element()}); err != nil {
			t.Fatal(err)
		}
		if err := p.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- p.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("pipeline did not end")
		}
		if got := log.String(); !strings.Contains(got, c.says) || strings.Contains(got, c.not) || !strings.Contains(got, c.err.Error()) {
			t.Errorf("Flush returning %v logged %s; want %q, not %q", c.err, got, c.says, c.not)
		}
		for _, s := range p.Stats() {
			if s.Node == "sink" && s.Errors == 0 {
				t.Errorf("Flush returning %v: the sink counts no error", c.err)
			}
		}
	}
}
