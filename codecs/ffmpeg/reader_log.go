package ffmpeg

/*
#include <stdint.h>

// The Reader whose demuxer runs on this thread, by its format context's
// address; 0 for none.
static __thread uintptr_t gp_demuxing;

static void gp_set_demuxing(uintptr_t fc) { gp_demuxing = fc; }
static uintptr_t gp_get_demuxing(void) { return gp_demuxing; }
*/
import "C"

import "runtime"

// demuxing runs f, a call of FFmpeg's on the Reader's format context
// (opening, probing, reading a packet), with the lines FFmpeg logs on its
// thread meanwhile from contexts no gopline object owns sent to the
// Reader's log: those of the parser and the probing decoder libavformat
// keeps inside each stream, which name no parent ("[h264 @ 0x...] illegal
// POC type 5" for a damaged SPS), so that they carry the node as the
// decoder's own lines do.
func (r *Reader) demuxing(f func() error) error {
	if r.fcAt == 0 {
		return f()
	}
	runtime.LockOSThread()
	C.gp_set_demuxing(C.uintptr_t(r.fcAt))
	defer func() {
		C.gp_set_demuxing(0)
		runtime.UnlockOSThread()
	}()
	return f()
}

// demuxingLog is the contextLog of the Reader whose demuxer runs on the
// calling thread (see demuxing), or nil. For FFmpeg's log callback.
func demuxingLog() *contextLog {
	at := uintptr(C.gp_get_demuxing())
	if at == 0 {
		return nil
	}
	if c, ok := contextLogs.Load(at); ok {
		return c.(*contextLog)
	}
	return nil
}
