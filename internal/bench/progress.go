package bench

import "sync"

// Progress counts a study's steps done of a known total and reports each
// one to a callback (a progress bar), one call at a time whichever
// goroutine makes the step. A nil *Progress, or one without a callback,
// counts nothing.
type Progress struct {
	mu          sync.Mutex
	done, total int
	report      func(done, total int)
}

// NewProgress returns a Progress of total steps reporting to report; with
// a nil report it returns nil.
func NewProgress(total int, report func(done, total int)) *Progress {
	if report == nil {
		return nil
	}
	return &Progress{total: total, report: report}
}

// Step counts one step done and reports it.
func (p *Progress) Step() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	p.report(p.done, p.total)
}
