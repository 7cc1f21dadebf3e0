package h264

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// x264AVCC is the avcC payload ffmpeg wrote for a 320x240 High profile x264
// stream in MP4, with the high profile extension.
const x264AVCC = "0164000dffe100196764000dacd94141fb0110000003001000000303c0f142996001000668ebe3cb22c0fdf8f800"

func TestParseDecoderConfigReadsAnX264Record(t *testing.T) {
	record := mustDecodeHex(t, x264AVCC)
	input := bytes.Clone(record)
	c, err := ParseDecoderConfig(record)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(record, input) {
		t.Error("ParseDecoderConfig modified its input")
	}
	want := &DecoderConfig{
		Profile: 100, ProfileCompatibility: 0, Level: 13, LengthSize: 4,
		SPS:          [][]byte{mustDecodeHex(t, spsCases[0].hex)},
		PPS:          [][]byte{{0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0}},
		HasExtension: true, ChromaFormat: 1, BitDepthLuma: 8, BitDepthChroma: 8,
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got %+v\nwant %+v", c, want)
	}
	sps, err := ParseSPS(c.SPS[0])
	if err != nil || sps.Width() != 320 || sps.Height() != 240 {
		t.Errorf("SPS from the record: %v, %v", sps, err)
	}
	marshalled, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(marshalled, record) {
		t.Errorf("Marshal = %x, want %x", marshalled, record)
	}
}

func TestDecoderConfigRoundTrips(t *testing.T) {
	configs := []*DecoderConfig{
		{Profile: 66, ProfileCompatibility: 0xc0, Level: 30, LengthSize: 4,
			SPS: [][]byte{{0x67, 0x42, 0xc0, 0x1e}}, PPS: [][]byte{{0x68, 0xce}}},
		{Profile: 77, Level: 40, LengthSize: 2,
			SPS: [][]byte{{0x67, 1}, {0x67, 2}}, PPS: [][]byte{{0x68, 1}, {0x68, 2}, {0x68, 3}}},
		{Profile: 100, Level: 51, LengthSize: 1, SPS: [][]byte{{0x67}}},
		{Profile: 122, Level: 40, LengthSize: 4, SPS: [][]byte{{0x67}}, PPS: [][]byte{{0x68}},
			HasExtension: true, ChromaFormat: 2, BitDepthLuma: 10, BitDepthChroma: 9, SPSExt: [][]byte{{0x6d, 1}}},
		{Profile: 100, Level: 31, LengthSize: 4},
	}
	for _, c := range configs {
		b, err := c.Marshal()
		if err != nil {
			t.Fatalf("Marshal(%+v): %v", c, err)
		}
		got, err := ParseDecoderConfig(b)
		if err != nil {
			t.Fatalf("ParseDecoderConfig(%x): %v", b, err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("round trip = %+v, want %+v", got, c)
		}
	}
}

func TestParseDecoderConfigRejectsBadRecords(t *testing.T) {
	tests := []struct {
		name   string
		record string
		want   error
	}{
		{"empty", "", ErrTruncated},
		{"header cut short", "0164000dff", ErrTruncated},
		{"version 0", "0064000dffe1000167" + "0100016a", ErrUnsupported},
		{"length size 3", "0164000dfee10001670100016a", ErrInvalidLength},
		{"SPS length past the end", "0164000dffe1000967", ErrTruncated},
		{"SPS length cut short", "0164000dffe100", ErrTruncated},
		{"empty SPS", "0164000dffe100000100016a", ErrInvalidLength},
		{"no PPS count", "0164000dffe1000167", ErrTruncated},
		{"PPS past the end", "0164000dffe1000167010005", ErrTruncated},
		{"empty PPS", "0164000dffe10001670100 00", ErrInvalidLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			record := mustDecodeHex(t, stripSpaces(tt.record))
			c, err := ParseDecoderConfig(record)
			if !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
			if c != nil {
				t.Error("a config was returned with the error")
			}
		})
	}
}

func TestParseDecoderConfigIgnoresABrokenExtension(t *testing.T) {
	tests := []struct {
		name   string
		record string
	}{
		{"no extension", "0164000dffe10001670100016a"},
		{"extension cut short", "0164000dffe10001670100016afdf8"},
		{"reserved bits clear", "0164000dffe10001670100016a01000000"},
		{"SPS extension past the end", "0164000dffe10001670100016afdf8f801000a6d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseDecoderConfig(mustDecodeHex(t, tt.record))
			if err != nil {
				t.Fatal(err)
			}
			if c.HasExtension || len(c.SPS) != 1 || len(c.PPS) != 1 {
				t.Errorf("got %+v", c)
			}
		})
	}
}

func TestDecoderConfigMarshalRejectsWhatDoesNotFit(t *testing.T) {
	one := [][]byte{{0x67}}
	tests := []struct {
		name string
		c    DecoderConfig
		want error
	}{
		{"length size 3", DecoderConfig{LengthSize: 3}, ErrInvalidLength},
		{"32 SPS", DecoderConfig{LengthSize: 4, SPS: make([][]byte, 32)}, ErrTooManyNALUs},
		{"256 PPS", DecoderConfig{LengthSize: 4, SPS: one, PPS: make([][]byte, 256)}, ErrTooManyNALUs},
		{"empty SPS", DecoderConfig{LengthSize: 4, SPS: [][]byte{{}}}, ErrInvalidLength},
		{"65536-byte PPS", DecoderConfig{LengthSize: 4, SPS: one, PPS: [][]byte{make([]byte, 65536)}}, ErrInvalidLength},
		{"bit depth 7", DecoderConfig{LengthSize: 4, HasExtension: true, BitDepthLuma: 7, BitDepthChroma: 8}, ErrUnsupported},
		{"bit depth 16", DecoderConfig{LengthSize: 4, HasExtension: true, BitDepthLuma: 8, BitDepthChroma: 16}, ErrUnsupported},
		{"chroma format 4", DecoderConfig{LengthSize: 4, HasExtension: true, ChromaFormat: 4, BitDepthLuma: 8, BitDepthChroma: 8}, ErrUnsupported},
		{"256 SPS extensions", DecoderConfig{LengthSize: 4, HasExtension: true, BitDepthLuma: 8, BitDepthChroma: 8, SPSExt: make([][]byte, 256)}, ErrTooManyNALUs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.c.Marshal(); !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
}

func stripSpaces(s string) string {
	return string(bytes.ReplaceAll([]byte(s), []byte(" "), nil))
}

func FuzzParseDecoderConfig(f *testing.F) {
	f.Add(mustDecodeHex(f, x264AVCC))
	f.Add(mustDecodeHex(f, "0164000dffe10001670100016afdf8f801000a6d"))
	f.Add(mustDecodeHex(f, "0142c01effe1000467"+"42c01e0100026832"))
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, record []byte) {
		input := bytes.Clone(record)
		c, err := ParseDecoderConfig(record)
		if !bytes.Equal(input, record) {
			t.Fatal("ParseDecoderConfig modified its input")
		}
		if err != nil {
			return
		}
		b, err := c.Marshal()
		if err != nil {
			t.Fatalf("Marshal of a parsed record: %v", err)
		}
		again, err := ParseDecoderConfig(b)
		if err != nil {
			t.Fatalf("parsing a marshalled record: %v", err)
		}
		if !reflect.DeepEqual(again, c) {
			t.Fatalf("parse, marshal, parse = %+v, want %+v", again, c)
		}
	})
}
