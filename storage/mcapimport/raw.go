package mcapimport

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/gopline/gopline/media"
)

// rawLayout is how a ROS raw encoding lays out a pixel: its bytes, where
// red, green and blue are among them (grey: one byte; YUV 4:2:2: two bytes
// a pixel, chroma shared by two), and the pixel format gopline keeps.
type rawLayout struct {
	bytes   int // a pixel's, once its samples are 8-bit
	r, g, b int
	yuyv    bool // Y0 U Y1 V; else UYVY (U Y0 V Y1) when format is YUV420P
	// bayer is a colour filter mosaic's 2x2 tile, row by row ("rggb": red
	// at even rows and columns), demosaiced to RGB24.
	bayer string
	// sample is the bytes of a sample wider than 8 bits: 2 (16-bit), or 4
	// (a 32-bit float); 0 for 8-bit samples.
	sample int
	// chroma is a 4:2:0 picture's chroma row order after its luma plane,
	// the two interleaved a row at a time: "uv" (NV12) or "vu" (NV21).
	chroma string
	// measured: the samples are measurements (a depth camera's distances,
	// a thermal camera's counts), shown in grey by a ValueRange; else
	// 16-bit samples keep their top 8 bits' worth, as cv_bridge scales them.
	measured bool
	format   media.PixelFormat
}

// rawLayouts are the encodings of sensor_msgs/Image (and Foxglove's
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
	"nv21":        {bytes: 1, chroma: "vu", format: media.YUV420P},
	"nv12":        {bytes: 1, chroma: "uv", format: media.YUV420P},
	"bayer_rggb8": {bytes: 1, bayer: "rggb", format: media.RGB24},
	"bayer_bggr8": {bytes: 1, bayer: "bggr", format: media.RGB24},
	"bayer_gbrg8": {bytes: 1, bayer: "gbrg", format: media.RGB24},
	"bayer_grbg8": {bytes: 1, bayer: "grbg", format: media.RGB24},

	"rgb16":        {bytes: 3, r: 0, g: 1, b: 2, sample: 2, format: media.RGB24},
	"bgr16":        {bytes: 3, r: 2, g: 1, b: 0, sample: 2, format: media.RGB24},
	"16uc3":        {bytes: 3, r: 2, g: 1, b: 0, sample: 2, format: media.RGB24},
	"rgba16":       {bytes: 4, r: 0, g: 1, b: 2, sample: 2, format: media.RGB24},
	"bgra16":       {bytes: 4, r: 2, g: 1, b: 0, sample: 2, format: media.RGB24},
	"16uc4":        {bytes: 4, r: 2, g: 1, b: 0, sample: 2, format: media.RGB24},
	"bayer_rggb16": {bytes: 1, bayer: "rggb", sample: 2, format: media.RGB24},
	"bayer_bggr16": {bytes: 1, bayer: "bggr", sample: 2, format: media.RGB24},
	"bayer_gbrg16": {bytes: 1, bayer: "gbrg", sample: 2, format: media.RGB24},
	"bayer_grbg16": {bytes: 1, bayer: "grbg", sample: 2, format: media.RGB24},
	// Depth in millimetres, a thermal camera's counts, depth in metres.
	"16uc1":  {bytes: 1, sample: 2, measured: true, format: media.GRAY8},
	"mono16": {bytes: 1, sample: 2, measured: true, format: media.GRAY8},
	"32fc1":  {bytes: 1, sample: 4, measured: true, format: media.GRAY8},
}

// ValueRange is the values of a picture of measurements (a depth camera's
// 16UC1 millimetres or 32FC1 metres, a thermal camera's mono16 counts)
// shown from black (Min) to white (Max), as ROS image_view and Foxglove
// show them; values outside it are black or white, and NaN (no
// measurement) black.
type ValueRange struct{ Min, Max float64 }

// The ranges a picture of measurements is shown in unless told: 0 to 10 m
// of depth, in millimetres for 16-bit samples and in metres for floats,
// as ROS image_view, rqt_image_view and Foxglove default to.
var (
	Range16    = ValueRange{0, 10000}
	RangeFloat = ValueRange{0, 10}
)

// Valid says whether r is a range pictures can be shown in.
func (r ValueRange) Valid() error {
	if math.IsNaN(r.Min) || math.IsInf(r.Min, 0) || math.IsNaN(r.Max) || math.IsInf(r.Max, 0) || r.Max <= r.Min {
		return fmt.Errorf("value range %g:%g: want finite MIN:MAX with MIN below MAX", r.Min, r.Max)
	}
	return nil
}

// grey returns v's grey level in r.
func (r ValueRange) grey(v float64) byte {
	g := (v - r.Min) * 255 / (r.Max - r.Min)
	switch {
	case math.IsNaN(g) || g <= 0:
		return 0
	case g >= 255:
		return 255
	}
	return byte(math.Round(g))
}

// rawPacket converts a raw picture to a packet of its layout's format,
// rows packed (a row of step bytes may be padded); a picture of
// measurements is shown in values (its sample's default range when zero).
func rawPacket(p picture, values ValueRange) (*media.Packet, error) {
	l := rawLayouts[strings.ToLower(p.encoding)]
	w, h := p.width, p.height
	switch {
	case checkSize(w, h) != nil:
		return nil, checkSize(w, h)
	case l.format == media.YUV420P && l.chroma == "" && w%2 != 0:
		return nil, fmt.Errorf("a %s picture of odd width %d", p.encoding, w)
	case l.bayer != "" && (w < 2 || h < 2):
		return nil, fmt.Errorf("a %s picture of %dx%d, smaller than its 2x2 tile", p.encoding, w, h)
	}
	rowBytes := w * l.bytes * max(l.sample, 1)
	rows := h
	if l.chroma != "" { // the chroma rows after the luma's, as wide: pairs of samples
		rowBytes, rows = 2*((w+1)/2), h+(h+1)/2
	}
	step := p.step
	if step == 0 {
		step = rowBytes
	}
	if step < rowBytes || len(p.data)/step < rows-1 || len(p.data)-(rows-1)*step < rowBytes {
		return nil, fmt.Errorf("%d bytes for %dx%d %s with rows of %d", len(p.data), w, h, p.encoding, step)
	}
	data := p.data
	if l.sample > 0 {
		if values == (ValueRange{}) {
			values = defaultRange(l.sample)
		}
		data, step = narrow(p.data, w*l.bytes, h, step, l, p.bigEndian, values), w*l.bytes
	}
	row := func(y int) []byte { return data[y*step : y*step+w*l.bytes] }
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
		if l.chroma != "" {
			out = semiPlanarTo420(out, w, h, func(y int) []byte { return data[y*step : y*step+rowBytes] }, l.chroma)
			break
		}
		out = yuv422To420(out, w, h, row, l.yuyv)
	}
	return &media.Packet{Codec: media.Raw, Format: l.format, Data: out, Key: true, Width: w, Height: h}, nil
}

// semiPlanarTo420 appends the planes of a 4:2:0 picture whose chroma
// rows (row(h) on) interleave its two chroma samples in the order chroma
// says ("uv", NV12; "vu", NV21): the luma as it is, then U, then V.
func semiPlanarTo420(out []byte, w, h int, row func(y int) []byte, chroma string) []byte {
	for y := 0; y < h; y++ {
		out = append(out, row(y)[:w]...)
	}
	first := 0 // U's place in a pair
	if chroma == "vu" {
		first = 1
	}
	for _, at := range []int{first, 1 - first} {
		for y := h; y < h+(h+1)/2; y++ {
			r := row(y)
			for x := at; x < len(r); x += 2 {
				out = append(out, r[x])
			}
		}
	}
	return out
}

// defaultRange is the range measurements of sample bytes are shown in.
func defaultRange(sample int) ValueRange {
	if sample == 4 {
		return RangeFloat
	}
	return Range16
}

// narrow returns h rows of n samples of l.sample bytes each, every step
// bytes in data, as rows of n 8-bit samples, packed: measurements by their
// grey in values, other 16-bit samples scaled by 255/65535 (cv_bridge's
// conversion to 8 bits).
func narrow(data []byte, n, h, step int, l rawLayout, bigEndian bool, values ValueRange) []byte {
	var order binary.ByteOrder = binary.LittleEndian
	if bigEndian {
		order = binary.BigEndian
	}
	out := make([]byte, 0, n*h)
	for y := 0; y < h; y++ {
		row := data[y*step : y*step+n*l.sample]
		for i := 0; i < len(row); i += l.sample {
			switch {
			case l.sample == 4:
				out = append(out, values.grey(float64(math.Float32frombits(order.Uint32(row[i:])))))
			case l.measured:
				out = append(out, values.grey(float64(order.Uint16(row[i:]))))
			default:
				out = append(out, byte((uint32(order.Uint16(row[i:]))*255+32767)/65535))
			}
		}
	}
	return out
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
