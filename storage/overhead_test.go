package storage_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// vtestPackets makes 150 packets of the sizes that the project's storage
// benchmark records from vtest.avi at 320x240 (150 frames at 30 fps): size
// returns packet i's size and whether it is a keyframe. Sizes vary by up to
// 200 bytes around size's, deterministically.
func vtestPackets(codec media.Codec, size func(i int) (int, bool)) []*media.Packet {
	rng := rand.New(rand.NewPCG(150, 320))
	var packets []*media.Packet
	var gop uint64
	for i := range 150 {
		n, key := size(i)
		if key {
			gop = uint64(i)
		}
		n += rng.IntN(401) - 200
		packets = append(packets, &media.Packet{
			Codec: codec, Data: synthData(7, uint64(i), n*4/3, false)[:n], Key: key,
			Seq: uint64(i), GOP: gop, Epoch: 7, CaptureTime: epoch2024.Add(time.Duration(i) * time.Second / 30),
			Width: 320, Height: 240,
		})
	}
	return packets
}

// vtestH264 is the clip as H.264: deltas of ~1.2 KB, a keyframe of ~6 KB
// every 30 packets.
func vtestH264() []*media.Packet {
	return vtestPackets(media.H264, func(i int) (int, bool) {
		if i%30 == 0 {
			return 6000, true
		}
		return 1200, false
	})
}

// vtestJPEG is the clip as JPEG: pictures of ~14 KB, each a keyframe.
func vtestJPEG() []*media.Packet {
	return vtestPackets(media.JPEG, func(int) (int, bool) { return 14000, true })
}

func vtestJPEGInfo() storage.StreamInfo {
	return storage.StreamInfo{Name: "/camera", Codec: media.JPEG, Width: 320, Height: 240}
}

// The project's aim: a recording's file stays within 10% of its payload,
// measured after Close on the 150-frame clip. The recording uses the default
// options with a clock that stands still, so that commits come every
// DefaultBatchPackets packets, as for a recorder that keeps up, whatever the
// speed of the machine running the test.
func TestFileStaysWithinTenPercentOfItsPayload(t *testing.T) {
	for _, tc := range []struct {
		name    string
		info    storage.StreamInfo
		packets []*media.Packet
	}{
		{"h264", cameraInfo(), vtestH264()},
		{"jpeg", vtestJPEGInfo(), vtestJPEG()},
	} {
		st := recordAndStat(t, tc.info, tc.packets, storage.WithClock(newFakeClock().Now))
		if st.Packets != 150 {
			t.Fatalf("%s: %d packets stored, want 150", tc.name, st.Packets)
		}
		t.Logf("%s: %d file bytes for %d payload bytes: %.3f", tc.name, st.FileBytes, st.PayloadBytes, st.Overhead())
		if st.Overhead() >= 1.10 {
			t.Errorf("%s: the file is %.3f times its payload, want less than 1.10", tc.name, st.Overhead())
		}
	}
}
