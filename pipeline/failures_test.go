package pipeline

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
)

var errCameraDown = errors.New("the camera never answered")

// failingSource ends its stream at once with its error, as a camera that
// never opened does.
type failingSource struct{}

func (failingSource) Start(*Env) error { return nil }
func (failingSource) Stop() error      { return nil }
func (failingSource) Next() (*media.Frame, time.Time, error) {
	return nil, time.Time{}, errCameraDown
}

// A source that failed its stream fails the run: Wait's error names it,
// says why, and is the source's own error for errors.Is; the chains
// beside it that did their work are not named.
func TestWaitReturnsTheErrorOfASourceThatFailed(t *testing.T) {
	p := New()
	for _, err := range []error{
		p.Chain([]string{"camera", "camsink"}, []Element{
			SourceElement("failing", Frames, func() (Source[*media.Frame], error) { return failingSource{}, nil }), (&collector{}).element()}),
		p.Chain([]string{"pattern", "sink"}, []Element{counter(5, 0), (&collector{}).element()}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	f := runFailing(t, p, "camera")
	if !errors.Is(f, errCameraDown) || !strings.Contains(f.Error(), "camera (failing) 1 error (the last: the camera never answered)") {
		t.Fatalf("Wait = %v, want the camera's error", f)
	}
	if again := p.Stop(); !errors.Is(again, errCameraDown) {
		t.Fatalf("Stop after Wait = %v, want Wait's error", again)
	}
}

func TestAFailedErrorQuotesALongErrorClipped(t *testing.T) {
	long := errors.New(strings.Repeat("é", 400))
	f := &FailedError{Nodes: []NodeFailure{{Node: "src", Element: "videosrc", Errors: 2, Err: long}}}
	msg := f.Error()
	if !strings.HasPrefix(msg, "pipeline: src (videosrc) 2 errors (the last: éé") || !strings.HasSuffix(msg, "…)") || len(msg) > 400 {
		t.Fatalf("Error() = %q, want the error cut on a character, marked", msg)
	}
}

// nilSource breaks Source's contract: an item that is nil, and no error.
type nilSource struct{ calls int }

func (*nilSource) Start(*Env) error { return nil }
func (*nilSource) Stop() error      { return nil }
func (s *nilSource) Next() (*media.Frame, time.Time, error) {
	s.calls++
	return nil, time.Time{}, nil
}

// nilProcessor hands on a nil frame for every other one.
type nilProcessor struct{ n int }

func (*nilProcessor) Start(*Env) error { return nil }
func (*nilProcessor) Stop() error      { return nil }
func (p *nilProcessor) Process(f *media.Frame, emit func(*media.Frame)) error {
	if p.n++; p.n%2 == 0 {
		emit(nil)
		return nil
	}
	emit(f)
	return nil
}

// A nil item is no item: a source that returns one with no error ends its
// stream with ErrNilItem, and one a stage hands on is left out and counted
// as its error, instead of a nil dereference in the nodes after it.
func TestANilItemIsAnErrorOfItsStage(t *testing.T) {
	src := &nilSource{}
	p := New()
	if err := p.Chain([]string{"src", "sink"}, []Element{
		SourceElement("nil", Frames, func() (Source[*media.Frame], error) { return src, nil }), (&collector{}).element()}); err != nil {
		t.Fatal(err)
	}
	if f := runFailing(t, p, "src"); !errors.Is(f, ErrNilItem) || src.calls != 1 {
		t.Fatalf("Wait = %v after %d calls of Next, want ErrNilItem after one", f, src.calls)
	}

	c := &collector{}
	p = New()
	if err := p.Chain([]string{"src", "holes", "sink"}, []Element{counter(10, 0),
		ProcessorElement("holes", Frames, Frames, func() (Processor[*media.Frame, *media.Frame], error) { return &nilProcessor{}, nil }),
		c.element()}); err != nil {
		t.Fatal(err)
	}
	f := runFailing(t, p, "holes")
	if !errors.Is(f, ErrNilItem) || f.Nodes[0].Errors != 5 || len(c.got()) != 5 {
		t.Fatalf("Wait = %v, sink got %v: want the 5 nil frames counted and the 5 others through", f, c.got())
	}
}
