// Package syntax parses gopline's one-line pipeline syntax into a syntax tree.
//
// A pipeline fits on one line, in the spirit of gst-launch:
//
//	testsrc size=640x480 rate=30 num-frames=300 ! h264enc gop=30 ! publish topic=/camera qos=transient_local
//	subscribe topic=/camera ! gate ! h264dec ! snapshot dir=out every=30
//	testsrc ! tee name=t ! h264enc ! publish topic=/a   t. ! jpegenc ! fakesink
//	videosrc location="/data/my clip.mp4" passthrough=true ! publish topic=/cam
//
// Elements are linked by "!". An element is its type followed by key=value
// properties. name=x names an element (it stays among the properties too);
// x. then refers to it: at the start of a chain it feeds the chain from x
// (the second chain of the tee line above), after a "!" the chain feeds x.
// A chain ends where a new element or reference starts without a "!" before
// it, so "a ! b  c ! d" is two chains.
//
// This package knows no elements, their properties or their pads: it builds
// a Pipeline, and the layer above looks the elements up, checks the values and
// resolves references into links. It reports its errors, and helps that layer
// report its own, as an *Error that points into the line (see Errorf and
// Error.Caret).
//
// # Grammar
//
//	pipeline  = { space } chain { space { space } chain } { space } .
//	chain     = node { { space } "!" { space } node } .
//	node      = element | reference .
//	element   = type { space { space } property } .
//	property  = key "=" value .
//	reference = name "." [ pad ] .
//	value     = bare | '"' { char | escape } '"' | "'" { char } "'" .
//	escape    = `\\` | `\"` | `\'` | `\n` | `\t` | `\r` .
//	type      = name .
//	name      = letter { letter | digit | "-" | "_" } .
//	key, pad  = ( letter | digit | "-" | "_" ) { letter | digit | "-" | "_" } .
//	bare      = bareChar { bareChar } .
//	bareChar  = `\` space | `\!` | `\\` | any character but a space, "!" or a quote .
//	letter    = "a" … "z" | "A" … "Z" .
//	space     = any Unicode space, tabs included .
//
// Single quotes take everything to the next single quote as is; double
// quotes take backslash escapes. Quote a value that holds spaces, a "!" or a
// quote, or that is empty; or, as gst-launch and a shell take it, put a
// backslash before each space or "!" of a bare value (location=my\ clip.mp4
// is the value "my clip.mp4"), and write \\ for a backslash before one. A
// value written bare keeps its other backslashes, so dir=C:\data is the
// value C:\data, and dir=C:\data\\ is C:\data\. An escaped space followed
// by what reads as a property (dir=C:\data\ every=1) is refused: the value
// surely meant to end in a backslash.
//
// A line that starts with the gst-launch command (gst-launch-1.0 -e ...),
// as pasted from a shell, is refused: the command is no element.
//
// A word alone after an element, such as c in "a ! b  c ! d", starts a new
// chain only when what follows it is a "!", a property or a reference; at the
// end of the line, or before another word, it is taken for a property that
// lacks its "=" ("h264enc gop 30" is the error: property "gop" needs a value).
//
// # Errors
//
// Besides syntax, Parse rejects an empty line, a name given twice, a name
// that a reference cannot spell, a property given twice on one element, and a
// reference to a name that no element of the line has. GStreamer caps
// written as a node (video/x-raw,width=640, bare or quoted) are an error
// of their own, marked ErrCaps, that covers them. Which links make sense
// (a reference in the middle of a chain, a chain that is only a reference) is
// for the layer above to decide.
//
// Positions are byte offsets in the line; the columns in messages count
// characters from 1.
package syntax
