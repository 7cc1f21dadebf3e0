package storage

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
)

// smallRecording returns the bytes of a recording of a few JPEG-like
// packets and a few H.264-like ones, committed one at a time.
func smallRecording(t testing.TB) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "small.gopline")
	rec, err := Open(path, WithBatch(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range []StreamInfo{{Name: "/a", Codec: media.JPEG}, {Name: "/b", Codec: media.H264}} {
		if err := rec.CreateStream(s); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 12 {
		data := bytes.Repeat([]byte{byte(i)}, 100+50*i)
		a := &media.Packet{Codec: media.JPEG, Key: true, Seq: uint64(i), GOP: uint64(i), Epoch: 7, Width: 8, Height: 8, CaptureTime: t0.Add(time.Duration(i) * time.Second), Data: data}
		b := &media.Packet{Codec: media.H264, Key: i%4 == 0, Seq: uint64(i), GOP: uint64(i - i%4), Epoch: 9, Width: 8, Height: 8, CaptureTime: t0.Add(time.Duration(i) * time.Second), Data: data}
		for _, p := range []struct {
			s string
			p *media.Packet
		}{{"/a", a}, {"/b", b}} {
			if err := rec.Append(p.s, p.p); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSmallRecordingRecoversWhole(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src.gopline")
	if err := os.WriteFile(src, smallRecording(t), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Recover(src, filepath.Join(t.TempDir(), "new.gopline"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Streams) != 2 || res.Streams[0].Packets != 12 || res.Streams[1].Packets != 12 || res.PageSize != pageSize {
		t.Errorf("%+v", res)
	}
}

// FuzzRecoverScan feeds the page scan and the salvage plan any bytes: they
// must not panic, and must not read or hold more than the file.
func FuzzRecoverScan(f *testing.F) {
	rec := smallRecording(f)
	f.Add(rec)
	f.Add(rec[:len(rec)/2])
	f.Add(rec[2*pageSize:])
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0x02, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0xff, 0xff, 0, 0, 0, 0}, 256))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := scanPages(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		for _, loc := range s.values {
			if loc.off < 0 || loc.n < 0 || loc.off+loc.n > int64(len(b)) {
				t.Fatalf("chunk at %d+%d in %d bytes", loc.off, loc.n, len(b))
			}
		}
		plan, err := planSalvage(s, &chunkReader{r: bytes.NewReader(b)})
		if err != nil {
			t.Fatal(err)
		}
		for _, ps := range plan.streams {
			if len(ps.chunks) == 0 || ps.name == "" {
				t.Fatalf("planned stream %q of %d chunks", ps.name, len(ps.chunks))
			}
		}
		_ = s.describe()
	})
}

func TestRecoverTakesARecordTheBestCopyLostFromAnother(t *testing.T) {
	b := smallRecording(t)
	s, err := scanPages(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := planSalvage(s, &chunkReader{r: bytes.NewReader(b)})
	if err != nil {
		t.Fatal(err)
	}
	// A chunk of /b of which two copies hold its second record: damage the
	// best copy's.
	damaged := false
	for _, ps := range plan.streams {
		for i := 0; ps.name == "/b" && i+1 < len(ps.chunks) && !damaged; i++ {
			best, other := ps.chunks[i], ps.chunks[i+1]
			if best.first != other.first || best.valid < 2 || other.valid < 2 {
				continue
			}
			w := walkChunk(b[best.loc.off : best.loc.off+best.loc.n])
			r0, _ := w.next()
			r1, _ := w.next()
			b[best.loc.off+chunkHeaderSize+int64(len(r0)+len(r1))-1] ^= 0xff
			damaged = true
		}
	}
	if !damaged {
		t.Fatal("no chunk of /b has two copies")
	}
	src := filepath.Join(t.TempDir(), "src.gopline")
	if err := os.WriteFile(src, b, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Recover(src, filepath.Join(t.TempDir(), "new.gopline"))
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range res.Streams {
		if rs.Packets != 12 || rs.Damaged != 0 {
			t.Errorf("%+v, want all 12 packets and no damage", rs)
		}
	}
}
