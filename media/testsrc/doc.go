// Package testsrc draws gopline's deterministic test picture: a source of
// frames for tests, demos and benchmarks that needs no camera or file.
//
// # Basics
//
// New returns a Pattern for one frame size and pixel format; Frame(n) draws
// frame number n, and FrameInto(dst, n) draws it into a frame the caller
// reuses, without allocating. The same size, format and n always give the
// same bytes, on every platform.
//
// The picture looks like a scene an encoder meets in practice rather than
// noise: smooth ramps that drift, a band of colour bars that scrolls, a box
// with sharp edges that bounces around, and a small static zone plate for
// fine detail. In the top-left corner frame number n is drawn twice: as a grid
// of large black and white cells that ReadFrameNumber reads back, even after
// JPEG or H.264 compression at usual qualities, and in digits below it for
// people. An end-to-end test can thus tell which frame a decoded picture is,
// and measure loss, reordering and latency from the pictures alone.
//
// # Caveats
//
// YUV420P is the native format, in BT.601 limited range like the rest of
// gopline, and its Frames say so (Colour), of square pixels (Aspect); RGB24
// and GRAY8 frames are exactly what media.Frame.Convert makes of the YUV420P
// frame, and cost a conversion each.
//
// Any size from 1x1 up works, but H.264 encoders want even sizes, and only
// frames of at least MinCodeWidth x MinCodeHeight (144x56) carry the code
// that ReadFrameNumber reads. ReadFrameNumber needs the frame at the size it
// was drawn at: it does not search for the code in a scaled picture.
//
// Frame returns a new Frame that the caller owns, with Seq set to n and a zero
// CaptureTime: a source stamps the time when it publishes the frame. A Pattern
// is safe for concurrent use.
package testsrc
