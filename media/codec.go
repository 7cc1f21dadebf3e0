package media

import (
	"fmt"
	"strings"
)

// Codec names the encoding of a Packet's Data.
type Codec uint8

// The codecs gopline carries.
const (
	CodecUnknown Codec = iota
	// H264 data is one access unit in Annex B form (start codes), with SPS and
	// PPS in front of every IDR so that every GOP decodes on its own.
	H264
	// JPEG data is one baseline JFIF picture; every JPEG packet is a keyframe.
	JPEG
	// Raw data is one picture in Packet.Format, planes packed without padding
	// in plane order; every Raw packet is a keyframe.
	Raw
)

var codecNames = [...]string{CodecUnknown: "unknown", H264: "h264", JPEG: "jpeg", Raw: "raw"}

// String returns the codec's lower-case name ("h264", "jpeg", "raw").
func (c Codec) String() string {
	if int(c) < len(codecNames) {
		return codecNames[c]
	}
	return fmt.Sprintf("codec(%d)", uint8(c))
}

// Valid reports whether c is a known codec other than CodecUnknown.
func (c Codec) Valid() bool { return c > CodecUnknown && int(c) < len(codecNames) }

// IntraOnly reports whether every packet of the codec is a keyframe.
func (c Codec) IntraOnly() bool { return c == JPEG || c == Raw }

// ParseCodec returns the codec with the given name, case-insensitively.
func ParseCodec(name string) (Codec, error) {
	for c, n := range codecNames {
		if c != int(CodecUnknown) && strings.EqualFold(n, name) {
			return Codec(c), nil
		}
	}
	return CodecUnknown, fmt.Errorf("%w: %q (want h264, jpeg or raw)", ErrUnknownCodec, name)
}
