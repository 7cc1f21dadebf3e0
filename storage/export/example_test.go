package export_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/export"
)

// record writes two seconds of the test pattern at 30 fps to a new
// recording at path, as the recorder would.
func record(path string, start time.Time) error {
	rec, err := storage.Open(path)
	if err != nil {
		return err
	}
	defer rec.Close()
	if err := rec.CreateStream(storage.StreamInfo{Name: "/camera", Codec: media.H264, Width: 160, Height: 120}); err != nil {
		return err
	}
	p, err := testsrc.New(160, 120)
	if err != nil {
		return err
	}
	enc, err := ffmpeg.NewH264Encoder(160, 120, ffmpeg.WithGOP(30))
	if err != nil {
		return err
	}
	defer enc.Close()
	for i := range 60 {
		f := p.Frame(uint64(i))
		f.CaptureTime = start.Add(time.Duration(i) * time.Second / 30)
		pkt, err := enc.Encode(f)
		if err != nil {
			return err
		}
		if err := rec.Append("/camera", pkt); err != nil {
			return err
		}
	}
	return rec.Close()
}

func Example() {
	dir, err := os.MkdirTemp("", "gopline-export")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	start := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	if err := record(filepath.Join(dir, "run.gopline"), start); err != nil {
		fmt.Println(err)
		return
	}

	rec, err := storage.Open(filepath.Join(dir, "run.gopline"), storage.WithReadOnly())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rec.Close()
	// The whole stream as MP4, its second second as MCAP, and the picture
	// shown 1.5 s in as PNG.
	res, err := export.MP4(context.Background(), rec, "/camera", time.Time{}, time.Time{}, filepath.Join(dir, "camera.mp4"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("MP4: %d frames over %v\n", res.Frames, res.Duration)
	res, err = export.MCAP(context.Background(), rec, "/camera", start.Add(time.Second), time.Time{}, filepath.Join(dir, "camera.mcap"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("MCAP: %d messages\n", res.Frames)
	paths, err := export.PNG(context.Background(), rec, "/camera", []time.Time{start.Add(1500 * time.Millisecond)}, dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("PNG:", filepath.Base(paths[0]))
	// Output:
	// MP4: 60 frames over 1.966666666s
	// MCAP: 30 messages
	// PNG: camera-000001.500s.png
}
