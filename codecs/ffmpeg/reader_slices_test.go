package ffmpeg

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"testing"
	"unsafe"

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

// packetOf reads the AVPacket behind go-astiav's Packet, and packetData
// its bytes without a copy: the bytes go-astiav copies out.
func TestPacketOfIsTheAstiavPacket(t *testing.T) {
	pkt := astiav.AllocPacket()
	defer pkt.Free()
	if packetData(pkt) != nil {
		t.Fatal("a blank packet has bytes")
	}
	want := []byte{0, 0, 0, 1, 0x67, 42, 7}
	if err := pkt.FromData(append(append([]byte(nil), want...), zeroPadding[:]...)); err != nil {
		t.Fatal(err)
	}
	pkt.SetSize(len(want))
	if got := packetData(pkt); !bytes.Equal(got, want) || !bytes.Equal(pkt.Data(), want) {
		t.Fatalf("packetData % x, Data % x; want % x", got, pkt.Data(), want)
	}
	pkt.Unref()
	if packetData(pkt) != nil {
		t.Fatal("an unreferenced packet has bytes")
	}
}

// joined is what came out of a packetJoin fed through take and load:
// each packet's bytes and whether it was handed on in the buffer it was
// read into.
type joined struct {
	data   []byte
	pts    int64
	key    bool
	asRead bool
}

// takeAll puts src through j as readJoined does, src's packets each
// referenced as a demuxer hands them on, and returns what came out.
func takeAll(t *testing.T, j *packetJoin, src []*astiav.Packet) []joined {
	t.Helper()
	read := map[*byte]bool{}
	for _, s := range src {
		read[&packetData(s)[0]] = true
	}
	pkt := astiav.AllocPacket()
	defer pkt.Free()
	var out []joined
	handOn := func() {
		data := packetData(pkt)
		if len(data) > 0 && !read[&data[0]] {
			for _, b := range unsafe.Slice(&data[0], len(data)+packetPadding)[len(data):] {
				if b != 0 {
					t.Fatal("a packet the join loaded is not followed by zero padding")
				}
			}
		}
		out = append(out, joined{data: pkt.Data(), pts: pkt.Pts(), key: pkt.Flags().Has(astiav.PacketFlagKey),
			asRead: len(data) > 0 && read[&data[0]]})
		pkt.Unref()
	}
	load := func() {
		for {
			ok, err := j.load(pkt, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				return
			}
			handOn()
		}
	}
	for _, s := range src {
		if err := pkt.Ref(s); err != nil {
			t.Fatal(err)
		}
		if j.take(pkt) {
			handOn()
			continue
		}
		if packetData(pkt) != nil {
			t.Fatal("take neither handed on a packet nor left it blank")
		}
		load()
	}
	j.flush()
	load()
	return out
}

// A stream whose pictures are one slice each passes the join in the
// buffers it was read into: only its first keyframe, held until the next
// picture says it does not go on, is copied.
func TestJoinHandsOnTheReadersOwnPacketsOfAnUnslicedStream(t *testing.T) {
	in := encodedStream(t, 320, 240, 60) // two GOPs
	j := newPacketJoin()
	defer j.close()
	out := takeAll(t, j, demuxed(t, in))
	if len(out) != len(in) {
		t.Fatalf("%d packets in, %d out", len(in), len(out))
	}
	for i, o := range out {
		if !bytes.Equal(o.data, in[i].data) || o.pts != in[i].pts || o.key != in[i].flags.Has(astiav.PacketFlagKey) {
			t.Fatalf("packet %d changed", i)
		}
		if o.asRead != (i > 0) {
			t.Errorf("packet %d (key %v): handed on in the buffer it was read into %v, want %v", i, o.key, o.asRead, i > 0)
		}
	}
	if !out[30].key || j.copied != 1 {
		t.Fatalf("second keyframe at 30: %v; %d packets copied, want the first keyframe only", out[30].key, j.copied)
	}
}

// A keyframe cut in two still comes out joined, from packets read into
// FFmpeg's buffers: its two parts are copied and joined, and the P
// pictures, the first behind it, go on in their own buffers.
func TestJoinStillMendsACutKeyframeReadIntoFFmpegsBuffers(t *testing.T) {
	n := slicedPictures(t)
	j := newPacketJoin()
	defer j.close()
	out := takeAll(t, j, demuxed(t, sent(n, true)))
	if len(out) != 3 {
		t.Fatalf("%d packets out, want the joined keyframe and two P pictures", len(out))
	}
	if want := h264.JoinAnnexB(n[:6]); !bytes.Equal(out[0].data, want) || !out[0].key || out[0].pts != 0 {
		t.Fatalf("keyframe pts %d key %v, joined %v; want the encoder's access unit at 0", out[0].pts, out[0].key, bytes.Equal(out[0].data, want))
	}
	if !bytes.Equal(out[1].data, h264.JoinAnnexB(n[6:9])) || out[1].pts != 3000 ||
		!bytes.Equal(out[2].data, h264.JoinAnnexB(n[9:12])) || out[2].pts != 6000 {
		t.Fatal("the P pictures changed")
	}
	if out[0].asRead || !out[1].asRead || !out[2].asRead || j.copied != 2 {
		t.Fatalf("handed on in the buffers read into: %v %v %v, %d copied; want the P pictures, and the keyframe's 2 parts copied",
			out[0].asRead, out[1].asRead, out[2].asRead, j.copied)
	}
}

// A packet that repeats its parameter sets is copied to drop them; the
// packets of the stream around it are not.
func TestJoinCopiesOnlyThePacketItChanges(t *testing.T) {
	n := slicedPictures(t)
	ps := sent(n, false)
	ps = append(ps, joinPacket{data: h264.JoinAnnexB([][]byte{n[0], n[1], n[2], n[1], n[2], n[4], n[5]}), pts: 9000, flags: ps[0].flags},
		joinPacket{data: h264.JoinAnnexB(n[6:9]), pts: 12000})
	j := newPacketJoin()
	defer j.close()
	out := takeAll(t, j, demuxed(t, ps))
	if len(out) != len(ps) {
		t.Fatalf("%d packets in, %d out", len(ps), len(out))
	}
	if want := h264.JoinAnnexB([][]byte{n[0], n[1], n[2], n[4], n[5]}); !bytes.Equal(out[3].data, want) || !out[3].key {
		t.Fatal("SPS and PPS sent twice were not kept once")
	}
	for i, o := range out {
		if o.asRead != (i != 0 && i != 3) {
			t.Errorf("packet %d: handed on in the buffer it was read into %v", i, o.asRead)
		}
	}
	if j.copied != 2 {
		t.Fatalf("%d packets copied, want the held first keyframe and the changed one", j.copied)
	}
}

// joinLaps puts the packets of src through j as readJoined does, lap after
// lap, n packets in all, each handed on and unreferenced as a Reader's
// caller does. It returns the packets handed on and their bytes.
func joinLaps(b *testing.B, j *packetJoin, src []*astiav.Packet) (out, bytes int) {
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
			j := newPacketJoin()
			defer j.close()
			b.ReportAllocs()
			b.ResetTimer()
			out, bytes := joinLaps(b, j, src)
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
	j := newPacketJoin()
	defer j.close()
	b.ReportAllocs()
	b.ResetTimer()
	joinLaps(b, j, src)
}

// A Reader of an RTP stream whose pictures are one slice each copies no
// P picture: at most its keyframes, which carry SPS and PPS twice
// (x264enc's and rtph264pay config-interval=-1's) and the first of which
// is held. Passed through for three GOPs of 10, to count the keyframes.
func TestRTPReaderCopiesNoPPictureOfAnUnslicedStream(t *testing.T) {
	port := freeRTPPort(t)
	gstSender(t, port, "x264enc tune=zerolatency sliced-threads=false key-int-max=10", "rtph264pay config-interval=-1")
	stop := watchdog(t)
	r, err := openRTP(t, "rtp://127.0.0.1:"+strconv.Itoa(port), WithStop(stop), WithPassthrough())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	keyframes := 0
	for i := range 30 {
		p, err := r.ReadPacket()
		if err != nil {
			t.Fatalf("packet %d: %v (%s)", i, err, r.Stats())
		}
		if p.Key {
			keyframes++
		}
	}
	if r.join.copied == 0 || r.join.copied > keyframes {
		t.Fatalf("%d packets copied of 30 with %d keyframes; want the keyframes at most, and the first", r.join.copied, keyframes)
	}
}

// FuzzJoinOfTheReadersPacketsMatchesPush: packets read into FFmpeg's
// buffers come out of a packetJoin as the same packets pushed through a
// pictureJoin of their own copies do, in the same order, whatever their
// sequence. Each byte of the input picks a packet (a keyframe whole or in
// parts, one repeating its parameter sets, a P picture, bytes that are not
// Annex B) and its time.
func FuzzJoinOfTheReadersPacketsMatchesPush(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 0, 1, 2})
	f.Add([]byte{4, 2, 3, 4, 5, 0, 5, 1, 2})
	f.Add([]byte{0, 0, 1, 1, 6, 2, 0x40, 0x41, 3})
	data, err := os.ReadFile("../h264/testdata/x264_160x120_slices.h264")
	if err != nil {
		f.Fatal(err)
	}
	n, err := h264.SplitAnnexB(data)
	if err != nil {
		f.Fatal(err)
	}
	key := astiav.PacketFlags(astiav.PacketFlagKey)
	kinds := []struct {
		nalus [][]byte
		flags astiav.PacketFlags
	}{
		{[][]byte{n[0], n[1], n[2], n[3], n[1], n[2], n[4]}, key}, // a cut keyframe's first part
		{[][]byte{n[1], n[2], n[5]}, key},                         // and its second
		{n[6:9], 0},
		{n[9:12], 0},
		{[][]byte{n[0], n[1], n[2], n[3], n[4], n[5]}, key},       // whole
		{[][]byte{n[0], n[1], n[2], n[1], n[2], n[4], n[5]}, key}, // repeating SPS and PPS
		{nil, 0}, // not Annex B
	}
	f.Fuzz(func(t *testing.T, picks []byte) {
		if len(picks) > 64 {
			return
		}
		var ps []joinPacket
		for _, b := range picks {
			k := kinds[int(b&0x3f)%len(kinds)]
			p := joinPacket{data: []byte{1, 2, 3}, pts: int64(b>>6) * 3000, flags: k.flags}
			if b>>6 == 3 {
				p.pts = astiav.NoPtsValue
			}
			if k.nalus != nil {
				p.data = h264.JoinAnnexB(k.nalus)
			}
			p.dts = p.pts
			ps = append(ps, p)
		}
		var want []joined
		var ref pictureJoin
		for _, p := range append(ps, joinPacket{}) {
			if p.data != nil {
				ref.push(joinPacket{data: bytes.Clone(p.data), pts: p.pts, dts: p.dts, flags: p.flags})
			} else {
				ref.flush()
			}
			for q, ok := ref.pop(); ok; q, ok = ref.pop() {
				want = append(want, joined{data: q.bytes(), pts: q.pts, key: q.flags.Has(astiav.PacketFlagKey)})
			}
		}
		j := newPacketJoin()
		defer j.close()
		got := takeAll(t, j, demuxed(t, ps))
		if len(got) != len(want) {
			t.Fatalf("%d packets out, pushed %d", len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(got[i].data, want[i].data) || got[i].pts != want[i].pts || got[i].key != want[i].key {
				t.Fatalf("packet %d differs from the one pushed", i)
			}
		}
	})
}
