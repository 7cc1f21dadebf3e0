package storage

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
)

// chunkCases feed the round-trip test, the damage test and the fuzz seeds:
// the packets of one chunk each, as writeChunks puts them together.
func chunkCases() map[string][]*media.Packet {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	gop := func(n int) []*media.Packet {
		var ps []*media.Packet
		for i := range n {
			ps = append(ps, &media.Packet{
				Codec: media.H264, Data: bytes.Repeat([]byte{0x65, byte(i)}, 3+i), Key: i == 0,
				Seq: 60 + uint64(i), GOP: 60, Epoch: 0xfeedface, Width: 320, Height: 240,
				CaptureTime: at.Add(time.Duration(i) * time.Second / 30),
			})
		}
		return ps
	}
	cases := map[string][]*media.Packet{
		"h264 keyframe alone":    gop(1),
		"h264 keyframe, deltas":  gop(4),
		"h264 deltas of a chunk": gop(5)[2:],
	}
	for name, p := range recordCases() {
		cases[name+" alone"] = []*media.Packet{p}
	}
	return cases
}

// encodeChunk makes the chunk of packets, as writeChunks does.
func encodeChunk(packets []*media.Packet) []byte {
	return encodeChunkAs(packets, func(int) byte { return recordVersion })
}

// encodeChunkAs makes the chunk of packets with the j-th packet's record in
// version(j).
func encodeChunkAs(packets []*media.Packet, version func(j int) byte) []byte {
	b := newChunk(encodeRecordAs(version(0), packets[0]))
	for j, p := range packets[1:] {
		b = append(b, encodeRecordAs(version(j+1), p)...)
	}
	return b
}

// chunkEncodings are the ways a chunk's records are written: all in the
// version this gopline writes, all in version 1 (a format version 2 file),
// or version 1 then version 2 (the open chunk of a version 2 file that a
// writer upgraded and appended to).
var chunkEncodings = map[string]func(j int) byte{
	"v2":       func(int) byte { return recordVersion2 },
	"v1":       func(int) byte { return recordVersion1 },
	"v1 to v2": func(j int) byte { return byte(min(j+1, recordVersion2)) },
}

// decoded is what decodeChunk reported of one record.
type decoded struct {
	j, size int
	p       *media.Packet
	err     error
}

// decodeAll decodes b from record from on and checks what every decoder
// must do: leave b as it was, call fn for records from, from+1, ... in
// order, and give each a packet or an error.
func decodeAll(t *testing.T, b []byte, from int) ([]decoded, int, error) {
	t.Helper()
	in := append([]byte(nil), b...)
	var got []decoded
	n, err := decodeChunk(b, from, func(j, size int, p *media.Packet, err error) bool {
		got = append(got, decoded{j, size, p, err})
		return true
	})
	if !bytes.Equal(b, in) {
		t.Fatal("the decoder modified its input")
	}
	if want := max(0, n-from); len(got) != want {
		t.Fatalf("%d records from %d of %d stepped through, want %d", len(got), from, n, want)
	}
	for k, d := range got {
		if d.j != from+k {
			t.Fatalf("record %d reported as %d", from+k, d.j)
		}
		if (d.p == nil) == (d.err == nil) {
			t.Fatalf("record %d: %v, %v; want a packet or an error", d.j, d.p, d.err)
		}
	}
	return got, n, err
}

func TestChunkRoundTripsItsPackets(t *testing.T) {
	for encoding, version := range chunkEncodings {
		for name, packets := range chunkCases() {
			name = encoding + " " + name
			b := encodeChunkAs(packets, version)
			got, n, err := decodeAll(t, b, 0)
			if err != nil || n != len(packets) {
				t.Fatalf("%s: %d records, %v; want %d", name, n, err, len(packets))
			}
			size, payload := chunkHeaderSize, 0
			for j, d := range got {
				want := encodeRecordAs(version(j), packets[j])
				if d.err != nil || !bytes.Equal(encodeRecordAs(version(j), d.p), want) || d.size != len(want) {
					t.Fatalf("%s: record %d decoded as %+v of %d bytes, %v", name, j, d.p, d.size, d.err)
				}
				size, payload = size+d.size, payload+len(d.p.Data)
			}
			if size != len(b) {
				t.Fatalf("%s: records of %d bytes in a chunk of %d", name, size, len(b))
			}
			if got := chunkPayload(b, uint64(len(packets))); got != int64(payload) {
				t.Fatalf("%s: chunkPayload %d, want %d", name, got, payload)
			}
			// The packets own their data.
			b[len(b)-1] ^= 0xff
			if last := got[len(got)-1].p; last.Data[len(last.Data)-1] != packets[len(packets)-1].Data[len(last.Data)-1] {
				t.Fatalf("%s: decoded data shares the chunk's memory", name)
			}
			s := summarizeChunk(encodeChunkAs(packets, version))
			if s.records != len(packets) || s.broken || !s.tail || s.first.seq != packets[0].Seq ||
				s.last.capture != packets[len(packets)-1].CaptureTime.UnixNano() {
				t.Fatalf("%s: summary %+v", name, s)
			}
		}
	}
}

func TestDecodeChunkStartsAtFromAndStopsWhenTold(t *testing.T) {
	packets := chunkCases()["h264 keyframe, deltas"]
	b := encodeChunk(packets)
	got, n, err := decodeAll(t, b, 2)
	if err != nil || n != 4 || len(got) != 2 || got[0].p.Seq != packets[2].Seq {
		t.Fatalf("from 2: %d records stepped through, %d decoded, %v", n, len(got), err)
	}
	if _, n, err := decodeAll(t, b, 9); err != nil || n != 4 {
		t.Fatalf("from past the end: %d, %v", n, err)
	}
	calls := 0
	n, err = decodeChunk(b, 0, func(int, int, *media.Packet, error) bool { calls++; return calls < 2 })
	if calls != 2 || n != 2 || err != nil {
		t.Fatalf("stopped after %d calls, %d records, %v; want 2, 2, nil", calls, n, err)
	}
}

// recordStarts returns where each record of chunk b starts.
func recordStarts(b []byte) []int {
	var start []int
	for off := chunkHeaderSize; off < len(b); {
		start = append(start, off)
		n, err := recordLength(b[off:])
		if err != nil {
			panic(err)
		}
		off += n
	}
	return start
}

func TestDecodeChunkReportsDamage(t *testing.T) {
	packets := chunkCases()["h264 keyframe, deltas"]
	for encoding, version := range chunkEncodings {
		good := encodeChunkAs(packets, version)
		start := append(recordStarts(good), len(good)) // start[j] is where record j starts
		record := func(b []byte, j int) []byte { return b[start[j]:start[j+1]] }
		for _, tc := range []struct {
			name    string
			damage  func(b []byte) []byte
			corrupt []int // records that do not decode
			framed  int   // records before the framing breaks; -1 when it holds
		}{
			{"empty", func(b []byte) []byte { return nil }, nil, 0},
			{"chunk version 2", func(b []byte) []byte { b[0] = 2; return b }, nil, 0},
			{"no record", func(b []byte) []byte { return b[:chunkHeaderSize] }, nil, 0},
			{"last record cut short", func(b []byte) []byte { return b[:len(b)-1] }, nil, 3},
			{"a byte too many", func(b []byte) []byte { return append(b, 0) }, nil, 4},
			{"flipped data bit", func(b []byte) []byte { b[start[2]-1] ^= 1; return b }, []int{1}, -1},
			{"flipped epoch bit", func(b []byte) []byte {
				epochEnd := 20 // version 1
				if h, _ := readRecord(record(b, 2)); b[start[2]] == recordVersion2 {
					epochEnd = h.crcAt
				}
				b[start[2]+epochEnd-1] ^= 1
				return b
			}, []int{2}, -1},
			{"unknown record version", func(b []byte) []byte { b[start[1]] = 9; return b }, nil, 1},
			{"length past the end", func(b []byte) []byte {
				if b[start[3]] == recordVersion1 {
					binary.BigEndian.PutUint32(b[start[3]+lengthOffsetV1:], 1<<20)
				} else {
					b[start[3]+1] = 0x7f // records of chunkCases are shorter
				}
				return b
			}, nil, 3},
			{"unknown flag", func(b []byte) []byte {
				rec := record(b, 0)
				flags := 1
				if rec[0] == recordVersion2 {
					flags = v2Field(rec, 0)
				}
				rec[flags] |= 0x80
				withCRC(rec)
				return b
			}, []int{0}, -1},
		} {
			name := encoding + " " + tc.name
			b := tc.damage(append([]byte(nil), good...))
			got, n, err := decodeAll(t, b, 0)
			if tc.framed < 0 && (err != nil || n != len(packets)) || tc.framed >= 0 && (err == nil || n != tc.framed) {
				t.Errorf("%s: %d records stepped through, %v; want framing to break after %d", name, n, err, tc.framed)
				continue
			}
			for _, d := range got {
				isCorrupt := false
				for _, c := range tc.corrupt {
					isCorrupt = isCorrupt || c == d.j
				}
				if isCorrupt != (d.err != nil) {
					t.Errorf("%s: record %d: %v, corrupt %v", name, d.j, d.err, isCorrupt)
				}
				if d.err == nil && !bytes.Equal(encodeRecordAs(version(d.j), d.p), encodeRecordAs(version(d.j), packets[d.j])) {
					t.Errorf("%s: record %d decoded wrong", name, d.j)
				}
			}
			if s := summarizeChunk(b); s.records != n || s.broken != (err != nil) {
				t.Errorf("%s: summary of %d records, broken %v; decoder stepped through %d, %v", name, s.records, s.broken, n, err)
			}
			if p := chunkPayload(b, uint64(len(packets))); p < 0 || p > int64(len(b)) {
				t.Errorf("%s: chunkPayload %d of a %d-byte chunk", name, p, len(b))
			}
		}
	}
}

// FuzzDecodeChunk checks that the chunk decoder never panics or loops, never
// modifies its input, gives each record a packet or an error, agrees with
// summarizeChunk on the framing, decodes the same records whatever record it
// starts from, and accepts only canonical chunks: a chunk that decodes
// without error encodes back to the same bytes. Each input is also tried
// with the checksum of every record it frames made right, so that the
// fuzzer reaches the checks behind the checksums.
func FuzzDecodeChunk(f *testing.F) {
	for _, version := range chunkEncodings {
		for _, packets := range chunkCases() {
			b := encodeChunkAs(packets, version)
			f.Add(b)
			f.Add(b[:len(b)-1])
		}
	}
	f.Add([]byte{})
	f.Add([]byte{chunkVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecodeChunk(t, b)
		fixed := append([]byte(nil), b...)
		w := walkChunk(fixed)
		for {
			rec, ok := w.next()
			if !ok {
				break
			}
			if h, err := readRecord(rec); err == nil {
				binary.BigEndian.PutUint32(rec[h.crcAt:], recordCRC(rec[:h.crcAt], rec[h.size:]))
			}
		}
		checkDecodeChunk(t, fixed)
	})
}

func checkDecodeChunk(t *testing.T, b []byte) {
	got, n, err := decodeAll(t, b, 0)
	if s := summarizeChunk(b); s.records != n || s.broken != (err != nil) {
		t.Fatalf("summary of %d records, broken %v; decoder stepped through %d, %v", s.records, s.broken, n, err)
	}
	if n > 1 {
		later, n2, err2 := decodeAll(t, b, 1)
		if n2 != n || (err2 == nil) != (err == nil) || len(later) != len(got)-1 {
			t.Fatalf("from 1: %d records, %v; from 0: %d, %v", n2, err2, n, err)
		}
	}
	if err != nil {
		return
	}
	var packets []*media.Packet
	var versions []byte
	for _, d := range got {
		if d.err != nil {
			return
		}
		if err := d.p.Validate(); err != nil {
			t.Fatalf("decoded an invalid packet: %v", err)
		}
		packets = append(packets, d.p)
	}
	if len(packets) == 0 {
		t.Fatalf("decoded no record from %x, and no error", b)
	}
	for _, off := range recordStarts(b) {
		versions = append(versions, b[off])
	}
	var payload int64
	for _, p := range packets {
		payload += int64(len(p.Data))
	}
	if got := chunkPayload(b, uint64(len(packets))); got != payload {
		t.Fatalf("chunkPayload %d, want %d", got, payload)
	}
	if again := encodeChunkAs(packets, func(j int) byte { return versions[j] }); !bytes.Equal(again, b) {
		t.Fatalf("decoded %x, which encodes to %x", b, again)
	}
}
