package latejoin

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/gopline/gopline/internal/bench"
	"github.com/gopline/gopline/media"
)

// Decoding is a configuration of FFmpeg's H.264 decoder that the floor is
// measured with.
type Decoding struct {
	// Name is how the table shows it.
	Name string
	// Frame selects frame threads (ffmpeg.WithFrameThreads) instead of
	// slice threads (ffmpeg.WithDecoderThreads).
	Frame bool
	// Threads is the thread count; 0 lets FFmpeg choose.
	Threads int
}

func (d Decoding) open() (*ffmpeg.Decoder, error) {
	if d.Frame {
		return ffmpeg.NewH264Decoder(ffmpeg.WithFrameThreads(d.Threads))
	}
	return ffmpeg.NewH264Decoder(ffmpeg.WithDecoderThreads(d.Threads))
}

// floorDecodings are the configurations a run measures the floor with: the
// viewers' own first (whose floor the cache is set against), then what
// FFmpeg's threads give.
func floorDecodings(viewerThreads int) []Decoding {
	own := Decoding{Name: fmt.Sprintf("slice threads %d (the viewers')", max(viewerThreads, 1)), Threads: max(viewerThreads, 1)}
	return []Decoding{own, {Name: "slice threads auto", Threads: 0}, {Name: "frame threads auto", Frame: true, Threads: 0}}
}

// Floor is the time a decoder alone takes to turn the replays of a run's
// joins into their newest pictures, as the viewers' decoders had to. The
// decoder is opened beforehand (a viewer's opens with its pipeline), and
// the time to open it is apart.
type Floor struct {
	Decoding Decoding `json:"-"`
	Name     string   `json:"decoding"`
	// P50 and P95 are the time from the first replayed packet handed to
	// the decoder to the newest picture out of it, in milliseconds.
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	// OpenP50 is the time to open the decoder, in milliseconds: what a
	// decoder opened in advance saves.
	OpenP50 float64 `json:"open_p50_ms"`
	// Replays is how many joins' replays were decoded.
	Replays int `json:"replays"`
}

// measureFloors decodes the replay each good cache join was given with
// every decoding in turn (interleaved, so that the machine's load weighs on
// each alike) and sums them up.
func measureFloors(cam *camera, joins []Join, decodings []Decoding) ([]Floor, error) {
	waits := make([][]time.Duration, len(decodings))
	opens := make([][]time.Duration, len(decodings))
	for _, j := range joins {
		if j.Undecodable != "" || !j.Picture.First.Replay.Replayed {
			continue
		}
		replay, err := cam.replay(j.Picture.First.Seq, j.Picture.ReplayLast)
		if err != nil {
			return nil, err
		}
		for i, d := range decodings {
			open, wait, err := decodeReplay(d, replay)
			if err != nil {
				return nil, fmt.Errorf("latejoin: floor with %s: %w", d.Name, err)
			}
			waits[i], opens[i] = append(waits[i], wait), append(opens[i], open)
		}
	}
	out := make([]Floor, len(decodings))
	for i, d := range decodings {
		slices.Sort(waits[i])
		slices.Sort(opens[i])
		out[i] = Floor{Decoding: d, Name: d.Name, Replays: len(waits[i]),
			P50: bench.Millis(bench.Percentile(waits[i], 50)), P95: bench.Millis(bench.Percentile(waits[i], 95)),
			OpenP50: bench.Millis(bench.Percentile(opens[i], 50))}
	}
	return out, nil
}

// decodeReplay opens a decoder of d and decodes replay with it as a
// viewer's does: the older pictures discarded, the newest kept (from Flush
// when frame threads hold it back). It returns the time to open the decoder
// and the time from the first packet to the newest picture.
func decodeReplay(d Decoding, replay []*media.Packet) (open, wait time.Duration, err error) {
	start := time.Now()
	dec, err := d.open()
	if err != nil {
		return 0, 0, err
	}
	defer dec.Close()
	open = time.Since(start)
	start = time.Now()
	last := replay[len(replay)-1]
	for _, p := range replay[:len(replay)-1] {
		if err := dec.DecodeDiscard(p); err != nil {
			return 0, 0, err
		}
	}
	frames, err := dec.Decode(last)
	if err == nil && (len(frames) == 0 || frames[len(frames)-1].Seq != last.Seq) {
		// Frame threads hold the newest pictures back.
		var held []*media.Frame
		held, err = dec.Flush()
		frames = append(frames, held...)
	}
	wait = time.Since(start)
	defer func() {
		for _, f := range frames {
			f.Release()
		}
	}()
	if err != nil {
		return 0, 0, err
	}
	if len(frames) == 0 || frames[len(frames)-1].Seq != last.Seq {
		return 0, 0, errors.New("the newest replayed packet gave no picture")
	}
	return open, wait, nil
}
