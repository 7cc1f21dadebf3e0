package codecstudy

import "github.com/gopline/gopline/internal/bench"

// Option sets how Codecs and StorageTable run; none changes their results.
type Option func(*options)

type options struct {
	progress func(done, total int)
}

// WithProgress has the study call report after each of its stages (a codec
// setting measured, a quality search done) with the stages done and their
// total, one call at a time.
func WithProgress(report func(done, total int)) Option {
	return func(o *options) { o.progress = report }
}

// newProgress counts a study of stages stages for opts' callback.
func newProgress(stages int, opts []Option) *bench.Progress {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return bench.NewProgress(stages, o.progress)
}
