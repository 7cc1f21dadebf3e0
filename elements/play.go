package elements

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/pipeline/syntax"
	"github.com/gopline/gopline/storage"
)

// PlayConfig configures the player. DefaultPlayConfig has the defaults; a
// field left at zero takes its default where zero is not a value it accepts
// (Rate).
type PlayConfig struct {
	Path string
	// Stream to play; may be empty when the recording has one stream.
	Stream string
	// Rate scales the recorded pace: 2 plays twice as fast (default 1).
	Rate float64
	// Start is where to begin, from the stream's first packet; playback
	// begins at the keyframe at or before it, in the first of Path and
	// Then whose part of the stream does not end before it.
	Start time.Duration
	// End, when not zero, is where to stop, from the stream's first
	// packet: playback ends before the first packet decoded at or after it
	// (storage.Recording.Range), and a loop starts again from Start. It is
	// after Start.
	End  time.Duration
	Loop bool
	// Live paces packets as they were recorded; otherwise they go out as
	// fast as the pipeline takes them.
	Live bool
	// Then are recordings played after Path, in order, as the same stream
	// goes on (a recording split into files: RecordSplit): one epoch, Seq
	// and pace through them all. A file without the stream, or whose part
	// of it ends before Start or begins at or after End, is passed over.
	Then []string
	// KeepTime publishes each packet with its recorded capture time, as
	// ros2 bag play keeps the header stamps: what lines the stream up with
	// other sensors recorded beside it. Otherwise (the default) a packet
	// is stamped with the wall-clock time it is played at, as a live
	// camera's would be: the latency a pipeline reports, the stats sink's
	// age and topic echo's latency read a capture time as the packet's
	// age, and a recorded one would read hours old. Each loop repeats the
	// recorded times, in a new epoch.
	KeepTime bool
}

var playSpec = pipeline.ElementSpec[PlayConfig]{
	Name: "play", Summary: "play a stream of a recording as packets", Out: "packets of the stream's codec",
	Doc: "Plays a recorded stream at its recorded pace (is-live=true) times rate, or as fast as the pipeline takes it. Starts at the keyframe at or before start and stops before end. Each pass is a new encoder epoch with Seq from 0, so receivers treat it as a fresh stream. Packets are stamped with the playback's wall-clock time, as a live source's; keep-time=true keeps their recorded capture times, to line them up with other recorded sensors.",
	Fields: []pipeline.Field[PlayConfig]{
		pipeline.StringField("path", "", func(c *PlayConfig) *string { return &c.Path }).Required().Doc("recording file"),
		pipeline.StringField("stream", "", func(c *PlayConfig) *string { return &c.Stream }).
			Doc("stream to play (default: the only one)"),
		pipeline.FloatField("rate", 1, func(c *PlayConfig) *float64 { return &c.Rate }).Range(0.01, 1000).Doc("speed factor"),
		pipeline.DurationField("start", 0, func(c *PlayConfig) *time.Duration { return &c.Start }).
			DurationRange(0, 100*365*24*time.Hour).Doc("offset from the stream's start"),
		pipeline.DurationField("end", 0, func(c *PlayConfig) *time.Duration { return &c.End }).
			DurationRange(0, 100*365*24*time.Hour).Doc("offset from the stream's start to stop before, after start (0: the stream's end)"),
		pipeline.BoolField("loop", false, func(c *PlayConfig) *bool { return &c.Loop }).Doc("start again at the end"),
		pipeline.BoolField("is-live", true, func(c *PlayConfig) *bool { return &c.Live }).Doc("pace packets as recorded"),
		pipeline.BoolField("keep-time", false, func(c *PlayConfig) *bool { return &c.KeepTime }).
			Doc("stamp packets with their recorded capture times (as ros2 bag play keeps header stamps), not the playback's"),
	},
	New: newPlay,
}

// DefaultPlayConfig returns the player's defaults (Path is for the caller).
func DefaultPlayConfig() PlayConfig { return playSpec.Defaults() }

// Play plays one stream of a recording as packets: a new epoch and Seq from
// 0 (each loop is a new epoch), capture times of the playback (or the
// recorded ones: KeepTime). It opens the
// recording briefly to learn the stream's codec, so a missing file or
// stream is an error here.
func Play(cfg PlayConfig) (pipeline.Element, error) { return playSpec.Make(cfg) }

func newPlay(cfg PlayConfig) (pipeline.Element, error) {
	if cfg.End != 0 && cfg.End <= cfg.Start {
		return pipeline.Element{}, fmt.Errorf("play: end %v is not after start %v: give an end after the start, or none", cfg.End, cfg.Start)
	}
	rec, err := storage.Open(cfg.Path, storage.WithReadOnly())
	if err != nil {
		return pipeline.Element{}, err
	}
	defer rec.Close()
	streams, err := rec.Streams()
	if err != nil {
		return pipeline.Element{}, err
	}
	var info *storage.StreamInfo
	for i := range streams {
		if streams[i].Name == cfg.Stream || (cfg.Stream == "" && len(streams) == 1) {
			info = &streams[i]
		}
	}
	if info == nil {
		names := make([]string, len(streams))
		for i, s := range streams {
			names[i] = s.Name
		}
		return pipeline.Element{}, fmt.Errorf("%s has no stream %s (it has %v)", cfg.Path, syntax.Quote(cfg.Stream), names)
	}
	cfg.Stream = info.Name
	return pipeline.SourceElement("play", pipeline.Packets(info.Codec), func() (pipeline.Source[*media.Packet], error) {
		return &player{cfg: cfg}, nil
	}), nil
}

type player struct {
	cfg     PlayConfig
	env     *pipeline.Env
	rec     *storage.Recording // the file playing: Path, or one of Then
	file    int                // its index in Path, Then...
	cursor  *storage.Cursor
	startAt time.Time // the stream time playback starts from
	endAt   time.Time // the stream time playback stops before; zero: none
	wall    time.Time // when the current pass began
	base    time.Time // the capture time of the pass's first packet
	last    time.Time // due time of the last packet handed out
	epoch   uint64
	seq     uint64
	gop     uint64
	chain   media.Chain // of the recorded packets: what the pass can decode
	played  int         // packets of the current pass
}

func (p *player) Start(env *pipeline.Env) error {
	p.env = env
	var err error
	if p.rec, err = storage.Open(p.cfg.Path, storage.WithReadOnly()); err != nil {
		return err
	}
	first, err := p.rec.First(p.cfg.Stream)
	if err != nil {
		p.rec.Close()
		return err
	}
	p.startAt = first.Add(p.cfg.Start)
	if p.cfg.End != 0 {
		p.endAt = first.Add(p.cfg.End)
	}
	if err := p.rewind(env.Now()); err != nil {
		p.rec.Close()
		return err
	}
	return nil
}

// rewind begins a pass at the start time with a new epoch and Seq from
// 0: to a receiver a loop is a restart (a new Epoch), and a restarted
// publisher numbers its packets from 0 again, so a gate does not read the
// Seq going on from the last pass as packets of the old epoch.
func (p *player) rewind(wall time.Time) error {
	if p.cursor != nil {
		p.cursor.Close()
		p.cursor = nil
	}
	if p.file != 0 {
		if err := p.openFile(0); err != nil {
			return err
		}
	}
	if err := p.seekStart(); err != nil {
		return err
	}
	p.epoch, p.seq, p.gop, p.wall, p.base, p.chain, p.played = media.NewEpoch(), 0, 0, wall, time.Time{}, media.Chain{}, 0
	return nil
}

// seekStart positions a pass at the start in the first file, or, when
// the stream's part in it ends before the start (a start pasted from a
// later file's info), in the first of Then that holds the start, as
// nextFile goes on and as an export over the files begins.
func (p *player) seekStart() error {
	last, err := p.rec.Last(p.cfg.Stream)
	if err != nil {
		return err
	}
	if passOver(time.Time{}, last, p.startAt, time.Time{}) && len(p.cfg.Then) > 0 {
		if more, err := p.nextFile(); err != nil || more {
			return err
		}
	}
	p.cursor, err = p.seek(p.startAt)
	return err
}

// passOver reports whether a pass from start to end (zero: none) passes
// over a file whose part of the stream spans first to last: it ends
// before the start, or begins at or after the end.
func passOver(first, last, start, end time.Time) bool {
	return last.Before(start) || !end.IsZero() && !first.Before(end)
}

func (p *player) Next() (*media.Packet, time.Time, error) {
	for {
		pk, err := p.cursor.Next()
		if errors.Is(err, io.EOF) {
			if more, err := p.nextFile(); err != nil || more {
				if err != nil {
					return nil, time.Time{}, err
				}
				continue
			}
			if !p.cfg.Loop || p.played == 0 {
				return nil, time.Time{}, io.EOF
			}
			// The next pass starts one frame interval after the last packet.
			if err := p.rewind(p.last.Add(p.interval())); err != nil {
				return nil, time.Time{}, err
			}
			continue
		}
		if errors.Is(err, storage.ErrCorruptRecord) {
			p.env.Log.Warn().Err(err).Msg("skipping a damaged packet; resuming at the next keyframe")
			p.env.Dropped(1)
			p.chain.Break()
			continue
		}
		if err != nil {
			return nil, time.Time{}, err
		}
		if l := p.chain.Take(pk); !l.Decodes() {
			if p.played > 0 {
				p.env.Dropped(1) // the pass's stream broke here (damage, a gap)
			}
			continue
		}
		if p.base.IsZero() {
			p.base = pk.DecodeTime()
		}
		// Packets are due in decode order; a B-frame stream's pictures are
		// presented their composition offset later.
		due := p.wall.Add(time.Duration(float64(pk.DecodeTime().Sub(p.base)) / p.cfg.Rate))
		if pk.Key {
			p.gop = p.seq
		}
		pk.Seq, pk.GOP, pk.Epoch = p.seq, p.gop, p.epoch
		p.seq++
		p.played++
		p.last = due
		switch {
		case p.cfg.KeepTime: // the recorded capture time and composition offset
		case p.cfg.Live:
			pk.CompositionOffset = time.Duration(float64(pk.CompositionOffset) / p.cfg.Rate)
			pk.CaptureTime = due.Add(pk.CompositionOffset)
		default:
			pk.CompositionOffset = time.Duration(float64(pk.CompositionOffset) / p.cfg.Rate)
			pk.CaptureTime = p.env.Now()
		}
		if !p.cfg.Live {
			return pk, time.Time{}, nil
		}
		return pk, due, nil
	}
}

// nextFile goes on to the next file of Then that holds the stream past
// the start, at its keyframe at or before the start (its first, when the
// start is before it); false when none is left.
func (p *player) nextFile() (bool, error) {
	for p.file < len(p.cfg.Then) {
		if p.cursor != nil {
			p.cursor.Close()
			p.cursor = nil
		}
		if err := p.openFile(p.file + 1); err != nil {
			return false, err
		}
		first, err := p.rec.First(p.cfg.Stream)
		var last time.Time
		if err == nil {
			last, err = p.rec.Last(p.cfg.Stream)
		}
		switch {
		case errors.Is(err, storage.ErrNoStream) || errors.Is(err, storage.ErrEmptyStream):
			continue
		case err != nil:
			return false, err
		case passOver(first, last, p.startAt, p.endAt):
			continue
		}
		if p.cursor, err = p.seek(latest(first, p.startAt)); err != nil {
			return false, err
		}
		return true, nil
	}
	return false, nil
}

// seek is a cursor on the file playing from the keyframe at or before t,
// up to the end when there is one.
func (p *player) seek(t time.Time) (*storage.Cursor, error) {
	if p.endAt.IsZero() {
		return p.rec.Seek(p.cfg.Stream, t)
	}
	return p.rec.Range(p.cfg.Stream, t, p.endAt)
}

// latest is the later of a and b.
func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// openFile closes the file playing and opens file i of Path, Then...
func (p *player) openFile(i int) error {
	path := p.cfg.Path
	if i > 0 {
		path = p.cfg.Then[i-1]
	}
	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		return err
	}
	p.rec.Close()
	p.rec, p.file = rec, i
	return nil
}

// interval is the gap a loop leaves between passes: one frame at 30 fps,
// scaled by the rate.
func (p *player) interval() time.Duration {
	return time.Duration(float64(time.Second/30) / p.cfg.Rate)
}

func (p *player) Stop() error {
	if p.cursor != nil {
		p.cursor.Close()
	}
	if p.rec != nil {
		return p.rec.Close()
	}
	return nil
}
