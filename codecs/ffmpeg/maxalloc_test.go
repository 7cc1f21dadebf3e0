package ffmpeg

import (
	"testing"

	"github.com/asticode/go-astiav"
)

// FFmpeg allocates no packet past MaxAlloc, whatever its input says.
func TestFFmpegAllocatesNoPacketPastMaxAlloc(t *testing.T) {
	pkt := astiav.AllocPacket()
	defer pkt.Free()
	if err := pkt.AllocPayload(MaxAlloc + 1); err == nil {
		t.Fatalf("a packet of %d bytes was allocated", MaxAlloc+1)
	}
	if err := pkt.AllocPayload(1 << 20); err != nil {
		t.Fatalf("a packet of 1 MiB: %v", err)
	}
}
