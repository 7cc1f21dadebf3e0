package pipeline

import "github.com/gopline/gopline/media"

// Queue is a thread boundary, as GStreamer's queue: it hands on everything
// unchanged, on a goroutine of its own, and the chain after it runs there
// (see Element.Queue). Put one between a live source and a slow stage: the
// source then drops frames for the newer ones instead of waiting inside
// the slow stage's calls, and the two run on two cores. size is how many
// items it holds that the chain after it has not yet handed on (its input
// link's window, see links); 0 takes DefaultWindow.
func Queue(size int) Element {
	el := ProcessorElement("queue", Any, Any, func() (Processor[media.Item, media.Item], error) { return passOn{}, nil })
	el.Queue, el.Window = true, size
	return el
}

type passOn struct{}

func (passOn) Start(*Env) error                                  { return nil }
func (passOn) Stop() error                                       { return nil }
func (passOn) Process(v media.Item, emit func(media.Item)) error { emit(v); return nil }
