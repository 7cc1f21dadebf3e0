package ffmpeg

/*
#include <libavutil/mem.h>
*/
import "C"

// MaxAlloc bounds any one allocation of FFmpeg's in a gopline process: a
// demuxer grows a packet as its input says, and a hostile or broken source
// (an MJPEG part over HTTP whose Content-Length says 1 GB, then sends on)
// took memory at the rate it sent, a gigabyte in 40 s, until the process
// was killed. 256 MiB holds an 8K picture of 16-bit RGB; the packet that
// passes it fails the read, and the source opens its stream again.
const MaxAlloc = 256 << 20

func init() { C.av_max_alloc(C.size_t(MaxAlloc)) }
