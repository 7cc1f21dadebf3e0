package storage_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// BenchmarkAppend measures recording speed with group commit at its
// defaults (30 packets or 100 ms), for packets of a typical H.264 delta at
// 720p (20 KB) and of a large keyframe (200 KB), under both sync policies.
// The time includes the final Flush.
func BenchmarkAppend(b *testing.B) {
	for _, size := range []int{20 << 10, 200 << 10} {
		for _, sync := range []storage.SyncPolicy{storage.SyncEveryCommit, storage.SyncNone} {
			b.Run(fmt.Sprintf("%dKB/sync-%v", size>>10, sync), func(b *testing.B) {
				rec, err := storage.Open(filepath.Join(b.TempDir(), "rec.gopline"), storage.WithSync(sync))
				if err != nil {
					b.Fatal(err)
				}
				defer rec.Close()
				createCamera(b, rec)
				data := synthData(1, 1, size*4/3, false)[:size]
				start := time.Now()
				b.SetBytes(int64(size))
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					seq := uint64(i)
					p := &media.Packet{Codec: media.H264, Data: data, Key: i%30 == 0, Seq: seq, GOP: seq - seq%30,
						Epoch: 1, CaptureTime: start.Add(time.Duration(i) * time.Millisecond), Width: 1280, Height: 720}
					if err := rec.Append("/camera", p); err != nil {
						b.Fatal(err)
					}
				}
				if err := rec.Flush(); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
			})
		}
	}
}

// buildLongRecording records minutes of a 30 fps camera with a GOP of 30 and
// 1 KB packets, as fast as bbolt allows (SyncNone, large batches).
func buildLongRecording(b *testing.B, path string, minutes int) synth {
	b.Helper()
	rec, err := storage.Open(path, storage.WithSync(storage.SyncNone), storage.WithBatch(2000, 0))
	if err != nil {
		b.Fatal(err)
	}
	createCamera(b, rec)
	s := synth{epoch: 1, gop: 30, start: epoch2024, step: time.Second / 30, size: 1024}
	data := synthData(1, 1, 2048, false)[:1024]
	for i := range minutes * 60 * 30 {
		p := s.packet(0)
		seq := uint64(i)
		p.Data, p.Key, p.Seq, p.GOP = data, i%30 == 0, seq, seq-seq%30
		p.CaptureTime = s.start.Add(time.Duration(i) * s.step)
		if err := rec.Append("/camera", p); err != nil {
			b.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkSeek measures a seek (Seek, then Next for the keyframe) to a
// random instant of a 1-minute and a 60-minute recording: the keyframe index
// makes it O(log n), so the two should cost about the same. The files are
// built once per run.
func BenchmarkSeek(b *testing.B) {
	dir := b.TempDir()
	for _, minutes := range []int{1, 60} {
		path := filepath.Join(dir, fmt.Sprintf("%dmin.gopline", minutes))
		s := buildLongRecording(b, path, minutes)
		span := time.Duration(minutes) * time.Minute
		b.Run(fmt.Sprintf("%dmin", minutes), func(b *testing.B) {
			rec, err := storage.Open(path, storage.WithReadOnly())
			if err != nil {
				b.Fatal(err)
			}
			defer rec.Close()
			rng := rand.New(rand.NewPCG(1, 2))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c, err := rec.Seek("/camera", s.start.Add(time.Duration(rng.Int64N(int64(span)))))
				if err != nil {
					b.Fatal(err)
				}
				if p, err := c.Next(); err != nil || !p.Key {
					b.Fatalf("seek landed on %v, %v", p, err)
				}
				c.Close()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/seek")
		})
	}
}

// BenchmarkFileOverhead reports file bytes / payload bytes for the seed's
// storage table: 150 packets of ~3 KB (GOP 30, keyframes three times a
// delta), and of ~1.2 KB (what gopline's H.264 makes of the seed's clip),
// committed as a recorder that keeps up does (30 packets a commit) and as
// a live camera's recorder does (3 packets, 100 ms of a 30 fps camera, a
// commit); five minutes at 30 fps (9000 packets) of ~1.2, ~3 and ~20 KB;
// and the two cases of TestFileStaysWithinTenPercentOfItsPayload.
func BenchmarkFileOverhead(b *testing.B) {
	type bench struct {
		name    string
		info    storage.StreamInfo
		packets []*media.Packet
	}
	var benches []bench
	for _, c := range []struct{ n, size int }{{150, 3000}, {150, 1200}, {9000, 1200}, {9000, 3000}, {9000, 20000}} {
		s := newSynth()
		s.gop, s.size = 30, c.size*30/32 // keyframes at 3x: the mean is size
		var packets []*media.Packet
		for i := range c.n {
			packets = append(packets, s.packet(i))
		}
		benches = append(benches, bench{fmt.Sprintf("%dx%dB", c.n, c.size), cameraInfo(), packets})
	}
	benches = append(benches,
		bench{"h264-vtest", cameraInfo(), vtestH264()},
		bench{"jpeg-vtest", vtestJPEGInfo(), vtestJPEG()})
	for _, be := range benches {
		for _, batch := range []int{storage.DefaultBatchPackets, 3} {
			b.Run(fmt.Sprintf("%s/commit-%d", be.name, batch), func(b *testing.B) {
				var st storage.Stats
				for i := 0; i < b.N; i++ {
					st = recordAndStat(b, be.info, be.packets, storage.WithBatch(batch, 0))
				}
				b.ReportMetric(st.Overhead(), "file/payload")
				b.ReportMetric(float64(st.FileBytes), "file-bytes")
				b.ReportMetric(float64(st.PayloadBytes), "payload-bytes")
			})
		}
	}
}

// recordAndStat records packets into a new stream of a new file, closes the
// file and returns its stats as read back.
func recordAndStat(tb testing.TB, info storage.StreamInfo, packets []*media.Packet, opts ...storage.Option) storage.Stats {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "small.gopline")
	rec, err := storage.Open(path, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	if err := rec.CreateStream(info); err != nil {
		tb.Fatal(err)
	}
	for i, p := range packets {
		if err := rec.Append(info.Name, p); err != nil {
			tb.Fatalf("append %d: %v", i, err)
		}
	}
	if err := rec.Close(); err != nil {
		tb.Fatal(err)
	}
	rec, err = storage.Open(path, storage.WithReadOnly())
	if err != nil {
		tb.Fatal(err)
	}
	defer rec.Close()
	st, err := rec.RecordingStats()
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		tb.Fatal(err)
	}
	return st
}
