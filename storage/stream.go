package storage

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/gopline/gopline/media"
)

// StreamInfo describes one stream of a recording: one topic's packets, all of
// one codec.
type StreamInfo struct {
	// Name identifies the stream in the recording, usually the topic it
	// records ("/camera"): non-empty UTF-8 of at most 1024 bytes.
	Name string
	// Codec is the codec of every packet of the stream: media.H264,
	// media.JPEG or media.Raw.
	Codec media.Codec
	// Width and Height are the picture size the stream was created with, or 0
	// when unknown. Each packet carries its own size.
	Width, Height int
	// Format is the pixel format of a Raw stream; it is required for Raw and
	// ignored otherwise.
	Format media.PixelFormat
	// Created is when the stream was created. CreateStream fills in the
	// recording's clock when it is zero.
	Created time.Time
	// Source says where the packets came from (a device, a file, a node), for
	// people reading the recording.
	Source string
	// FrameID is the frame of reference of the stream's pictures, as a ROS
	// message's header.frame_id names it ("camera_optical_frame"): players
	// that line a camera up with the robot's other sensors match on it
	// (Foxglove's 3D panel, a camera calibration's topic). Empty when the
	// source named none; an export then writes the stream's name without
	// its leading slashes. At most 1024 bytes of UTF-8. Files written
	// before it was kept have none.
	FrameID string
}

func (s StreamInfo) validate() error {
	switch {
	case s.Name == "" || len(s.Name) > maxStreamName || !utf8.ValidString(s.Name):
		return fmt.Errorf("%w: name %q (want 1 to %d bytes of UTF-8)", ErrBadStreamInfo, s.Name, maxStreamName)
	case !s.Codec.Valid():
		return fmt.Errorf("%w: stream %q: codec %v", ErrBadStreamInfo, s.Name, s.Codec)
	case s.Width < 0 || s.Height < 0 || s.Width > media.MaxDimension || s.Height > media.MaxDimension:
		return fmt.Errorf("%w: stream %q: size %dx%d", ErrBadStreamInfo, s.Name, s.Width, s.Height)
	case s.Codec == media.Raw && !s.Format.Valid():
		return fmt.Errorf("%w: stream %q: raw stream with pixel format %v", ErrBadStreamInfo, s.Name, s.Format)
	case s.Format != media.PixelFormatUnknown && !s.Format.Valid():
		return fmt.Errorf("%w: stream %q: pixel format %v", ErrBadStreamInfo, s.Name, s.Format)
	case !ValidFrameID(s.FrameID):
		return fmt.Errorf("%w: stream %q: frame_id %q (want at most %d bytes of UTF-8)", ErrBadStreamInfo, s.Name, s.FrameID, maxStreamName)
	}
	return nil
}

// ValidFrameID says whether a StreamInfo takes id as its FrameID: at most
// 1024 bytes of UTF-8, or none.
func ValidFrameID(id string) bool {
	return len(id) <= maxStreamName && utf8.ValidString(id)
}

// storedStreamInfo is the JSON form of a StreamInfo in the stream's info key:
// codec and format by name, so that the file reads on its own. A field added
// later is optional (omitempty): a file without it reads as before, and a
// gopline that predates it reads the file, leaving the field out.
type storedStreamInfo struct {
	Name    string    `json:"name"`
	Codec   string    `json:"codec"`
	Width   int       `json:"width"`
	Height  int       `json:"height"`
	Format  string    `json:"format,omitempty"`
	Created time.Time `json:"created"`
	Source  string    `json:"source,omitempty"`
	FrameID string    `json:"frame_id,omitempty"`
}

func encodeStreamInfo(s StreamInfo) ([]byte, error) {
	st := storedStreamInfo{
		Name: s.Name, Codec: s.Codec.String(), Width: s.Width, Height: s.Height,
		Created: s.Created, Source: s.Source, FrameID: s.FrameID,
	}
	if s.Format.Valid() {
		st.Format = s.Format.String()
	}
	return json.Marshal(st)
}

func decodeStreamInfo(b []byte) (StreamInfo, error) {
	var st storedStreamInfo
	if err := json.Unmarshal(b, &st); err != nil {
		return StreamInfo{}, err
	}
	codec, err := media.ParseCodec(st.Codec)
	if err != nil {
		return StreamInfo{}, err
	}
	s := StreamInfo{
		Name: st.Name, Codec: codec, Width: st.Width, Height: st.Height,
		Created: st.Created, Source: st.Source, FrameID: st.FrameID,
	}
	if st.Format != "" {
		if s.Format, err = media.ParsePixelFormat(st.Format); err != nil {
			return StreamInfo{}, err
		}
	}
	return s, s.validate()
}
