package ffmpeg

/*
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

// gp_keep_freed_pictures sets glibc's malloc to serve allocations up to
// 32 MB from its heap rather than from fresh mappings, and to give freed
// memory back to the system only past 64 MB free at the heap's top.
static void gp_keep_freed_pictures(void) {
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}
*/
import "C"

import "sync"

var keepFreedPictures sync.Once

// tuneMalloc makes glibc keep the memory of freed pictures for the next
// ones, process-wide, once (the C heap of a gopline process is FFmpeg's).
//
// A demuxer reads each packet into a new allocation (a raw 640x480 picture
// is 460 KB), and a Frame that aliases the decoded picture keeps that
// allocation until its last holder releases it, a few frames later. With
// glibc's defaults that memory went back to the system when the frames
// were released and was faulted in again by the next read: four times the
// page faults of copying out of one reused packet. The thresholds bound
// what the process keeps to what it held at its peak, plus 64 MB.
func tuneMalloc() { keepFreedPictures.Do(func() { C.gp_keep_freed_pictures() }) }
