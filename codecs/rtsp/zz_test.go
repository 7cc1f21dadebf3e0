package rtsp

import (
	"os"
	"testing"
	"time"
)

func TestZZExt(t *testing.T) {
	url := os.Getenv("ZZURL")
	if url == "" {
		t.Skip()
	}
	t0 := time.Now()
	r := mustOpen(t, url)
	for n := range 60 {
		p, err := r.ReadPacket()
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		if n < 5 || n%10 == 0 {
			t.Logf("pkt %d key=%v %dx%d bytes=%d at +%v age=%v", p.Seq, p.Key, p.Width, p.Height, len(p.Data), now.Sub(t0).Round(time.Millisecond), now.Sub(p.CaptureTime).Round(10*time.Microsecond))
		}
	}
	t.Logf("%+v", r.Stats())
}
