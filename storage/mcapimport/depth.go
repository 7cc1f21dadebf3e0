package mcapimport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"strings"

	"github.com/gopline/gopline/media"
)

// A compressedDepth picture (ROS compressed_depth_image_transport, the
// ".../compressedDepth" topics of depth cameras) is its format
// "ENCODING; compressedDepth CODEC" (older releases: "ENCODING;
// compressedDepth", PNG), then its data: a 12-byte header (the
// compression's kind, an int32, and two float32 quantization parameters,
// all little-endian) and the picture, a 16-bit grey PNG or RVL. A 16UC1
// picture's samples are its millimetres; a 32FC1 picture's are inverse
// depth, quantized: metres = a / (sample - b), 0 for no measurement.
const depthHeader = 12

// depthPacket decodes a compressedDepth picture to GRAY8, its distances
// shown in values (its encoding's default range when zero).
func depthPacket(p picture, values ValueRange) (*media.Packet, error) {
	encoding, codec, err := depthFormat(p.format)
	if err != nil {
		return nil, err
	}
	if len(p.data) <= depthHeader {
		return nil, fmt.Errorf("a compressedDepth picture of %d bytes", len(p.data))
	}
	a := math.Float32frombits(binary.LittleEndian.Uint32(p.data[4:]))
	b := math.Float32frombits(binary.LittleEndian.Uint32(p.data[8:]))
	body := p.data[depthHeader:]
	var w, h int
	var samples []uint16
	if codec == "rvl" {
		w, h, samples, err = decodeRVL(body)
	} else {
		w, h, samples, err = decodeGrey16PNG(body)
	}
	if err != nil {
		return nil, err
	}
	inverse := encoding == "32fc1"
	if values == (ValueRange{}) {
		values = Range16
		if inverse {
			values = RangeFloat
		}
	}
	out := make([]byte, len(samples))
	for i, s := range samples {
		v := float64(s)
		if inverse {
			v = math.NaN()
			if s != 0 {
				v = float64(a / (float32(s) - b))
			}
		}
		out[i] = values.grey(v)
	}
	return &media.Packet{Codec: media.Raw, Format: media.GRAY8, Data: out, Key: true, Width: w, Height: h}, nil
}

// depthFormat returns a compressedDepth format's encoding (lower case:
// "16uc1" or "32fc1") and codec ("png" or "rvl").
func depthFormat(format string) (encoding, codec string, err error) {
	f := strings.ToLower(format)
	encoding, rest, _ := strings.Cut(f, ";")
	encoding = strings.TrimSpace(encoding)
	if encoding != "16uc1" && encoding != "32fc1" {
		return "", "", fmt.Errorf("format %q: compressedDepth of %q, not 16UC1 or 32FC1", format, encoding)
	}
	switch strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), "compresseddepth")) {
	case "", "png":
		return encoding, "png", nil
	case "rvl":
		return encoding, "rvl", nil
	}
	return "", "", fmt.Errorf("format %q: gopline reads compressedDepth in PNG or RVL", format)
}

// decodeGrey16PNG returns a grey PNG's size and samples, 16-bit (an 8-bit
// one's widened).
func decodeGrey16PNG(data []byte) (w, h int, samples []uint16, err error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, 0, nil, err
	}
	if err := checkPictureSize(cfg.Width, cfg.Height); err != nil {
		return 0, 0, nil, err
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return 0, 0, nil, err
	}
	r := img.Bounds()
	w, h = r.Dx(), r.Dy()
	samples = make([]uint16, 0, w*h)
	switch g := img.(type) {
	case *image.Gray16:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				samples = append(samples, g.Gray16At(x, y).Y)
			}
		}
	case *image.Gray:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				samples = append(samples, uint16(g.GrayAt(x, y).Y))
			}
		}
	default:
		return 0, 0, nil, fmt.Errorf("a compressedDepth PNG of %T, not grey", img)
	}
	return w, h, samples, nil
}

// checkPictureSize refuses a picture too large to decode.
func checkPictureSize(w, h int) error {
	if err := checkSize(w, h); err != nil {
		return err
	}
	if w*h > maxPixels {
		return fmt.Errorf("a picture of %dx%d, more pixels than gopline decodes (%d)", w, h, maxPixels)
	}
	return nil
}

var errRVLShort = errors.New("RVL: the data ends before the picture")

// decodeRVL decodes an RVL picture (Wilson's run-length and variable-length
// coding of depth, as compressed_depth_image_transport writes it): its
// width and height (uint32, little-endian), then 32-bit little-endian
// words of 4-bit nibbles, the highest first. A number is nibbles of 3 bits
// each, the lowest first, the fourth bit set on all but the last. The
// picture is runs, each a count of zeros, a count of other samples, and
// those, each the zigzag-coded difference from the sample before.
func decodeRVL(data []byte) (w, h int, samples []uint16, err error) {
	if len(data) < 8 {
		return 0, 0, nil, errRVLShort
	}
	cols, rows := binary.LittleEndian.Uint32(data), binary.LittleEndian.Uint32(data[4:])
	if cols > media.MaxDimension || rows > media.MaxDimension {
		return 0, 0, nil, fmt.Errorf("an RVL picture of %dx%d", cols, rows)
	}
	w, h = int(cols), int(rows)
	if err := checkPictureSize(w, h); err != nil {
		return 0, 0, nil, err
	}
	r := rvlReader{data: data[8:]}
	samples = make([]uint16, 0, w*h)
	var previous uint16
	for len(samples) < w*h {
		zeros, err := r.count(w*h - len(samples))
		if err != nil {
			return 0, 0, nil, err
		}
		samples = append(samples, make([]uint16, zeros)...)
		others, err := r.count(w*h - len(samples))
		if err != nil {
			return 0, 0, nil, err
		}
		for range others {
			zigzag, err := r.number()
			if err != nil {
				return 0, 0, nil, err
			}
			previous += uint16(int32(zigzag>>1) ^ -int32(zigzag&1))
			samples = append(samples, previous)
		}
	}
	return w, h, samples, nil
}

// rvlReader reads RVL's numbers from its words.
type rvlReader struct {
	data    []byte
	word    uint32
	nibbles int // left in word
}

// number reads one number; one of more than 30 bits is damage.
func (r *rvlReader) number() (uint32, error) {
	var v uint32
	for shift := 0; shift < 32; shift += 3 {
		if r.nibbles == 0 {
			if len(r.data) < 4 {
				return 0, errRVLShort
			}
			r.word, r.data, r.nibbles = binary.LittleEndian.Uint32(r.data), r.data[4:], 8
		}
		nibble := r.word >> 28
		r.word <<= 4
		r.nibbles--
		v |= (nibble & 7) << shift
		if nibble&8 == 0 {
			return v, nil
		}
	}
	return 0, errors.New("RVL: a number of more than 30 bits")
}

// count reads a run's length, at most left.
func (r *rvlReader) count(left int) (int, error) {
	n, err := r.number()
	if err == nil && int64(n) > int64(left) {
		err = fmt.Errorf("RVL: a run of %d samples where %d are left", n, left)
	}
	return int(n), err
}
