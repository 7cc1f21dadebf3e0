package testrtsp

import (
	"bufio"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gopline/gopline/codecs/h264"
)

// maxPayload is the largest RTP payload sent: a NAL unit above it is split
// into FU-A fragments, as over a network of 1500-byte packets.
const maxPayload = 1200

// session is one client's RTSP connection.
type session struct {
	srv  *Server
	conn net.Conn
	in   *bufio.Reader
	down chan struct{}

	wmu       sync.Mutex // replies and RTP share the connection
	streaming bool
	wg        sync.WaitGroup
}

type request struct {
	method, url string
	headers     map[string]string
}

func (ss *session) serve() {
	defer ss.wg.Wait()
	defer ss.conn.Close()
	for {
		req, err := ss.read()
		if err != nil {
			return
		}
		if !ss.answer(req) {
			return
		}
	}
}

// read returns the next request, skipping the RTCP reports a client sends
// on the connection.
func (ss *session) read() (*request, error) {
	for {
		b, err := ss.in.Peek(1)
		if err != nil {
			return nil, err
		}
		if b[0] != '$' {
			break
		}
		var head [4]byte
		if _, err := io.ReadFull(ss.in, head[:]); err != nil {
			return nil, err
		}
		if _, err := ss.in.Discard(int(binary.BigEndian.Uint16(head[2:]))); err != nil {
			return nil, err
		}
	}
	line, err := ss.in.ReadString('\n')
	if err != nil {
		return nil, err
	}
	parts := strings.Fields(line)
	if len(parts) != 3 {
		return nil, fmt.Errorf("testrtsp: bad request line %q", line)
	}
	req := &request{method: parts[0], url: parts[1], headers: map[string]string{}}
	for {
		h, err := ss.in.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if h = strings.TrimSpace(h); h == "" {
			break
		}
		k, v, _ := strings.Cut(h, ":")
		req.headers[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	if n, _ := strconv.Atoi(req.headers["content-length"]); n > 0 {
		if _, err := ss.in.Discard(n); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// answer replies to req; false ends the session.
func (ss *session) answer(req *request) bool {
	if ss.srv.hung.Load() {
		return true // read, never answered
	}
	if login, _ := ss.srv.login.Load().(string); login != "" && req.method != "OPTIONS" &&
		req.headers["authorization"] != "Basic "+base64.StdEncoding.EncodeToString([]byte(login)) {
		return ss.reply(req, "401 Unauthorized", "WWW-Authenticate: Basic realm=\"testrtsp\"\r\n", "")
	}
	switch req.method {
	case "OPTIONS", "GET_PARAMETER", "SET_PARAMETER":
		return ss.reply(req, "200 OK", "Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER\r\n", "")
	case "DESCRIBE":
		base := strings.TrimSuffix(req.url, "/") + "/"
		return ss.reply(req, "200 OK", "Content-Type: application/sdp\r\nContent-Base: "+base+"\r\n", ss.sdp())
	case "SETUP":
		if !strings.Contains(req.headers["transport"], "TCP") {
			return ss.reply(req, "461 Unsupported Transport", "", "")
		}
		return ss.reply(req, "200 OK", "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: 1\r\n", "")
	case "PLAY":
		ok := ss.reply(req, "200 OK", "Session: 1\r\n", "")
		if ok && !ss.streaming {
			ss.streaming = true
			ss.wg.Add(1)
			go ss.stream()
		}
		return ok
	case "TEARDOWN":
		ss.srv.teardowns.Add(1)
		ss.reply(req, "200 OK", "Session: 1\r\n", "")
		return false
	}
	return ss.reply(req, "501 Not Implemented", "", "")
}

func (ss *session) reply(req *request, status, headers, body string) bool {
	msg := "RTSP/1.0 " + status + "\r\nCSeq: " + req.headers["cseq"] + "\r\n" + headers
	if body != "" {
		msg += "Content-Length: " + strconv.Itoa(len(body)) + "\r\n"
	}
	msg += "\r\n" + body
	ss.wmu.Lock()
	defer ss.wmu.Unlock()
	_, err := io.WriteString(ss.conn, msg)
	return err == nil
}

// sdp describes the stream, with the parameter sets of its first access
// unit.
func (ss *session) sdp() string {
	if sdp, _ := ss.srv.description.Load().(string); sdp != "" {
		return sdp
	}
	if ss.srv.h265 {
		return ss.sdpH265()
	}
	var sps, pps []byte
	for _, n := range ss.srv.units[0] {
		switch h264.TypeOf(n) {
		case h264.NALUTypeSPS:
			sps = n
		case h264.NALUTypePPS:
			pps = n
		}
	}
	fmtp := "packetization-mode=1"
	if len(sps) >= 4 && len(pps) > 0 {
		fmtp += ";profile-level-id=" + hex.EncodeToString(sps[1:4]) + ";sprop-parameter-sets=" +
			base64.StdEncoding.EncodeToString(sps) + "," + base64.StdEncoding.EncodeToString(pps)
	}
	return "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=testrtsp\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n" +
		"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 " + fmtp + "\r\na=control:trackID=0\r\n"
}

// stream sends the access units in a loop at the server's frame rate until
// the client goes or the server is stopped.
func (ss *session) stream() {
	defer ss.wg.Done()
	start := time.Now()
	var seq uint16
	first := int(ss.srv.joinAt.Load())
	limit := int(ss.srv.pictures.Load())
	reports, offset := ss.srv.reports.Load(), time.Duration(ss.srv.reportsAt.Load())
	interval := time.Second / time.Duration(ss.srv.rate)
	if every := time.Duration(ss.srv.every.Load()); every > 0 {
		interval = every
	}
	gap := time.Duration(ss.srv.gap.Load())
	for i := first; ; i++ {
		if limit > 0 && i-first == limit {
			<-ss.down // frozen for good, the connection open
			return
		}
		ts := uint32(int64(i) * int64(interval) * 90000 / int64(time.Second))
		pkts := packetize(ss.srv.units[i%len(ss.srv.units)], ss.srv.h265)
		for k, pkt := range pkts {
			if ss.srv.frozen.Load() || ss.srv.hung.Load() {
				break
			}
			if k > 0 && k == len(pkts)-1 && ss.srv.cutHere() {
				<-ss.down // the rest of the picture is never sent
				return
			}
			if !ss.sendRTP(pkt, seq, ts) {
				return
			}
			seq++
			if gap > 0 && k < len(pkts)-1 && !ss.wait(gap) {
				return
			}
		}
		if n := i - first; reports && n >= 5 && (n-5)%10 == 0 {
			at := start.Add(offset + time.Duration(n)*interval)
			if !ss.sendReport(at, ts) {
				return
			}
		}
		if !ss.wait(time.Until(start.Add(time.Duration(i-first+1) * interval))) {
			return
		}
	}
}

// wait waits d, false when the server is stopped meanwhile.
func (ss *session) wait(d time.Duration) bool {
	select {
	case <-ss.down:
		return false
	case <-time.After(d):
		return true
	}
}

// rtpPacket is one RTP payload and whether it ends its access unit.
type rtpPacket struct {
	payload []byte
	last    bool
}

// packetize splits an access unit into RTP payloads: a NAL unit that fits
// goes whole, a larger one in fragments (H.264's FU-A, H.265's FU).
func packetize(au [][]byte, h265 bool) []rtpPacket {
	var out []rtpPacket
	for i, n := range au {
		lastNAL := i == len(au)-1
		if len(n) <= maxPayload {
			out = append(out, rtpPacket{payload: n, last: lastNAL})
			continue
		}
		if h265 {
			out = append(out, fragmentH265(n, lastNAL)...)
			continue
		}
		indicator, typ := n[0]&0xe0|28, n[0]&0x1f
		for off := 1; off < len(n); off += maxPayload {
			end := min(off+maxPayload, len(n))
			header := typ
			if off == 1 {
				header |= 0x80 // start
			}
			if end == len(n) {
				header |= 0x40 // end
			}
			frag := append([]byte{indicator, header}, n[off:end]...)
			out = append(out, rtpPacket{payload: frag, last: lastNAL && end == len(n)})
		}
	}
	return out
}

func (ss *session) sendRTP(p rtpPacket, seq uint16, ts uint32) bool {
	buf := make([]byte, 4+12+len(p.payload))
	buf[0] = '$'
	binary.BigEndian.PutUint16(buf[2:], uint16(12+len(p.payload)))
	rtp := buf[4:]
	rtp[0] = 0x80 // version 2
	rtp[1] = 96
	if p.last {
		rtp[1] |= 0x80 // marker: the access unit ends
	}
	binary.BigEndian.PutUint16(rtp[2:], seq)
	binary.BigEndian.PutUint32(rtp[4:], ts)
	binary.BigEndian.PutUint32(rtp[8:], 0x67706c6e)
	copy(rtp[12:], p.payload)
	ss.wmu.Lock()
	defer ss.wmu.Unlock()
	_, err := ss.conn.Write(buf)
	return err == nil
}

// sendReport sends an RTCP sender report on the interleaved channel after
// RTP's: the picture of RTP time ts was taken at the wall-clock time at.
func (ss *session) sendReport(at time.Time, ts uint32) bool {
	buf := make([]byte, 4+28)
	buf[0], buf[1] = '$', 1
	binary.BigEndian.PutUint16(buf[2:], 28)
	sr := buf[4:]
	sr[0], sr[1] = 0x80, 200                   // version 2, no report blocks; SR
	binary.BigEndian.PutUint16(sr[2:], 28/4-1) // length in 32-bit words, less one
	binary.BigEndian.PutUint32(sr[4:], 0x67706c6e)
	// NTP time: seconds since 1900, and the fraction of a second in 2^-32.
	ns := at.UnixNano()
	binary.BigEndian.PutUint32(sr[8:], uint32(ns/1e9+2208988800))
	binary.BigEndian.PutUint32(sr[12:], uint32((ns%1e9)<<32/1e9))
	binary.BigEndian.PutUint32(sr[16:], ts)
	ss.wmu.Lock()
	defer ss.wmu.Unlock()
	_, err := ss.conn.Write(buf)
	return err == nil
}

// fragmentH265 splits an H.265 NAL unit into FU packets (RFC 7798 4.4.3):
// a payload header of type 49, then an FU header with the start and end
// bits and the unit's type, then a part of its body.
func fragmentH265(n []byte, lastNAL bool) []rtpPacket {
	var out []rtpPacket
	typ := n[0] >> 1 & 0x3f
	for off := 2; off < len(n); off += maxPayload {
		end := min(off+maxPayload, len(n))
		fu := typ
		if off == 2 {
			fu |= 0x80
		}
		if end == len(n) {
			fu |= 0x40
		}
		frag := append([]byte{n[0]&0x81 | 49<<1, n[1], fu}, n[off:end]...)
		out = append(out, rtpPacket{payload: frag, last: lastNAL && end == len(n)})
	}
	return out
}

// sdpH265 describes an H.265 stream, with the parameter sets of its first
// access unit.
func (ss *session) sdpH265() string {
	sets := map[int]string{}
	for _, n := range ss.srv.units[0] {
		if t := h265Type(n); t >= 32 && t <= 34 {
			sets[t] = base64.StdEncoding.EncodeToString(n)
		}
	}
	return "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=testrtsp\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n" +
		"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H265/90000\r\na=fmtp:96 sprop-vps=" + sets[32] +
		";sprop-sps=" + sets[33] + ";sprop-pps=" + sets[34] + "\r\na=control:trackID=0\r\n"
}
