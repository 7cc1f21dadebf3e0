package pipeline

import (
	"fmt"
	"time"

	"github.com/gopline/gopline/media"
)

// Element is one kind of stage, as a graph sees it: its type name, what it
// takes and what it gives, and how to make its logic. Make one with
// ProcessorElement, SinkElement, SourceElement or PushSourceElement: they tie
// the element's caps to the Go types its stage takes and gives.
type Element struct {
	// Type is the element's registry name, e.g. "h264enc".
	Type string
	// In is None for sources; Out is None for sinks.
	In, Out Caps
	// New makes the element's stage. It is called when the node starts and
	// again after every restart (a panic in the stage), so a restarted stage
	// begins from a clean state. A wrapper may replace it with one whose
	// stage is of the same kind (a Processor[*media.Frame, *media.Packet]
	// stays one); another kind fails the node's start.
	New func() (Stage, error)
	// Queue makes the element's node a thread boundary, as gst's queue: it
	// runs on a goroutine of its own, and the chain it feeds runs in its
	// calls (see runsInline). Other nodes run in their upstream's calls.
	Queue bool
	// Window is how many items the link into the element's node carries
	// unacknowledged; 0 takes DefaultWindow.
	Window int
	// KeyframeRequested, if set, answers the keyframe requests that reach
	// the element's node from downstream, at once, in the goroutine of the
	// node that asks, instead of in a message the node handles between its
	// own calls. It is for a source that waits in Next for items that come
	// from outside the pipeline (elements.AppSrc, fed by Go code), whose
	// node would see a request only once its next item came. It is called
	// from any goroutine, at any time, and must not block.
	KeyframeRequested func()

	// drive adapts what New made to the node's item-agnostic calls; set by
	// the constructors, with invalid the error of caps that do not match the
	// stage's types.
	drive   func(Stage, func(media.Item)) (driven, error)
	invalid error
	// push: the element's stage is a PushSource (a subscriber), whose
	// Start the producing sources of its pipeline wait for (see
	// coordinator.beginReady).
	push bool
}

// Stage is what every stage does: start and stop. The node's actor calls a
// stage from one goroutine at a time, so a stage needs no locks. A stage is
// one of Processor, Sink, Source or PushSource; its element's constructor
// says which.
type Stage interface {
	// Start prepares the stage; env stays valid until Stop returns.
	Start(env *Env) error
	// Stop frees the stage's resources. It is called when the pipeline
	// stops and before a restart.
	Stop() error
}

// Processor is a stage with an input and an output: Process handles one
// item and hands on what it makes of it, zero or more items, with emit. An
// error is logged and counted; the stream goes on. emit never blocks: an
// item a link cannot take yet waits in the node, and the node takes no
// further input until then. emit is valid during the call only.
type Processor[In, Out media.Item] interface {
	Stage
	Process(item In, emit func(Out)) error
}

// Sink is a stage with an input and no output.
type Sink[In media.Item] interface {
	Stage
	Process(item In) error
}

// Source is a stage that produces items when asked. Next returns the next
// item and when it is due: a zero time means "as fast as the pipeline
// takes it" (a file read to the end), a time means "at that moment" (a
// camera, or real-time pacing). A paced frame whose moment comes while the
// pipeline is still busy is dropped and counted, so a live source never
// falls behind. A paced *media.Packet is never dropped at the source, since
// a lost delta breaks its GOP: it goes out late and the source catches up
// (a topic sheds whole GOPs for slow subscribers). Next returns io.EOF at
// the end of the stream.
type Source[Out media.Item] interface {
	Stage
	Next() (item Out, due time.Time, err error)
}

// Planner is implemented by a source of paced frames that knows each
// frame's moment before it makes the frame (a test pattern drawn at its
// rate). Plan says when the next frame is due (io.EOF at the end of the
// stream); then either Next makes that frame, or Skip passes over it,
// when the pipeline is still busy at its moment and it would be dropped.
// So a live source whose downstream is slow makes only the frames that go
// out, instead of drawing pictures to throw them away. Plan may be called
// again before Next or Skip, for the frame after (the pacer looks one frame
// ahead); Next and Skip take the earliest frame planned.
type Planner interface {
	Plan() (due time.Time, err error)
	Skip()
}

// isFrames reports whether Out is *media.Frame.
func isFrames[Out media.Item]() bool {
	var zero Out
	_, ok := any(zero).(*media.Frame)
	return ok
}

// PushSource is a source whose items come in actor messages, such as a
// topic subscriber's deliveries. It receives the node's messages (Receive
// reports whether it handled msg; emit is valid during the call only),
// learns when everything it emitted has been taken by the downstream links
// (Drained: time to acknowledge its own upstream, e.g. a topic's window),
// and ends its stream (Env.End) when the pipeline halts it (Halt: at once,
// or within the stop timeout once what is on its way has come). The stop
// sequence in the package documentation says when Halt comes.
type PushSource[Out media.Item] interface {
	Stage
	Receive(msg any, emit func(Out)) (handled bool, err error)
	Drained()
	Halt()
}

// Unneeded is implemented by push sources that can end at once when
// nothing takes their items any more (their every consumer ended its chain:
// see Final), rather than as at the pipeline's stop (Halt), which may wait
// for what is on its way: a topic subscriber leaves its topic then, instead
// of waiting for its own pipeline's publishers. Unneeded ends the stream
// (Env.End), in the node's goroutine.
//
// A producing source (Source) that implements it is told too, before its
// node ends its stream: one fed by Go code (elements.AppSrc) then refuses
// what is pushed instead of taking it for nobody.
type Unneeded interface{ Unneeded() }

// Flusher is implemented by sinks that hold items back (a recorder's
// batch): Flush is called at end of stream, before the end travels on.
type Flusher interface{ Flush() error }

// ProcessorFlusher is implemented by processors that hold items back (a
// decoder's reordered pictures): Flush hands them on with emit at end of
// stream, before the end travels on.
type ProcessorFlusher[Out media.Item] interface {
	Flush(emit func(Out)) error
}

// KeyframeForcer is implemented by stages that can answer a keyframe request
// from downstream: an encoder forces an IDR, a subscriber forwards the request
// to its topic. Requests reaching other stages travel further upstream.
type KeyframeForcer interface{ ForceKeyframe() }

// ProcessorElement is an element whose stage takes In and gives Out, e.g.
// an encoder: ProcessorElement("h264enc", Frames, Packets(media.H264), ...)
// makes Processor[*media.Frame, *media.Packet] stages. A stage that takes or
// gives frames and packets alike uses media.Item and the caps Any.
func ProcessorElement[In, Out media.Item](typ string, in, out Caps, newStage func() (Processor[In, Out], error)) Element {
	el := element(typ, in, out, func() (Stage, error) { return newStage() })
	el.invalid = firstError(capsOf[In](typ, "input", in), capsOf[Out](typ, "output", out))
	el.drive = func(s Stage, emit func(media.Item)) (driven, error) {
		p, ok := s.(Processor[In, Out])
		if !ok {
			return driven{}, kindError[Processor[In, Out]](s)
		}
		typed := emits[Out](emit)
		d := driven{stage: s, process: takes(in, func(it In) error { return p.Process(it, typed) })}
		if f, ok := s.(ProcessorFlusher[Out]); ok {
			d.flush = func() error { return f.Flush(typed) }
		}
		return d, nil
	}
	return el
}

// SinkElement is an element whose stage takes In and gives nothing.
func SinkElement[In media.Item](typ string, in Caps, newStage func() (Sink[In], error)) Element {
	el := element(typ, in, None, func() (Stage, error) { return newStage() })
	el.invalid = capsOf[In](typ, "input", in)
	el.drive = func(s Stage, _ func(media.Item)) (driven, error) {
		k, ok := s.(Sink[In])
		if !ok {
			return driven{}, kindError[Sink[In]](s)
		}
		return driven{stage: s, process: takes(in, k.Process)}, nil
	}
	return el
}

// SourceElement is an element whose stage produces Out when asked.
func SourceElement[Out media.Item](typ string, out Caps, newStage func() (Source[Out], error)) Element {
	el := element(typ, None, out, func() (Stage, error) { return newStage() })
	el.invalid = capsOf[Out](typ, "output", out)
	el.drive = func(s Stage, _ func(media.Item)) (driven, error) {
		src, ok := s.(Source[Out])
		if !ok {
			return driven{}, kindError[Source[Out]](s)
		}
		drv := driven{stage: s, next: func() (media.Item, time.Time, error) {
			it, due, err := src.Next()
			if err != nil {
				return nil, due, err
			}
			if isNil(it) {
				return nil, due, fmt.Errorf("%w: %s's Next returned no item and no error (io.EOF ends its stream)", ErrNilItem, typ)
			}
			return it, due, nil
		}}
		// Only frames are dropped at the source, so only a source of
		// frames is planned.
		if p, ok := s.(Planner); ok && isFrames[Out]() {
			drv.plan = p
		}
		return drv, nil
	}
	return el
}

// PushSourceElement is an element whose stage emits Out as actor messages
// come. Its out caps may be None: a push source that keeps what comes (a
// recorder of topics) is a sink of its own.
func PushSourceElement[Out media.Item](typ string, out Caps, newStage func() (PushSource[Out], error)) Element {
	el := element(typ, None, out, func() (Stage, error) { return newStage() })
	if out.Kind != KindNone {
		el.invalid = capsOf[Out](typ, "output", out)
	}
	el.drive = func(s Stage, emit func(media.Item)) (driven, error) {
		ps, ok := s.(PushSource[Out])
		if !ok {
			return driven{}, kindError[PushSource[Out]](s)
		}
		typed := emits[Out](emit)
		return driven{stage: s, push: ps,
			receive: func(msg any) (bool, error) { return ps.Receive(msg, typed) }}, nil
	}
	el.push = true
	return el
}

// isNil reports whether item is no item: a nil interface, frame or packet.
func isNil(item media.Item) bool {
	switch it := item.(type) {
	case nil:
		return true
	case *media.Frame:
		return it == nil
	case *media.Packet:
		return it == nil
	}
	return false
}

// emits adapts the node's emit to a stage that emits Out.
func emits[Out media.Item](emit func(media.Item)) func(Out) {
	if direct, ok := any(emit).(func(Out)); ok {
		return direct // Out is media.Item: no call in between
	}
	return func(o Out) { emit(o) }
}

// takes adapts a stage's typed Process to the items of an input with caps
// in. The node has checked each item against the caps, which match In, so
// this refuses an item only when the element's caps were changed after it
// was made.
func takes[In media.Item](in Caps, process func(In) error) func(media.Item) error {
	if direct, ok := any(process).(func(media.Item) error); ok {
		return direct // In is media.Item: nothing to assert for each item
	}
	return func(item media.Item) error {
		it, ok := item.(In)
		if !ok {
			return fmt.Errorf("%w: %T into an input for %v", ErrMismatch, item, in)
		}
		return process(it)
	}
}

func element(typ string, in, out Caps, newStage func() (Stage, error)) Element {
	return Element{Type: typ, In: in, Out: out, New: newStage}
}

// capsOf checks that caps c describe the Go type T: raw frames for
// *media.Frame, packets for *media.Packet, Any for media.Item.
func capsOf[T media.Item](typ, side string, c Caps) error {
	var zero T
	want := KindAny
	switch any(zero).(type) {
	case *media.Frame:
		want = KindFrame
	case *media.Packet:
		want = KindPacket
	default:
		if _, item := any(&zero).(*media.Item); !item {
			want = KindNone // a type that only pretends to be an item
		}
	}
	if c.Kind != want || want == KindNone {
		return fmt.Errorf("%w: element %s says its %s is %v but its stage handles %T", ErrBadGraph, typ, side, c, zero)
	}
	return nil
}

// kindError says that a stage is not of the kind its element was made for
// (a wrapper of Element.New changed it).
func kindError[Want any](s Stage) error {
	return fmt.Errorf("%w: stage %T is not a %T", ErrBadGraph, s, (*Want)(nil))
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// driven is a started stage as its node drives it: its typed methods behind
// item-agnostic calls. Exactly one of process, next and receive is set.
type driven struct {
	stage   Stage
	process func(item media.Item) error             // processors and sinks
	next    func() (media.Item, time.Time, error)   // sources
	plan    Planner                                 // sources of frames that plan them
	receive func(msg any) (handled bool, err error) // push sources
	flush   func() error                            // processors that hold items back
	push    interface {
		Drained()
		Halt()
	} // push sources
}
