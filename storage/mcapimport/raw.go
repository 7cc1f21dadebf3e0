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
	// bayer is a colour filter mosaic's 2x2 tile, row by row ("rggb": red
	// at even rows and columns), demosaiced to RGB24.
	bayer  string
	format media.PixelFormat
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
	"bayer_rggb8": {bytes: 1, bayer: "rggb", format: media.RGB24},
	"bayer_bggr8": {bytes: 1, bayer: "bggr", format: media.RGB24},
	"bayer_gbrg8": {bytes: 1, bayer: "gbrg", format: media.RGB24},
	"bayer_grbg8": {bytes: 1, bayer: "grbg", format: media.RGB24},
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
	case l.bayer != "" && (w < 2 || h < 2):
		return nil, fmt.Errorf("a %s picture of %dx%d, smaller than its 2x2 tile", p.encoding, w, h)
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
		if l.bayer != "" {
			out = demosaic(out, w, h, row, l.bayer)
			break
		}
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

// demosaic appends the RGB24 picture of a Bayer mosaic whose 2x2 tile is
// tile, by bilinear interpolation (as ROS image_proc's default debayer): a
// colour a pixel lacks is the mean of its nearest neighbours that have it,
// the two beside it or the two above and below it for red and blue at a
// green pixel, the four beside it for green and the four diagonal ones for
// the other colour at a red or blue pixel. Past the picture's edges its
// rows and columns are mirrored (row -1 is row 1), which keeps the tile. w
// and h are at least 2.
func demosaic(out []byte, w, h int, row func(y int) []byte, tile string) []byte {
	channel := map[byte]int{'r': 0, 'g': 1, 'b': 2}
	var colour [4]int // of the pixel at (x, y): colour[2*(y%2)+x%2]
	for i := range colour {
		colour[i] = channel[tile[i]]
	}
	mirror := func(i, n int) int {
		switch {
		case i < 0:
			return 1
		case i >= n:
			return n - 2
		}
		return i
	}
	var px [3]int
	for y := 0; y < h; y++ {
		up, here, down := row(mirror(y-1, h)), row(y), row(mirror(y+1, h))
		for x := 0; x < w; x++ {
			l, r := mirror(x-1, w), mirror(x+1, w)
			c := colour[2*(y%2)+x%2]
			px[c] = int(here[x])
			if c == 1 { // green: the row's other colour beside it, the column's above and below
				px[colour[2*(y%2)+(x+1)%2]] = (int(here[l]) + int(here[r]) + 1) / 2
				px[colour[2*((y+1)%2)+x%2]] = (int(up[x]) + int(down[x]) + 1) / 2
			} else {
				px[1] = (int(here[l]) + int(here[r]) + int(up[x]) + int(down[x]) + 2) / 4
				px[2-c] = (int(up[l]) + int(up[r]) + int(down[l]) + int(down[r]) + 2) / 4
			}
			out = append(out, byte(px[0]), byte(px[1]), byte(px[2]))
		}
	}
	return out
}
