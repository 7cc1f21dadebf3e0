package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
)

// recordCases feed the round-trip test and the fuzz seeds.
func recordCases() map[string]*media.Packet {
	at := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	return map[string]*media.Packet{
		"h264 keyframe": {Codec: media.H264, Data: []byte{0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x65, 9}, Key: true,
			Seq: 30, GOP: 30, Epoch: 0xfeedface, CaptureTime: at, Width: 640, Height: 480},
		"h264 delta": {Codec: media.H264, Data: []byte{0, 0, 1, 0x41, 7}, Seq: 31, GOP: 30, Epoch: 0xfeedface,
			CaptureTime: at.Add(33 * time.Millisecond), Width: 640, Height: 480, Format: media.YUV420P},
		"jpeg": {Codec: media.JPEG, Data: []byte{0xff, 0xd8, 0xff, 0xd9}, Key: true, Seq: 1 << 40, GOP: 1 << 40,
			Epoch: 1<<64 - 1, CaptureTime: at, Width: media.MaxDimension, Height: 1},
		"raw gray8": {Codec: media.Raw, Format: media.GRAY8, Data: []byte{1, 2, 3, 4, 5, 6}, Key: true,
			CaptureTime: time.Unix(0, -5), Width: 3, Height: 2},
		"raw yuv420p": {Codec: media.Raw, Format: media.YUV420P, Data: make([]byte, 4*2+2*2*1), Key: true,
			CaptureTime: time.Unix(0, 1<<62), Width: 4, Height: 2},
	}
}

func TestRecordRoundTripsEveryField(t *testing.T) {
	for name, p := range recordCases() {
		b := encodeRecord(p)
		if len(b) != recordHeaderSize+len(p.Data) {
			t.Fatalf("%s: %d bytes, want %d", name, len(b), recordHeaderSize+len(p.Data))
		}
		got, err := decodeRecord(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Codec != p.Codec || !bytes.Equal(got.Data, p.Data) || got.Key != p.Key || got.Seq != p.Seq ||
			got.GOP != p.GOP || got.Epoch != p.Epoch || !got.CaptureTime.Equal(p.CaptureTime) ||
			got.Width != p.Width || got.Height != p.Height || got.Format != p.Format {
			t.Fatalf("%s: decoded %+v, want %+v", name, got, p)
		}
		// The decoded packet owns its data.
		b[recordHeaderSize] ^= 0xff
		if got.Data[0] != p.Data[0] {
			t.Fatalf("%s: decoded data shares the record's memory", name)
		}
	}
}

func TestDecodeRecordRejectsDamage(t *testing.T) {
	good := encodeRecord(recordCases()["h264 delta"])
	for name, damage := range map[string]func(b []byte) []byte{
		"empty":             func(b []byte) []byte { return nil },
		"header cut short":  func(b []byte) []byte { return b[:recordHeaderSize-1] },
		"data cut short":    func(b []byte) []byte { return b[:len(b)-1] },
		"a byte too many":   func(b []byte) []byte { return append(b, 0) },
		"newer version":     func(b []byte) []byte { b[0] = 2; return b },
		"unknown flag":      func(b []byte) []byte { b[1] |= 0x80; return b },
		"flipped data bit":  func(b []byte) []byte { b[len(b)-1] ^= 1; return b },
		"flipped seq bit":   func(b []byte) []byte { b[27] ^= 1; return b },
		"flipped crc bit":   func(b []byte) []byte { b[crcOffset] ^= 1; return b },
		"wrong data length": func(b []byte) []byte { binary.BigEndian.PutUint32(b[lengthOffset:], 1); return b },
		"unknown codec": func(b []byte) []byte {
			b[2] = 200
			binary.BigEndian.PutUint32(b[crcOffset:], recordCRC(b))
			return b
		},
		"gop ahead of seq": func(b []byte) []byte {
			binary.BigEndian.PutUint64(b[28:], 1000)
			binary.BigEndian.PutUint32(b[crcOffset:], recordCRC(b))
			return b
		},
		"zero width": func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[4:], 0)
			binary.BigEndian.PutUint32(b[crcOffset:], recordCRC(b))
			return b
		},
	} {
		b := damage(append([]byte(nil), good...))
		in := append([]byte(nil), b...)
		p, err := decodeRecord(b)
		if !errors.Is(err, ErrCorruptRecord) || p != nil {
			t.Errorf("%s: %v, %v; want ErrCorruptRecord", name, p, err)
		}
		if !bytes.Equal(b, in) {
			t.Errorf("%s: the decoder modified its input", name)
		}
	}
}

// FuzzDecodeRecord checks that the decoder never panics, never modifies its
// input, reports every failure as ErrCorruptRecord, and accepts only
// canonical records: whatever it decodes encodes back to the same bytes.
// Each input is also tried with its length and checksum fields made right,
// so that the fuzzer reaches the checks behind the checksum.
func FuzzDecodeRecord(f *testing.F) {
	for _, p := range recordCases() {
		b := encodeRecord(p)
		f.Add(b)
		f.Add(b[:len(b)-1])
	}
	f.Add([]byte{})
	f.Add([]byte{recordVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, b)
		if len(b) >= recordHeaderSize {
			fixed := append([]byte(nil), b...)
			binary.BigEndian.PutUint32(fixed[lengthOffset:], uint32(len(fixed)-recordHeaderSize))
			binary.BigEndian.PutUint32(fixed[crcOffset:], recordCRC(fixed))
			checkDecode(t, fixed)
		}
	})
}

func checkDecode(t *testing.T, b []byte) {
	in := append([]byte(nil), b...)
	p, err := decodeRecord(b)
	if !bytes.Equal(b, in) {
		t.Fatal("the decoder modified its input")
	}
	if err != nil {
		if !errors.Is(err, ErrCorruptRecord) || p != nil {
			t.Fatalf("%v, %v", p, err)
		}
		return
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("decoded an invalid packet: %v", err)
	}
	if again := encodeRecord(p); !bytes.Equal(again, b) {
		t.Fatalf("decoded %x, which encodes to %x", b, again)
	}
}
