package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"slices"
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
		"h264 b-frame": {Codec: media.H264, Data: []byte{0, 0, 1, 0x01, 7}, Seq: 33, GOP: 30, Epoch: 0xfeedface,
			CaptureTime: at.Add(33 * time.Millisecond), CompositionOffset: -40 * time.Millisecond, Width: 640, Height: 480},
		"h264 reordered p-frame": {Codec: media.H264, Data: []byte{0, 0, 1, 0x41, 7}, Seq: 32, GOP: 30, Epoch: 0xfeedface,
			CaptureTime: at.Add(100 * time.Millisecond), CompositionOffset: 80 * time.Millisecond, Width: 640, Height: 480},
		"jpeg": {Codec: media.JPEG, Data: []byte{0xff, 0xd8, 0xff, 0xd9}, Key: true, Seq: 1 << 40, GOP: 1 << 40,
			Epoch: 1<<64 - 1, CaptureTime: at, Width: media.MaxDimension, Height: 1},
		"raw gray8": {Codec: media.Raw, Format: media.GRAY8, Data: []byte{1, 2, 3, 4, 5, 6}, Key: true,
			CaptureTime: time.Unix(0, -5), Width: 3, Height: 2},
		"raw yuv420p": {Codec: media.Raw, Format: media.YUV420P, Data: make([]byte, 4*2+2*2*1), Key: true,
			CaptureTime: time.Unix(0, 1<<62), Width: 4, Height: 2},
	}
}

// recordVersions are the record versions this gopline reads, each with its
// encoder.
var recordVersions = []byte{recordVersion1, recordVersion2}

func TestRecordRoundTripsEveryField(t *testing.T) {
	for _, version := range recordVersions {
		for name, p := range recordCases() {
			b := encodeRecordAs(version, p)
			h, err := readRecord(b)
			if err != nil {
				t.Fatalf("v%d %s: %v", version, name, err)
			}
			if b[0] != version || len(b) != h.size+len(p.Data) {
				t.Fatalf("v%d %s: version %d, %d bytes with a %d-byte header for %d data bytes", version, name, b[0], len(b), h.size, len(p.Data))
			}
			if version == recordVersion2 && (h.size < minRecordHeaderSizeV2 || h.size > maxRecordHeaderSize) {
				t.Fatalf("%s: %d-byte header, want %d to %d", name, h.size, minRecordHeaderSizeV2, maxRecordHeaderSize)
			}
			got, err := decodeRecord(b)
			if err != nil {
				t.Fatalf("v%d %s: %v", version, name, err)
			}
			if got.Codec != p.Codec || !bytes.Equal(got.Data, p.Data) || got.Key != p.Key || got.Seq != p.Seq ||
				got.GOP != p.GOP || got.Epoch != p.Epoch || !got.CaptureTime.Equal(p.CaptureTime) ||
				got.Width != p.Width || got.Height != p.Height || got.Format != p.Format ||
				(version == recordVersion2 && got.CompositionOffset != p.CompositionOffset) {
				t.Fatalf("v%d %s: decoded %+v, want %+v", version, name, got, p)
			}
			if again := encodeRecordAs(version, got); !bytes.Equal(again, b) {
				t.Fatalf("v%d %s: decoded packet encodes to %x, want %x", version, name, again, b)
			}
			s, ok := summarizeRecord(b)
			if !ok || s.key != p.Key || s.seq != p.Seq || s.gop != p.GOP || s.epoch != p.Epoch ||
				s.capture != p.CaptureTime.UnixNano() || s.payload != len(p.Data) ||
				(version == recordVersion2 && s.offset != int64(p.CompositionOffset)) {
				t.Fatalf("v%d %s: summary %+v, %v", version, name, s, ok)
			}
			// The decoded packet owns its data.
			b[h.size] ^= 0xff
			if got.Data[0] != p.Data[0] {
				t.Fatalf("v%d %s: decoded data shares the record's memory", version, name)
			}
		}
	}
}

// A version 2 header of a 320x240 H.264 packet captured in 2024 takes 34
// bytes (version 1 took 52), and no header is longer than
// maxRecordHeaderSize.
func TestRecordHeaderSizes(t *testing.T) {
	delta := &media.Packet{Codec: media.H264, Data: make([]byte, 1200), Seq: 4000, GOP: 3990, Epoch: media.NewEpoch(),
		CaptureTime: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), Width: 320, Height: 240}
	if h, err := readRecord(encodeRecord(delta)); err != nil || h.size != 34 {
		t.Errorf("delta: %d-byte header, %v; want 34", h.size, err)
	}
	longest := &media.Packet{Codec: media.Raw, Format: media.GRAY8, Key: true, Seq: 1<<64 - 1, GOP: 1<<64 - 1,
		Epoch: 1<<64 - 1, CaptureTime: time.Unix(0, math.MinInt64), Width: media.MaxDimension, Height: 1,
		Data: make([]byte, media.MaxDimension)}
	h, err := readRecord(encodeRecord(longest))
	if err != nil || h.size > maxRecordHeaderSize {
		t.Errorf("longest fields: %d-byte header, %v; want at most %d", h.size, err, maxRecordHeaderSize)
	}
	if _, err := decodeRecord(encodeRecord(longest)); err != nil {
		t.Error(err)
	}
}

// v2Field returns where the version 2 record b's field i starts: 0 is the
// flags, 1 the codec, 2 the pixel format, 3 to 7 the varints (width,
// height, seq, seq minus GOP, capture time), 8 the epoch and 9 the CRC. It
// returns -1 when a varint before the field does not read.
func v2Field(b []byte, i int) int {
	_, n := binary.Uvarint(b[1:])
	off := 1 + n
	for f := 0; f < i && n > 0; f++ {
		switch {
		case f < 3:
			off++
		case f < 8:
			_, n = binary.Uvarint(b[min(off, len(b)):])
			off += n
		default:
			off += 8
		}
	}
	if n <= 0 {
		return -1
	}
	return off
}

// withCRC makes the checksum of record b right again after a change.
func withCRC(b []byte) []byte {
	if b[0] == recordVersion1 {
		binary.BigEndian.PutUint32(b[crcOffsetV1:], recordCRC(b[:crcOffsetV1], b[recordHeaderSizeV1:]))
		return b
	}
	if at := v2Field(b, 9); at >= 0 && at+4 <= len(b) {
		binary.BigEndian.PutUint32(b[at:], recordCRC(b[:at], b[at+4:]))
	}
	return b
}

// replaceV2Field replaces the bytes of field i of the version 2 record b,
// fixes its length and makes its checksum right.
func replaceV2Field(b []byte, i int, field []byte) []byte {
	from, to := v2Field(b, i), v2Field(b, i+1)
	_, n := binary.Uvarint(b[1:])
	rest := slices.Concat(b[1+n:from], field, b[to:])
	return withCRC(slices.Concat([]byte{recordVersion2}, binary.AppendUvarint(nil, uint64(len(rest))), rest))
}

func TestDecodeRecordRejectsDamage(t *testing.T) {
	uvarint := func(v uint64) []byte { return binary.AppendUvarint(nil, v) }
	damages := map[string]func(b []byte) []byte{
		"empty":            func(b []byte) []byte { return nil },
		"data cut short":   func(b []byte) []byte { return b[:len(b)-1] },
		"a byte too many":  func(b []byte) []byte { return append(b, 0) },
		"unknown version":  func(b []byte) []byte { b[0] = 3; return b },
		"version zero":     func(b []byte) []byte { b[0] = 0; return b },
		"flipped data bit": func(b []byte) []byte { b[len(b)-1] ^= 1; return b },
	}
	v1 := map[string]func(b []byte) []byte{
		"header cut short":  func(b []byte) []byte { return b[:recordHeaderSizeV1-1] },
		"unknown flag":      func(b []byte) []byte { b[1] |= 0x80; return withCRC(b) },
		"flipped seq bit":   func(b []byte) []byte { b[27] ^= 1; return b },
		"flipped crc bit":   func(b []byte) []byte { b[crcOffsetV1] ^= 1; return b },
		"wrong data length": func(b []byte) []byte { binary.BigEndian.PutUint32(b[lengthOffsetV1:], 1); return b },
		"unknown codec":     func(b []byte) []byte { b[2] = 200; return withCRC(b) },
		"gop ahead of seq":  func(b []byte) []byte { binary.BigEndian.PutUint64(b[28:], 1000); return withCRC(b) },
		"zero width":        func(b []byte) []byte { binary.BigEndian.PutUint32(b[4:], 0); return withCRC(b) },
		"width too large":   func(b []byte) []byte { binary.BigEndian.PutUint32(b[4:], 1<<31); return withCRC(b) },
	}
	v2 := map[string]func(b []byte) []byte{
		"header cut short":            func(b []byte) []byte { return b[:v2Field(b, 9)+3] },
		"length only":                 func(b []byte) []byte { return b[:2] },
		"length cut short":            func(b []byte) []byte { return []byte{recordVersion2, 0x80} },
		"wrong length, past the end":  func(b []byte) []byte { b[1]++; return b },
		"wrong length, short of it":   func(b []byte) []byte { b[1]--; return b },
		"length too short for fields": func(b []byte) []byte { b[1] = 10; return b[:12] },
		"unknown flag":                func(b []byte) []byte { b[v2Field(b, 0)] |= 0x80; return withCRC(b) },
		"flipped seq bit":             func(b []byte) []byte { b[v2Field(b, 5)] ^= 1; return b },
		"flipped epoch bit":           func(b []byte) []byte { b[v2Field(b, 8)] ^= 1; return b },
		"flipped crc bit":             func(b []byte) []byte { b[v2Field(b, 9)] ^= 1; return b },
		"bad varint":                  func(b []byte) []byte { return replaceV2Field(b, 5, bytes.Repeat([]byte{0xff}, 11)) },
		"varint past 64 bits":         func(b []byte) []byte { return replaceV2Field(b, 5, append(bytes.Repeat([]byte{0xff}, 9), 2)) },
		"overlong varint":             func(b []byte) []byte { return replaceV2Field(b, 5, []byte{31 | 0x80, 0}) },
		"overlong zero varint":        func(b []byte) []byte { return replaceV2Field(b, 6, []byte{0x80, 0x80, 0}) },
		"overlong capture time": func(b []byte) []byte {
			field := slices.Clone(b[v2Field(b, 7):v2Field(b, 8)])
			field[len(field)-1] |= 0x80
			return replaceV2Field(b, 7, append(field, 0))
		},
		"overlong length": func(b []byte) []byte {
			return slices.Concat([]byte{recordVersion2, b[1] | 0x80, 0}, b[2:])
		},
		"unknown codec":    func(b []byte) []byte { b[v2Field(b, 1)] = 200; return withCRC(b) },
		"gop ahead of seq": func(b []byte) []byte { return replaceV2Field(b, 6, uvarint(32)) },
		"zero width":       func(b []byte) []byte { return replaceV2Field(b, 3, uvarint(0)) },
		"width too large":  func(b []byte) []byte { return replaceV2Field(b, 3, uvarint(media.MaxDimension+1)) },
		"huge height":      func(b []byte) []byte { return replaceV2Field(b, 4, uvarint(1<<63+240)) },
		"pixel format":     func(b []byte) []byte { b[v2Field(b, 2)] = 200; return withCRC(b) },
		"no data": func(b []byte) []byte {
			return withCRC(slices.Concat([]byte{recordVersion2, b[1] - 5}, b[2:len(b)-5]))
		},
	}
	for _, version := range recordVersions {
		good := encodeRecordAs(version, recordCases()["h264 delta"])
		specific := v1
		if version == recordVersion2 {
			specific = v2
		}
		for name, damage := range specific {
			damages[name] = damage
		}
		for name, damage := range damages {
			b := damage(append([]byte(nil), good...))
			in := append([]byte(nil), b...)
			p, err := decodeRecord(b)
			if !errors.Is(err, ErrCorruptRecord) || p != nil {
				t.Errorf("v%d %s: %v, %v; want ErrCorruptRecord", version, name, p, err)
			}
			if !bytes.Equal(b, in) {
				t.Errorf("v%d %s: the decoder modified its input", version, name)
			}
		}
		for name := range specific {
			delete(damages, name)
		}
	}
}

// FuzzDecodeRecord checks that the decoder never panics, never modifies its
// input, reports every failure as ErrCorruptRecord, and accepts only
// canonical records: whatever it decodes encodes back, in the record's
// version, to the same bytes. Each input is also tried with its length and
// checksum fields made right, so that the fuzzer reaches the checks behind
// the checksum.
func FuzzDecodeRecord(f *testing.F) {
	for _, version := range recordVersions {
		for _, p := range recordCases() {
			b := encodeRecordAs(version, p)
			f.Add(b)
			f.Add(b[:len(b)-1])
		}
		f.Add([]byte{version})
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, b)
		if fixed := fixRecord(b); fixed != nil {
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
	_, ok := summarizeRecord(b)
	if err != nil {
		if !errors.Is(err, ErrCorruptRecord) || p != nil {
			t.Fatalf("%v, %v", p, err)
		}
		return
	}
	if !ok {
		t.Fatalf("decoded %x, whose header does not summarize", b)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("decoded an invalid packet: %v", err)
	}
	if again := encodeRecordAs(b[0], p); !bytes.Equal(again, b) {
		t.Fatalf("decoded %x, which encodes to %x", b, again)
	}
}
