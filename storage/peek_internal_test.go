package storage

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzPeek feeds Peek's reading of a state any bytes: it must not panic,
// must say what is wrong with the sentinels Open uses, and what it reads of
// a file it accepts must add up.
func FuzzPeek(f *testing.F) {
	rec := smallRecording(f)
	f.Add(rec)
	f.Add(rec[:len(rec)/2])
	f.Add(rec[:2*pageSize])
	f.Add([]byte{})
	// A branch page whose children are itself.
	loop := bytes.Clone(rec)
	m, _ := newestMeta(bytes.NewReader(loop), "")
	at := int(m.root) * pageSize
	copy(loop[at:], []byte{byte(m.root), 0, 0, 0, 0, 0, 0, 0, boltBranchPage, 0, 2, 0, 0, 0, 0, 0})
	for i := range 2 {
		e := loop[at+boltPageHeaderSize+i*boltElementSize:]
		le.PutUint32(e, 0)
		le.PutUint32(e[4:], 0)
		le.PutUint64(e[8:], m.root)
	}
	f.Add(loop)
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		m, err := newestMeta(r, "fuzz")
		if err != nil {
			if !errors.Is(err, ErrNotRecording) {
				t.Fatal(err)
			}
			return
		}
		s, err := readSnapshot(r, "fuzz", m, int64(len(b)))
		if err != nil {
			for _, want := range []error{ErrNotRecording, ErrCorruptFile, ErrNewerVersion, ErrOlderVersion} {
				if errors.Is(err, want) {
					return
				}
			}
			t.Fatal(err)
		}
		var packets int64
		for _, st := range s.Streams {
			packets += st.Stats.Packets
		}
		if len(s.Streams) != s.Total.Streams || packets != s.Total.Packets {
			t.Fatalf("%d streams of %d packets, total %+v", len(s.Streams), packets, s.Total)
		}
	})
}

// A recording that a closed writer left reads as Open reads it.
func TestPeekReadsWhatOpenReads(t *testing.T) {
	b := smallRecording(t)
	m, err := newestMeta(bytes.NewReader(b), "small")
	if err != nil {
		t.Fatal(err)
	}
	s, err := readSnapshot(bytes.NewReader(b), "small", m, int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Streams) != 2 || s.Streams[0].Info.Name != "/a" || s.Streams[1].Info.Name != "/b" ||
		s.Streams[0].Stats.Packets != 12 || s.Streams[1].Stats.GOPs != 3 || s.Total.Packets != 24 ||
		s.Total.Duration.Seconds() != 11 || s.TxID != m.txid {
		t.Fatalf("%+v", s)
	}
}
