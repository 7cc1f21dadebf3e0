package storage_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

func TestRecordingReadsBackEveryPacketAfterReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.gopline")
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	createCamera(t, rec)
	jpeg := storage.StreamInfo{Name: "/arm/jpeg", Codec: media.JPEG, Width: 64, Height: 48}
	if err := rec.CreateStream(jpeg); err != nil {
		t.Fatal(err)
	}
	h264 := newSynth()
	const n = 95
	var jpegs []*media.Packet
	for i := range n {
		if err := rec.Append("/camera", h264.packet(i)); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			p := &media.Packet{Codec: media.JPEG, Data: synthData(7, uint64(i), 300, false), Key: true,
				Seq: uint64(i / 3), GOP: uint64(i / 3), Epoch: 7, CaptureTime: h264.packet(i).CaptureTime, Width: 64, Height: 48}
			jpegs = append(jpegs, p)
			if err := rec.Append("/arm/jpeg", p); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}

	rec = mustOpenPath(t, path, storage.WithReadOnly())
	got := readStream(t, rec, "/camera")
	if len(got) != n {
		t.Fatalf("read %d packets, appended %d", len(got), n)
	}
	for i, g := range got {
		if g.index != uint64(i) {
			t.Fatalf("packet %d has index %d", i, g.index)
		}
		if d := samePacket(g.p, h264.packet(i)); d != "" {
			t.Fatalf("packet %d: %s differs", i, d)
		}
	}
	gotJPEG := readStream(t, rec, "/arm/jpeg")
	if len(gotJPEG) != len(jpegs) {
		t.Fatalf("read %d JPEG packets, appended %d", len(gotJPEG), len(jpegs))
	}
	for i, g := range gotJPEG {
		if d := samePacket(g.p, jpegs[i]); d != "" {
			t.Fatalf("JPEG packet %d: %s differs", i, d)
		}
	}
	streams, err := rec.Streams()
	if err != nil {
		t.Fatal(err)
	}
	if len(streams) != 2 || streams[0].Name != "/arm/jpeg" || streams[1].Name != "/camera" {
		t.Fatalf("streams %+v", streams)
	}
	if s := streams[1]; s.Codec != media.H264 || s.Width != 320 || s.Height != 240 || s.Source != "test" || s.Created.IsZero() {
		t.Fatalf("camera stream info %+v", s)
	}
}

func TestRecordingStoresRawPacketsWithTheirFormat(t *testing.T) {
	rec, _ := MustOpen(t)
	if err := rec.CreateStream(storage.StreamInfo{Name: "/depth", Codec: media.Raw, Format: media.GRAY8, Width: 4, Height: 2}); err != nil {
		t.Fatal(err)
	}
	p := &media.Packet{Codec: media.Raw, Format: media.GRAY8, Data: []byte{1, 2, 3, 4, 5, 6, 7, 8}, Key: true,
		Width: 4, Height: 2, CaptureTime: epoch2024}
	if err := rec.Append("/depth", p); err != nil {
		t.Fatal(err)
	}
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	got := readStream(t, rec, "/depth")
	if len(got) != 1 || samePacket(got[0].p, p) != "" {
		t.Fatalf("read %+v", got)
	}
	streams, err := rec.Streams()
	if err != nil || len(streams) != 1 || streams[0].Format != media.GRAY8 {
		t.Fatalf("streams %+v, %v", streams, err)
	}
}

func TestReopenContinuesTheIndexInANewSegment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.gopline")
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	createCamera(t, rec)
	first := newSynth()
	appendAll(t, rec, "/camera", first, 0, 25)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}

	// A new encoder: new epoch, Seq from 0 again, later capture times.
	second := newSynth()
	second.epoch = 0xbeef
	second.start = first.packet(25).CaptureTime.Add(time.Second)
	rec = mustOpenPath(t, path)
	appendAll(t, rec, "/camera", second, 0, 20)
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	got := readStream(t, rec, "/camera")
	if len(got) != 45 {
		t.Fatalf("read %d packets, want 45", len(got))
	}
	for i, g := range got {
		want := first.packet(i)
		if i >= 25 {
			want = second.packet(i - 25)
		}
		if g.index != uint64(i) || samePacket(g.p, want) != "" {
			t.Fatalf("packet %d: index %d, %s differs", i, g.index, samePacket(g.p, want))
		}
	}
	s, err := rec.Stats("/camera")
	if err != nil {
		t.Fatal(err)
	}
	if s.Segments != 2 || s.Packets != 45 {
		t.Fatalf("stats %+v, want 2 segments and 45 packets", s)
	}
}

func TestReopenAcceptsDeltasThatContinueTheStoredChain(t *testing.T) {
	// A recorder that restarts while its encoder keeps running.
	path := filepath.Join(t.TempDir(), "rec.gopline")
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	createCamera(t, rec)
	s := newSynth()
	appendAll(t, rec, "/camera", s, 0, 5)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	rec = mustOpenPath(t, path)
	if err := rec.Append("/camera", s.packet(6)); !errors.Is(err, storage.ErrNeedKeyframe) {
		t.Fatalf("delta after a hole: %v, want ErrNeedKeyframe", err)
	}
	// The refused delta broke the chain: even the right one must wait now.
	if err := rec.Append("/camera", s.packet(5)); !errors.Is(err, storage.ErrNeedKeyframe) {
		t.Fatalf("delta after a refused one: %v, want ErrNeedKeyframe", err)
	}
	appendAll(t, rec, "/camera", s, 10, 12)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	rec = mustOpenPath(t, path)
	appendAll(t, rec, "/camera", s, 12, 14) // continues the stored chain
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := readStream(t, rec, "/camera"); len(got) != 9 {
		t.Fatalf("read %d packets, want 9", len(got))
	}
}

// A packet the stream already has is refused as a duplicate and leaves the
// chain as it was (media.Chain): the next packet continues it.
func TestAppendRefusesDuplicatesWithoutBreakingTheChain(t *testing.T) {
	rec, _ := MustOpen(t)
	createCamera(t, rec)
	s := newSynth()
	appendAll(t, rec, "/camera", s, 0, 4)
	for _, seq := range []int{0, 3} {
		if err := rec.Append("/camera", s.packet(seq)); !errors.Is(err, storage.ErrDuplicate) {
			t.Fatalf("seq %d again: %v, want ErrDuplicate", seq, err)
		}
	}
	appendAll(t, rec, "/camera", s, 4, 6)
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := readStream(t, rec, "/camera"); len(got) != 6 {
		t.Fatalf("read %d packets, want 6", len(got))
	}
}

func TestAppendRefusesPacketsThatDoNotFit(t *testing.T) {
	rec, path := MustOpen(t)
	createCamera(t, rec)
	s := newSynth()
	delta := s.packet(1)
	if err := rec.Append("/camera", delta); !errors.Is(err, storage.ErrNeedKeyframe) {
		t.Fatalf("first packet a delta: %v, want ErrNeedKeyframe", err)
	}
	if err := rec.Append("/camera", s.packet(0)); err != nil {
		t.Fatal(err)
	}
	otherEpoch := s.packet(1)
	otherEpoch.Epoch++
	zeroTime := s.packet(1)
	zeroTime.CaptureTime = time.Time{}
	jpeg := s.packet(10)
	jpeg.Codec = media.JPEG
	for _, tc := range []struct {
		name   string
		stream string
		p      *media.Packet
		want   error
	}{
		{"delta of another epoch", "/camera", otherEpoch, storage.ErrNeedKeyframe},
		{"zero capture time", "/camera", zeroTime, storage.ErrBadPacket},
		{"codec of another stream", "/camera", jpeg, storage.ErrBadPacket},
		{"empty data", "/camera", &media.Packet{Codec: media.H264, Key: true, Width: 1, Height: 1, CaptureTime: epoch2024}, storage.ErrBadPacket},
		{"nil packet", "/camera", nil, storage.ErrBadPacket},
		{"unknown stream", "/nothing", s.packet(0), storage.ErrNoStream},
	} {
		err := rec.Append(tc.stream, tc.p)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v, want %v naming %s", tc.name, err, tc.want, path)
		}
	}
}

func TestAppendKeepsNoReferenceToThePacket(t *testing.T) {
	rec, _ := MustOpen(t)
	createCamera(t, rec)
	p := newSynth().packet(0)
	want := p.Clone()
	if err := rec.Append("/camera", p); err != nil {
		t.Fatal(err)
	}
	for i := range p.Data {
		p.Data[i] = 0
	}
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := readStream(t, rec, "/camera"); len(got) != 1 || samePacket(got[0].p, want) != "" {
		t.Fatal("the stored packet changed with the caller's buffer")
	}
}

func TestCreateStreamRefusesDuplicatesAndBadInfo(t *testing.T) {
	clk := newFakeClock()
	rec, _ := MustOpen(t, storage.WithClock(clk.Now))
	createCamera(t, rec)
	if err := rec.CreateStream(storage.StreamInfo{Name: "/camera", Codec: media.JPEG}); !errors.Is(err, storage.ErrStreamExists) {
		t.Fatalf("duplicate: %v", err)
	}
	for _, info := range []storage.StreamInfo{
		{Name: "", Codec: media.H264},
		{Name: "/x", Codec: media.CodecUnknown},
		{Name: "/x", Codec: media.H264, Width: -1},
		{Name: "/x", Codec: media.Raw},
		{Name: string([]byte{0xff, 0xfe}), Codec: media.H264},
		{Name: strings.Repeat("a", 2000), Codec: media.H264},
	} {
		if err := rec.CreateStream(info); !errors.Is(err, storage.ErrBadStreamInfo) {
			t.Errorf("%+v: %v, want ErrBadStreamInfo", info, err)
		}
	}
	streams, err := rec.Streams()
	if err != nil {
		t.Fatal(err)
	}
	if len(streams) != 1 || !streams[0].Created.Equal(clk.Now()) {
		t.Fatalf("streams %+v, want one created at %v", streams, clk.Now())
	}
}

func TestReadOnlyRecordingRefusesWrites(t *testing.T) {
	rec, path := MustOpen(t)
	createCamera(t, rec)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	ro := mustOpenPath(t, path, storage.WithReadOnly())
	for name, err := range map[string]error{
		"append": ro.Append("/camera", newSynth().packet(0)),
		"create": ro.CreateStream(storage.StreamInfo{Name: "/x", Codec: media.H264}),
		"flush":  ro.Flush(),
	} {
		if !errors.Is(err, storage.ErrReadOnly) {
			t.Errorf("%s: %v, want ErrReadOnly", name, err)
		}
	}
	if _, err := storage.Open(filepath.Join(t.TempDir(), "none"), storage.WithReadOnly()); err == nil {
		t.Error("read-only Open created a file")
	}
}

func TestClosedRecordingReturnsErrClosed(t *testing.T) {
	rec, _ := MustOpen(t)
	createCamera(t, rec)
	appendAll(t, rec, "/camera", newSynth(), 0, 3)
	c, err := rec.Seek("/camera", time.Now()) // nothing committed yet
	if !errors.Is(err, storage.ErrNoKeyframe) {
		t.Fatalf("seek before commit: %v, %v", c, err)
	}
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	c, err = rec.Seek("/camera", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := c.Next(); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("cursor Next: %v", err)
	}
	if err := rec.Append("/camera", newSynth().packet(0)); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("append: %v", err)
	}
	if _, err := rec.Stats("/camera"); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("stats: %v", err)
	}
	if _, err := rec.Streams(); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("streams: %v", err)
	}
}

func TestOptionsRejectOutOfRangeValues(t *testing.T) {
	for name, opt := range map[string]storage.Option{
		"batch 0":         storage.WithBatch(0, time.Second),
		"negative batch":  storage.WithBatch(1, -time.Second),
		"nil clock":       storage.WithClock(nil),
		"sync policy":     storage.WithSync(storage.SyncPolicy(9)),
		"negative bytes":  storage.WithRetention(-1, 0),
		"negative maxAge": storage.WithRetention(0, -time.Second),
	} {
		if _, err := storage.Open(filepath.Join(t.TempDir(), "r"), opt); !errors.Is(err, storage.ErrBadOption) {
			t.Errorf("%s: %v, want ErrBadOption", name, err)
		}
	}
}
