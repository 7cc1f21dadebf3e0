package rtsp

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

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
// Its source filters (RFC 4570's a=source-filter, of the session and of
// the stream) keep the stream to the senders they include and away from
// those they exclude, as FFmpeg's sdp demuxer takes them.
// name names the description in errors (its file), beside its port. A description this
// reader does not take (no H.264 video, H.264 in RTP's interleaved mode,
// text it cannot read) gives an error wrapping ErrNotH264, for the caller
// to read it another way; otherwise it is ListenRTP.
func ListenSession(name string, text []byte, opts ...Option) (*Reader, error) {
	addr, forma, filter, err := describedStream(text)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrNotH264, name, err)
	}
	r, err := listen(fmt.Sprintf("%s (UDP port %d)", name, addr.Port), addr, filter, forma.PayloadTyp, forma.SPS, forma.PPS, opts)
	if err != nil {
		return nil, err
	}
	r.sets.File = true // its error says what the file could carry
	return r, nil
}

// describedStream returns where text's first video stream is sent, its
// H.264 format, and the senders its source filters allow.
func describedStream(text []byte) (*net.UDPAddr, *format.H264, rtpsender.Filter, error) {
	var desc sdp.SessionDescription
	if err := desc.Unmarshal(text); err != nil {
		return nil, nil, rtpsender.Filter{}, err
	}
	for _, md := range desc.MediaDescriptions {
		if md.MediaName.Media != "video" {
			continue
		}
		if len(md.MediaName.Formats) == 0 {
			return nil, nil, rtpsender.Filter{}, fmt.Errorf("its video stream has no payload type")
		}
		f, err := format.Unmarshal(md, md.MediaName.Formats[0])
		if err != nil {
			return nil, nil, rtpsender.Filter{}, err
		}
		h264, ok := f.(*format.H264)
		if !ok || h264.PacketizationMode > 1 {
			return nil, nil, rtpsender.Filter{}, fmt.Errorf("its video is %s", f.Codec())
		}
		host := connectionAddress(md, desc.ConnectionInformation)
		addr, err := net.ResolveUDPAddr("udp", net.JoinHostPort(host, strconv.Itoa(md.MediaName.Port.Value)))
		if err != nil {
			return nil, nil, rtpsender.Filter{}, err
		}
		if !addr.IP.IsMulticast() {
			// The port on every interface, as FFmpeg's sdp demuxer
			// binds it: the address may be the sender's.
			addr.IP = net.IPv4zero
		}
		filter, err := sourceFilter(desc.Attributes, md.Attributes)
		if err != nil {
			return nil, nil, rtpsender.Filter{}, err
		}
		return addr, h264, filter, nil
	}
	return nil, nil, rtpsender.Filter{}, fmt.Errorf("no video stream")
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

// sourceFilter is the filter of the source-filter attributes (RFC 4570)
// of a session and then of its stream: "incl IN IP4 DEST SRC..." adds
// senders to take, "excl ..." senders to leave out. A line FFmpeg's sdp
// demuxer passes over (another mode or network type) is passed over; a
// source that is not an IP address (a host name, which FFmpeg resolves)
// is an error, for the caller to hand the description to FFmpeg.
func sourceFilter(attrs ...[]psdp.Attribute) (rtpsender.Filter, error) {
	f := rtpsender.Filter{Origin: "the session description's source-filter"}
	for _, list := range attrs {
		for _, a := range list {
			if a.Key != "source-filter" {
				continue
			}
			fields := strings.Fields(a.Value)
			if len(fields) < 5 || (fields[0] != "incl" && fields[0] != "excl") || fields[1] != "IN" {
				continue
			}
			for _, src := range fields[4:] {
				host, err := netip.ParseAddr(src)
				if err != nil {
					return rtpsender.Filter{}, fmt.Errorf("its source-filter names %q, not an IP address", src)
				}
				if fields[0] == "incl" {
					f.Sources = append(f.Sources, host.Unmap())
				} else {
					f.Block = append(f.Block, host.Unmap())
				}
			}
		}
	}
	return f, nil
}
