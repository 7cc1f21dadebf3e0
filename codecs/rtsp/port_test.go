package rtsp

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/codecs/h264"
	"github.com/gopline/gopline/internal/paramsetwatch"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/internal/testrtsp"
	"github.com/gopline/gopline/media"
	"github.com/pion/rtp"
	"github.com/rs/zerolog"
)

// sender sends access units as RTP to a port of the loopback, as
// rtph264pay ! udpsink does.
type sender struct {
	t    *testing.T
	conn net.Conn
	pt   uint8
	ssrc uint32
	seq  uint16
	// at is unit i's RTP timestamp; nil: i at 25 frames/s.
	at func(i int) uint32
}

// freePort returns a port of the loopback free for UDP.
func freePort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func newSender(t *testing.T, port int) *sender {
	t.Helper()
	c, err := net.Dial("udp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &sender{t: t, conn: c, pt: 96, ssrc: 0x1234}
}

// send sends unit i of a stream at 25 frames/s.
func (s *sender) send(i int, au [][]byte) {
	s.t.Helper()
	s.write(s.packets(i, au)...)
}

// packets returns the RTP packets of unit i, numbered on from the last.
func (s *sender) packets(i int, au [][]byte) []*rtp.Packet {
	s.t.Helper()
	enc, err := (&format.H264{PayloadTyp: s.pt, PacketizationMode: 1}).CreateEncoder()
	if err != nil {
		s.t.Fatal(err)
	}
	pkts, err := enc.Encode(au)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, p := range pkts {
		p.SequenceNumber, p.Timestamp, p.SSRC = s.seq, uint32(i*3600), s.ssrc
		if s.at != nil {
			p.Timestamp = s.at(i)
		}
		s.seq++
	}
	return pkts
}

// write sends packets in the order given.
func (s *sender) write(pkts ...*rtp.Packet) {
	s.t.Helper()
	for _, p := range pkts {
		b, err := p.Marshal()
		if err != nil {
			s.t.Fatal(err)
		}
		if _, err := s.conn.Write(b); err != nil {
			s.t.Fatal(err)
		}
	}
}

// listenSent opens a port and sends it unit 0 of units, which ListenRTP waits
// for, from s.
func listenSent(t *testing.T, s *sender, port int, units [][][]byte, opts ...Option) *Reader {
	t.Helper()
	return openSending(t, s, units[0], func() (*Reader, error) {
		return ListenRTP("rtp://127.0.0.1:"+strconv.Itoa(port), 0, opts...)
	})
}

// openSending opens a Reader of a port with open, which returns once the
// first packet came, while s sends unit to the port until it does.
func openSending(t *testing.T, s *sender, unit [][]byte, open func() (*Reader, error)) *Reader {
	t.Helper()
	got := make(chan *Reader, 1)
	go func() {
		r, err := open()
		if err != nil {
			t.Error(err)
		}
		got <- r
	}()
	var r *Reader
	for r == nil {
		select {
		case r = <-got:
			if r == nil {
				t.FailNow()
			}
		case <-time.After(50 * time.Millisecond):
			s.send(0, unit) // until the port listens
		}
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// Packets that overtook others on the way are put back in order: the
// pictures they belong to are handed on whole, none counted lost. A packet
// that never comes is a loss once the packets after it waited reorderWait:
// its picture and those after it until the next keyframe are left out, and
// the stream goes on at that keyframe.
func TestListenRTPPutsPacketsThatOvertookOthersBackInOrder(t *testing.T) {
	units := testrtsp.Clip(t, 15, 5) // keyframes at 0, 5 and 10
	port := freePort(t)
	s := newSender(t, port)
	r := listenSent(t, s, port, units, WithTimeout(0))
	var pkts [][]*rtp.Packet
	for i := 1; i < len(units); i++ {
		pkts = append(pkts, s.packets(i, units[i]))
	}
	unit := func(i int) []*rtp.Packet { return pkts[i-1] }
	if len(unit(5)) < 3 {
		t.Fatalf("keyframe 5 in %d packets; the test swaps two in its middle", len(unit(5)))
	}
	// Unit 3's last packet after unit 4's first; keyframe 5's second after its third.
	u3, u4 := unit(3), unit(4)
	u3, u4 = append(u3[:len(u3)-1:len(u3)-1], u4[0]), append([]*rtp.Packet{u3[len(u3)-1]}, u4[1:]...)
	k5 := unit(5)
	k5[1], k5[2] = k5[2], k5[1]
	go func() {
		for i := 1; i < len(units); i++ {
			switch i {
			case 3:
				s.write(u3...)
			case 4:
				s.write(u4...)
			case 7:
				s.write(unit(7)[1:]...) // its first packet never comes
			default:
				s.write(unit(i)...)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	var keys []bool      // of what is handed on from unit 1 (unit 0 came as often as listen sent it)
	for len(keys) < 11 { // 1 to 6, then 10 to 14
		p, err := readWithin(t, r, 5*time.Second)
		if err != nil {
			t.Fatalf("after %v: %v", keys, err)
		}
		if len(keys) > 0 || !p.Key {
			keys = append(keys, p.Key)
		}
	}
	want := []bool{false, false, false, false, true, false, true, false, false, false, false}
	if fmt.Sprint(keys) != fmt.Sprint(want) {
		t.Errorf("handed on %v (keyframes), want %v: units 1 to 6 and 10 to 14", keys, want)
	}
	left := 2 // 8 and 9, and 7 if what came of it was a part
	if len(unit(7)) > 1 {
		left++
	}
	if st := r.Stats(); st.LostPackets != 1 || st.Damaged != left {
		t.Errorf("stats %+v; want the first packet of unit 7 lost, %d pictures left out", st, left)
	}
}

// A picture sent to a port is handed on as its last packet comes, the
// first keyframe's parameter sets kept for the keyframes without them.
func TestListenRTPHandsOnEachPictureAsItCame(t *testing.T) {
	units := testrtsp.Clip(t, 10, 5) // keyframes at 0 and 5
	port := freePort(t)
	s := newSender(t, port)
	r := listenSent(t, s, port, units, WithTimeout(0))
	s.send(1, units[1])
	p, err := readWithin(t, r, 5*time.Second)
	for err == nil && p.Key { // unit 0, as often as listen sent it
		p, err = readWithin(t, r, 5*time.Second)
	}
	for i := 2; i < len(units) && err == nil; i++ {
		s.send(i, units[i]) // the one before was handed on: nothing waits for this one
		if p, err = readWithin(t, r, 5*time.Second); err == nil && p.Key != (i == 5) {
			t.Fatalf("unit %d: key %v", i, p.Key)
		}
		if nalus, _ := h264.SplitAnnexB(p.Data); p.Key && h264.TypeOf(nalus[0]) != h264.NALUTypeSPS {
			t.Fatalf("keyframe %d without its SPS in front", i)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
}

func TestListenRTPOfASilentPortNamesItAndWhatCame(t *testing.T) {
	port := freePort(t)
	addr := "rtp://127.0.0.1:" + strconv.Itoa(port)
	_, err := ListenRTP(addr, 0, WithTimeout(300*time.Millisecond))
	if !errors.Is(err, ErrNothingArrived) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("%v; want ErrNothingArrived naming %s", err, addr)
	}

	units := testrtsp.Clip(t, 2, 5)
	s := newSender(t, port)
	s.pt = 97
	stop, stopped := make(chan struct{}), make(chan struct{})
	defer func() { close(stop); <-stopped }() // before the cleanup closes the sender's socket
	go func() {
		defer close(stopped)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				s.send(i, units[i%2])
			}
		}
	}()
	_, err = ListenRTP(addr, 0, WithTimeout(500*time.Millisecond))
	if !errors.Is(err, ErrNothingArrived) || !strings.Contains(err.Error(), "payload=97") {
		t.Fatalf("%v; want ErrNothingArrived saying payload=97", err)
	}
}

// A sender that keeps SPS and PPS out of the stream fails the read at its
// third keyframe, saying what to set.
func TestListenRTPWithoutParameterSetsSaysWhatToSet(t *testing.T) {
	units := testrtsp.Clip(t, 15, 5) // keyframes at 0, 5 and 10
	for i, au := range units {
		units[i] = slicesOnly(au)
	}
	port := freePort(t)
	s := newSender(t, port)
	r := listenSent(t, s, port, units, WithTimeout(0))
	for i := 1; i < len(units); i++ {
		s.send(i, units[i])
	}
	_, err := readWithin(t, r, 5*time.Second)
	if !errors.Is(err, paramsetwatch.ErrNoParameterSets) || !strings.Contains(err.Error(), "config-interval=-1") {
		t.Fatalf("%v; want ErrNoParameterSets saying to set config-interval=-1", err)
	}
}

// slicesOnly returns au without its parameter sets.
func slicesOnly(au [][]byte) [][]byte {
	var out [][]byte
	for _, n := range au {
		if t := h264.TypeOf(n); t != h264.NALUTypeSPS && t != h264.NALUTypePPS {
			out = append(out, n)
		}
	}
	return out
}

// A sender that restarts (a new synchronization source, its sequence
// numbers and timestamps from anew) goes on in a new Epoch from its first
// keyframe, and a port that then gets nothing for the timeout is lost.
func TestListenRTPTakesARestartedSenderAsANewStream(t *testing.T) {
	units := testrtsp.Clip(t, 10, 5)
	port := freePort(t)
	s := newSender(t, port)
	r := listenSent(t, s, port, units, WithTimeout(2*time.Second))
	first, err := readWithin(t, r, 5*time.Second)
	if err != nil || !first.Key {
		t.Fatalf("%v, first packet %+v", err, first)
	}
	s.ssrc, s.seq = 0x9999, 7
	for i := 3; i < 10; i++ { // from inside a GOP: 3 and 4 are before its keyframe
		s.send(i-3, units[i])
	}
	p, err := readWithin(t, r, 5*time.Second)
	for err == nil && p.Epoch == first.Epoch { // the first unit may have come more than once
		p, err = readWithin(t, r, 5*time.Second)
	}
	if err != nil || !p.Key || p.Seq != 0 || !bytes.Equal(p.Data[:4], []byte{0, 0, 0, 1}) {
		t.Fatalf("%v; after the restart: key %v seq %d", err, p.Key, p.Seq)
	}
	if st := r.Stats(); st.Restarts != 1 || st.BeforeKeyframe != 2 {
		t.Fatalf("stats %+v; want 1 restart, 2 pictures before its keyframe", st)
	}
	for err == nil {
		_, err = readWithin(t, r, 5*time.Second)
	}
	if !errors.Is(err, ErrStreamLost) || !strings.Contains(err.Error(), "sent nothing for 2s") {
		t.Fatalf("%v; want ErrStreamLost after the timeout", err)
	}
}

// A sender of B-frames sends its pictures in decode order with their
// presentation times: each packet keeps decode order and carries its
// composition offset, its decode times never going back, and every packet
// decodes.
func TestListenRTPGivesBFramesTheirDecodeTimes(t *testing.T) {
	units := testrtsp.ClipOf(t, "bframes.h264", 20, 10, "-c:v", "libx264", "-bf", "2", "-g", "10", "-pix_fmt", "yuv420p")
	// Each unit's presentation time, from its slice header.
	var order h264.AccessUnitOrder
	display := make([]uint64, len(units))
	for _, au := range units {
		if err := order.Push(au); err != nil {
			t.Fatal(err)
		}
		for p, ok := order.Pop(); ok; p, ok = order.Pop() {
			display[p.Decode] = p.Display
		}
	}
	order.Flush()
	for p, ok := order.Pop(); ok; p, ok = order.Pop() {
		display[p.Decode] = p.Display
	}
	port := freePort(t)
	s := newSender(t, port)
	s.at = func(i int) uint32 { return uint32(display[i]+2) * 9000 } // 10 frames/s, two frames of reorder delay
	r := listenSent(t, s, port, units, WithTimeout(0))
	dec, err := ffmpeg.NewH264Decoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	for i := 1; i < len(units); i++ {
		s.send(i, units[i])
	}
	var last time.Time
	reordered := 0
	for n := 0; n < len(units)-1; n++ {
		p, err := readWithin(t, r, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 && p.DecodeTime().Before(last) {
			t.Fatalf("packet %d: decode time %v before the one before", n, p.DecodeTime().Sub(last))
		}
		if p.CompositionOffset < 0 {
			t.Fatalf("packet %d: composition offset %v", n, p.CompositionOffset)
		}
		if p.CompositionOffset > 0 {
			reordered++
		}
		last = p.DecodeTime()
		if _, err := dec.Decode(p); err != nil {
			t.Fatalf("packet %d: %v", n, err)
		}
	}
	if reordered == 0 {
		t.Fatal("no packet carries a composition offset")
	}
}

// A second sender on the same port (another robot sending to the wrong
// port, a host that should not send there) is left out, named once in the
// log with its address and counted: the stream goes on as the first
// sender's alone. Its packets were taken in turn with the first one's, each
// change of synchronization source a restart of the stream.
func TestListenRTPKeepsToTheFirstSender(t *testing.T) {
	units := testrtsp.Clip(t, 10, 5)
	port := freePort(t)
	first := newSender(t, port)
	log := &testlog.Buffer{}
	r := listenSent(t, first, port, units, WithTimeout(time.Second), WithLogger(zerolog.New(log)))
	second := newSender(t, port)
	second.ssrc = 0x6666
	for i := 1; i < len(units); i++ {
		second.send(i-1, units[i-1])
		first.send(i, units[i])
	}
	var got []*media.Packet
	p, err := readWithin(t, r, 5*time.Second)
	for err == nil {
		got = append(got, p)
		p, err = readWithin(t, r, 5*time.Second)
	}
	if !errors.Is(err, ErrStreamLost) {
		t.Fatal(err)
	}
	for _, p := range got {
		if p.Epoch != got[0].Epoch {
			t.Fatalf("the stream changed Epoch: the second sender's packets were taken (stats %+v)", r.Stats())
		}
	}
	if st := r.Stats(); st.Restarts != 0 || st.OtherSenders == 0 || len(got) < len(units) {
		t.Fatalf("stats %+v, %d pictures; want no restart, the other sender's packets counted, every picture of the first", st, len(got))
	}
	from := second.conn.LocalAddr().String()
	named := 0
	for _, line := range strings.Split(log.String(), "\n") {
		if strings.Contains(line, from) {
			named++
		}
	}
	if named != 1 {
		t.Fatalf("the other sender, %s, is named in %d lines of the log, want one:\n%s", from, named, log.String())
	}
}
