package rtsp

import (
	"fmt"
	"net"
	"strconv"

	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/sdp"
	"github.com/gopline/gopline/internal/rtpsender"
	psdp "github.com/pion/sdp/v3"
)

// ListenSession receives the H.264 stream that text, a session description
// (RFC 4566, what `ffmpeg -f rtp -sdp_file` and GStreamer's senders
// write), describes: its first video stream's port (on every interface;
// a multicast group is joined), payload type, and the parameter sets of its
// sprop-parameter-sets, which the stream's keyframes then need not carry.
// name names the description in errors (its file), beside its port. A description this
// reader does not take (no H.264 video, H.264 in RTP's interleaved mode,
// text it cannot read) gives an error wrapping ErrNotH264, for the caller
// to read it another way; otherwise it is ListenRTP.
func ListenSession(name string, text []byte, opts ...Option) (*Reader, error) {
	addr, forma, err := describedStream(text)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrNotH264, name, err)
	}
	r, err := listen(fmt.Sprintf("%s (UDP port %d)", name, addr.Port), addr, rtpsender.Filter{}, forma.PayloadTyp, forma.SPS, forma.PPS, opts)
	if err != nil {
		return nil, err
	}
	r.sets.File = true // its error says what the file could carry
	return r, nil
}

// describedStream returns where text's first video stream is sent, and
// its H.264 format.
func describedStream(text []byte) (*net.UDPAddr, *format.H264, error) {
	var desc sdp.SessionDescription
	if err := desc.Unmarshal(text); err != nil {
		return nil, nil, err
	}
	for _, md := range desc.MediaDescriptions {
		if md.MediaName.Media != "video" {
			continue
		}
		if len(md.MediaName.Formats) == 0 {
			return nil, nil, fmt.Errorf("its video stream has no payload type")
		}
		f, err := format.Unmarshal(md, md.MediaName.Formats[0])
		if err != nil {
			return nil, nil, err
		}
		h264, ok := f.(*format.H264)
		if !ok || h264.PacketizationMode > 1 {
			return nil, nil, fmt.Errorf("its video is %s", f.Codec())
		}
		host := connectionAddress(md, desc.ConnectionInformation)
		addr, err := net.ResolveUDPAddr("udp", net.JoinHostPort(host, strconv.Itoa(md.MediaName.Port.Value)))
		if err != nil {
			return nil, nil, err
		}
		if !addr.IP.IsMulticast() {
			// The port on every interface, as FFmpeg's sdp demuxer
			// binds it: the address may be the sender's.
			addr.IP = net.IPv4zero
		}
		return addr, h264, nil
	}
	return nil, nil, fmt.Errorf("no video stream")
}

// connectionAddress is where md's packets are sent: its own c= line's
// address, else the session's, else every interface.
func connectionAddress(md *psdp.MediaDescription, session *psdp.ConnectionInformation) string {
	c := md.ConnectionInformation
	if c == nil {
		c = session
	}
	if c == nil || c.Address == nil || c.Address.Address == "" {
		return "0.0.0.0"
	}
	return c.Address.Address
}
