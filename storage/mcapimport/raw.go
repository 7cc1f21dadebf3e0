package mcapimport

import (
	"fmt"
	"strings"

	"github.com/gopline/gopline/media"
)

// rawLayout is how a ROS raw encoding lays out a pixel: its bytes, where
// red, green and blue are among them (grey: one byte; YUV 4:2:2: two bytes
// a pixel, chroma shared by two), and the pixel format gopline keeps.
type rawLayout struct {
	bytes   int
	r, g, b int
	yuyv    bool // Y0 U Y1 V; else UYVY (U Y0 V Y1) when format is YUV420P
	format  media.PixelFormat
}

// rawLayouts are the 8-bit encodings of sensor_msgs/Image (and Foxglove's
// RawImage) that gopline takes.
var rawLayouts = map[string]rawLayout{
	"rgb8":        {bytes: 3, r: 0, g: 1, b: 2, format: media.RGB24},
	"bgr8":        {bytes: 3, r: 2, g: 1, b: 0, format: media.RGB24},
	"8uc3":        {bytes: 3, r: 2, g: 1, b: 0, format: media.RGB24}, // OpenCV's order
	"rgba8":       {bytes: 4, r: 0, g: 1, b: 2, format: media.RGB24},
	"bgra8":       {bytes: 4, r: 2, g: 1, b: 0, format: media.RGB24},
	"8uc4":        {bytes: 4, r: 2, g: 1, b: 0, format: media.RGB24},
	"mono8":       {bytes: 1, format: media.GRAY8},
	"8uc1":        {bytes: 1, format: media.GRAY8},
	"yuv422":      {bytes: 2, format: media.YUV420P},
	"uyvy":        {bytes: 2, format: media.YUV420P},
	"yuv422_yuy2": {bytes: 2, yuyv: true, format: media.YUV420P},
	"yuyv":        {bytes: 2, yuyv: true, format: media.YUV420P},
}

// rawPacket converts a raw picture to a packet of its layout's format,
// rows packed (a row of step bytes may be padded).
func rawPacket(p picture) (*media.Packet, error) {
	l := rawLayouts[strings.ToLower(p.encoding)]
	w, h := p.width, p.height
	switch {
	case w <= 0 || h <= 0 || w > media.MaxDimension || h > media.MaxDimension:
		return nil, fmt.Errorf("a picture of %dx%d", w, h)
	case l.format == media.YUV420P && w%2 != 0:
		return nil, fmt.Errorf("a %s picture of odd width %d", p.encoding, w)
	}
	step := p.step
	if step == 0 {
		step = w * l.bytes
	}
	if step < w*l.bytes || len(p.data)/step < h-1 || len(p.data)-(h-1)*step < w*l.bytes {
		return nil, fmt.Errorf("%d bytes for %dx%d %s with rows of %d", len(p.data), w, h, p.encoding, step)
	}
	row := func(y int) []byte { return p.data[y*step : y*step+w*l.bytes] }
	out := make([]byte, 0, l.format.PictureSize(w, h))
	switch l.format {
	case media.GRAY8:
		for y := 0; y < h; y++ {
			out = append(out, row(y)...)
		}
	case media.RGB24:
		for y := 0; y < h; y++ {
			r := row(y)
			for x := 0; x < len(r); x += l.bytes {
				out = append(out, r[x+l.r], r[x+l.g], r[x+l.b])
			}
		}
	case media.YUV420P:
		out = yuv422To420(out, w, h, row, l.yuyv)
	}
	return &media.Packet{Codec: media.Raw, Format: l.format, Data: out, Key: true, Width: w, Height: h}, nil
}

// yuv422To420 appends the planes of a packed 4:2:2 picture as 4:2:0: the
// luma as it is, each chroma sample the mean of two rows' (of the last row
// alone when the height is odd).
func yuv422To420(out []byte, w, h int, row func(y int) []byte, yuyv bool) []byte {
	yAt, uAt, vAt := 1, 0, 2 // UYVY
	if yuyv {
		yAt, uAt, vAt = 0, 1, 3
	}
	for y := 0; y < h; y++ {
		r := row(y)
		for x := 0; x < w; x++ {
			out = append(out, r[2*x+yAt])
		}
	}
	for _, at := range []int{uAt, vAt} {
		for y := 0; y < h; y += 2 {
			a, b := row(y), row(min(y+1, h-1))
			for x := 0; x < w; x += 2 {
				out = append(out, byte((int(a[2*x+at])+int(b[2*x+at])+1)/2))
			}
		}
	}
	return out
}
