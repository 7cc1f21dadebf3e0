package ffmpeg

import (
	"fmt"
	"os"
	"testing"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/codecs/h264"
)

// demuxed returns each of ps as a packet of stream 0 in a buffer of
// FFmpeg's, as a demuxer hands it on; the test frees them.
func demuxed(t testing.TB, ps []joinPacket) []*astiav.Packet {
	t.Helper()
	out := make([]*astiav.Packet, len(ps))
	for i, p := range ps {
		pkt := astiav.AllocPacket()
		t.Cleanup(pkt.Free)
		if err := pkt.FromData(append(append([]byte(nil), p.data...), zeroPadding[:]...)); err != nil {
			t.Fatal(err)
		}
		pkt.SetSize(len(p.data))
		pkt.SetPts(p.pts)
		pkt.SetDts(p.dts)
		pkt.SetFlags(p.flags)
		out[i] = pkt
	}
	return out
}

// encodedStream returns n pictures of the test pattern at w x h as
// gopline's encoder codes them (one slice each, an IDR every 30), as
// joinPackets.
func encodedStream(t testing.TB, w, h, n int) []joinPacket {
	t.Helper()
	var ps []joinPacket
	for i, p := range encodeClip(t, pattern(t, w, h), n) {
		var flags astiav.PacketFlags
		if p.Key {
			flags = astiav.PacketFlags(astiav.PacketFlagKey)
		}
		ps = append(ps, joinPacket{data: p.Data, pts: int64(i) * 3000, dts: int64(i) * 3000, flags: flags})
	}
	return ps
}

// joinLaps puts the packets of src through j as readJoined does, lap after
// lap, n packets in all, each handed on and unreferenced as a Reader's
// caller does. It returns the packets handed on and their bytes.
func joinLaps(b *testing.B, j *pictureJoin, src []*astiav.Packet) (out, bytes int) {
	pkt := astiav.AllocPacket()
	defer pkt.Free()
	for i := 0; i < b.N; i++ {
		if err := pkt.Ref(src[i%len(src)]); err != nil {
			b.Fatal(err)
		}
		if j.take(pkt) {
			out, bytes = out+1, bytes+pkt.Size()
			pkt.Unref()
			continue
		}
		for {
			ok, err := j.load(pkt, 0)
			if err != nil {
				b.Fatal(err)
			}
			if !ok {
				break
			}
			out, bytes = out+1, bytes+pkt.Size()
			pkt.Unref()
		}
	}
	return out, bytes
}

// BenchmarkJoinUnslicedStream measures the picture join of an RTP input
// on a stream whose pictures are one slice each, as most senders send
// them: every packet but the stream's first keyframe passes unchanged.
// Per packet read.
func BenchmarkJoinUnslicedStream(b *testing.B) {
	for _, s := range benchSizes {
		b.Run(fmt.Sprintf("%dx%d", s[0], s[1]), func(b *testing.B) {
			src := demuxed(b, encodedStream(b, s[0], s[1], 60))
			var j pictureJoin
			b.ReportAllocs()
			b.ResetTimer()
			out, bytes := joinLaps(b, &j, src)
			b.ReportMetric(float64(bytes)/float64(max(out, 1)), "bytes/packet")
		})
	}
}

// BenchmarkJoinCutKeyframes measures the picture join on x264enc
// tune=zerolatency's 160x120 pictures in two slices as rtph264pay
// config-interval=-1 sends them: every keyframe cut in two and joined,
// then two P pictures. Per packet read (four a lap, three handed on).
func BenchmarkJoinCutKeyframes(b *testing.B) {
	data, err := os.ReadFile("../h264/testdata/x264_160x120_slices.h264")
	if err != nil {
		b.Fatal(err)
	}
	nalus, err := h264.SplitAnnexB(data)
	if err != nil {
		b.Fatal(err)
	}
	src := demuxed(b, sent(nalus, true))
	var j pictureJoin
	b.ReportAllocs()
	b.ResetTimer()
	joinLaps(b, &j, src)
}
