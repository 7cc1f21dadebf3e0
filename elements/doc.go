// Package elements holds gopline's pipeline elements: sources (test pattern,
// video files and cameras), encoders, the GOP gate, decoders, topic
// publishers and subscribers, and sinks.
//
// Each element is a thin pipeline.Stage over logic that lives and is tested
// elsewhere (codecs, qos, transport); the pipeline runs each in its own
// actor with supervision. Use the typed constructors (TestSrc, H264Enc, ...)
// from Go, or Registry for the one-line syntax and `gopline elements`.
// AppSrc and AppSink, Go only, hand frames and H.264 packets from Go code
// into a pipeline and out of it.
//
// Each element's pipeline.ElementSpec sits beside its constructor: the
// properties with their defaults, docs and ranges, bound to the fields of
// its Go config. The line's defaults, the Default...Config functions and the
// checks of a Go config all come from it.
package elements
