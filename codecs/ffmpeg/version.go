package ffmpeg

/*
#cgo pkg-config: libavcodec libavutil
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
*/
import "C"

import "fmt"

// LibavcodecVersion returns the version of the libavcodec gopline runs
// with, e.g. "59.37.100" for FFmpeg 5.1.
func LibavcodecVersion() string {
	v := uint32(C.avcodec_version())
	return fmt.Sprintf("%d.%d.%d", v>>16, (v>>8)&0xff, v&0xff)
}

// Version returns FFmpeg's own version string, e.g. "5.1.9-0+deb12u1".
func Version() string { return C.GoString(C.av_version_info()) }
