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
	}
	return nil
}

// storedStreamInfo is the JSON form of a StreamInfo in the stream's info key:
// codec and format by name, so that the file reads on its own.
type storedStreamInfo struct {
	Name    string    `json:"name"`
	Codec   string    `json:"codec"`
	Width   int       `json:"width"`
	Height  int       `json:"height"`
	Format  string    `json:"format,omitempty"`
	Created time.Time `json:"created"`
	Source  string    `json:"source,omitempty"`
}

func encodeStreamInfo(s StreamInfo) ([]byte, error) {
	st := storedStreamInfo{
		Name: s.Name, Codec: s.Codec.String(), Width: s.Width, Height: s.Height,
		Created: s.Created, Source: s.Source,
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
		Created: st.Created, Source: st.Source,
	}
	if st.Format != "" {
		if s.Format, err = media.ParsePixelFormat(st.Format); err != nil {
			return StreamInfo{}, err
		}
	}
	return s, s.validate()
}
