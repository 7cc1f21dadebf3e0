package ffmpeg

/*
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

// gp_tune_malloc sets glibc's malloc to serve allocations up to 32 MB from
// its heaps rather than from fresh mappings, to give freed memory back to
// the system only past 64 MB free at a heap's top, and to make at most
// arenas arenas (heaps) for the process's threads to share.
static void gp_tune_malloc(int arenas) {
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_ARENA_MAX, arenas);
#endif
}
*/
import "C"

import "runtime"

// init tunes glibc's malloc for FFmpeg's pictures, process-wide (the C heap
// of a gopline process is FFmpeg's). It runs as the package is initialised,
// before any thread has called into FFmpeg: glibc fixes its arena limit for
// good once a process has more than eight arenas.
//
// It keeps the memory of freed pictures for the next ones. A demuxer reads
// each packet into a new allocation (a raw 640x480 picture is 460 KB), and a
// Frame that aliases the decoded picture keeps that allocation until its
// last holder releases it, a few frames later. With glibc's defaults that
// memory went back to the system when the frames were released and was
// faulted in again by the next read: four times the page faults of copying
// out of one reused packet. The thresholds bound what the process keeps to
// what it held at its peak, plus 64 MB.
//
// And it bounds glibc's arenas to one per CPU. glibc gives each thread that
// first allocates an arena of its own while the process has fewer than
// eight per CPU, and the Go runtime runs cgo calls on whichever of its
// threads is free, starting new ones as calls block: a codec's pictures and
// packets were spread over as many arenas as threads had called into C
// (11 to 16 on two CPUs, more as the run went on), each keeping freed
// chunks that only the threads using that arena reuse: 9 to 23 MB free in
// all, against 2 to 13 MB with one arena per CPU (docs/benchmarks.md, "A
// robot with four cameras"). No more threads run at once than there are
// CPUs, so one arena per CPU keeps the lock contention that arenas exist
// to avoid low.
func init() { C.gp_tune_malloc(C.int(runtime.NumCPU())) }
