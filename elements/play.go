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
	// recorded times, in a new epoch. The recorded times are kept
	// whatever the Rate: at 2 they advance two seconds each second
	// played, as ros2 bag play's header stamps do.
	KeepTime bool

	// clock, when set (PlayTogether), is the time line shared with the
	// streams played together; otherwise the player has one of its own.
	clock *playClock
}

var playSpec = pipeline.ElementSpec[PlayConfig]{
	Name: "play", Summary: "play a stream of a recording as packets", Out: "packets of the stream's codec",
	Doc: "Plays a recorded stream at its recorded pace (is-live=true) times rate, or as fast as the pipeline takes it. Starts at the keyframe at or before start and stops before end. Each pass is a new encoder epoch with Seq from 0, so receivers treat it as a fresh stream. Packets are stamped with the playback's wall-clock time, as a live source's; keep-time=true keeps their recorded capture times, to line them up with other recorded sensors. Each play element paces from its own first keyframe; gopline play keeps a recording's streams in step as recorded.",
	Fields: []pipeline.Field[PlayConfig]{
		pipeline.StringField("path", "", func(c *PlayConfig) *string { return &c.Path }).Required().Doc("recording file"),
		pipeline.StringField("stream", "", func(c *PlayConfig) *string { return &c.Stream }).
			Doc("stream to play (default: the only one)"),
		pipeline.FloatField("rate", 1, func(c *PlayConfig) *float64 { return &c.Rate }).Range(MinPlayRate, MaxPlayRate).Doc("speed factor"),
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

// MinPlayRate and MaxPlayRate bound a player's speed factor.
const (
	MinPlayRate = 0.01
	MaxPlayRate = 1000.0
)

// DefaultPlayConfig returns the player's defaults (Path is for the caller).
func DefaultPlayConfig() PlayConfig { return playSpec.Defaults() }

// Play plays one stream of a recording as packets: a new epoch and Seq from
// 0 (each loop is a new epoch), capture times of the playback (or the
// recorded ones: KeepTime). It opens the
// recording briefly to learn the stream's codec, so a missing file or
// stream is an error here.
func Play(cfg PlayConfig) (pipeline.Element, error) { return playSpec.Make(cfg) }

func newPlay(cfg PlayConfig) (pipeline.Element, error) {
	cfg, codec, err := resolvePlay(cfg)
	if err != nil {
		return pipeline.Element{}, err
	}
	return pipeline.SourceElement("play", pipeline.Packets(codec), func() (pipeline.Source[*media.Packet], error) {
		return &player{cfg: cfg}, nil
	}), nil
}

// resolvePlay checks a config whose fields have their defaults, names its
// Stream (the only one, when empty) and says the stream's codec. It opens
// the recording briefly, so a missing file or stream is an error here.
func resolvePlay(cfg PlayConfig) (PlayConfig, media.Codec, error) {
	if cfg.End != 0 && cfg.End <= cfg.Start {
		return cfg, 0, fmt.Errorf("play: end %v is not after start %v: give an end after the start, or none", cfg.End, cfg.Start)
	}
	rec, err := storage.Open(cfg.Path, storage.WithReadOnly())
	if err != nil {
		return cfg, 0, err
	}
	defer rec.Close()
	streams, err := rec.Streams()
	if err != nil {
		return cfg, 0, err
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
		return cfg, 0, fmt.Errorf("%s has no stream %s (it has %v)", cfg.Path, syntax.Quote(cfg.Stream), names)
	}
	cfg.Stream = info.Name
	return cfg, info.Codec, nil
}

type player struct {
	cfg     PlayConfig
	env     *pipeline.Env
	rec     *storage.Recording // the file playing: Path, or one of Then
	file    int                // its index in Path, Then...
	cursor  *storage.Cursor
	startAt time.Time  // the stream time playback starts from
	endAt   time.Time  // the stream time playback stops before; zero: none
	clock   *playClock // when packets go out: shared with the streams played together, or the player's own
	wall    time.Time  // when the first pass began
	pass    int        // the current pass: 0, and 1 more each loop
	epoch   uint64
	seq     uint64
	gop     uint64
	chain   media.Chain // of the recorded packets: what the pass can decode
	played  int         // packets of the current pass
}

func (p *player) Start(env *pipeline.Env) error {
	p.env = env
	if err := p.open(); err != nil {
		return err
	}
	if msg := playRateUnused(p.cfg); msg != "" {
		env.Log.Warn().Str("path", p.cfg.Path).Msg(msg)
	}
	if p.cfg.Live {
		clock := p.cfg.clock
		if clock == nil || clock.timeline.origin.IsZero() { // alone, or together with streams that hold no packet
			ext, err := playExtentOf(p.cfg)
			if errors.Is(err, io.EOF) { // no packet of the pass decodes: none will go out
				ext, err = playExtent{begin: p.startAt, end: p.startAt.Add(loopGap)}, nil
			}
			if err != nil {
				p.Stop()
				return err
			}
			clock = &playClock{timeline: alignPlay([]playExtent{ext}, p.cfg.Rate)}
		}
		p.clock, p.wall = clock, clock.begin(env.Now())
	}
	return nil
}

// open opens Path and positions the first pass at its start.
func (p *player) open() error {
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
	if err := p.rewind(); err != nil {
		p.rec.Close()
		return err
	}
	return nil
}

// rewind begins a pass at the start time with a new epoch and Seq from
// 0: to a receiver a loop is a restart (a new Epoch), and a restarted
// publisher numbers its packets from 0 again, so a gate does not read the
// Seq going on from the last pass as packets of the old epoch.
func (p *player) rewind() error {
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
	p.epoch, p.seq, p.gop, p.chain, p.played = media.NewEpoch(), 0, 0, media.Chain{}, 0
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

// read returns the pass's next recorded packet, through the files, and
// whether it decodes after those before it (the pass's chain); io.EOF at
// the pass's end. A damaged packet is storage.ErrCorruptRecord, and the
// chain resumes at the next keyframe.
func (p *player) read() (*media.Packet, bool, error) {
	for {
		pk, err := p.cursor.Next()
		if errors.Is(err, io.EOF) {
			if more, err := p.nextFile(); err != nil || more {
				if err != nil {
					return nil, false, err
				}
				continue
			}
			return nil, false, io.EOF
		}
		if errors.Is(err, storage.ErrCorruptRecord) {
			p.chain.Break()
			return nil, false, err
		}
		if err != nil {
			return nil, false, err
		}
		return pk, p.chain.Take(pk).Decodes(), nil
	}
}

func (p *player) Next() (*media.Packet, time.Time, error) {
	for {
		pk, decodes, err := p.read()
		if errors.Is(err, io.EOF) {
			if !p.cfg.Loop || p.played == 0 {
				return nil, time.Time{}, io.EOF
			}
			p.pass++
			if err := p.rewind(); err != nil {
				return nil, time.Time{}, err
			}
			continue
		}
		if errors.Is(err, storage.ErrCorruptRecord) {
			p.env.Log.Warn().Err(err).Msg("skipping a damaged packet; resuming at the next keyframe")
			p.env.Dropped(1)
			continue
		}
		if err != nil {
			return nil, time.Time{}, err
		}
		if !decodes {
			if p.played > 0 {
				p.env.Dropped(1) // the pass's stream broke here (damage, a gap)
			}
			continue
		}
		if pk.Key {
			p.gop = p.seq
		}
		pk.Seq, pk.GOP, pk.Epoch = p.seq, p.gop, p.epoch
		p.seq++
		p.played++
		if !p.cfg.Live {
			if !p.cfg.KeepTime { // read now, shown as recorded: flat out, a rate paces nothing
				pk.CaptureTime = p.env.Now()
			}
			return pk, time.Time{}, nil
		}
		// Packets are due in decode order; a B-frame stream's pictures are
		// presented their composition offset later.
		due := p.clock.timeline.due(p.wall, p.pass, pk.DecodeTime())
		if !p.cfg.KeepTime { // else the recorded capture time and composition offset
			pk.CompositionOffset = time.Duration(float64(pk.CompositionOffset) / p.cfg.Rate)
			pk.CaptureTime = due.Add(pk.CompositionOffset)
		}
		return pk, due, nil
	}
}

// playExtentOf is the part of a pass that cfg plays (playExtent): from the
// first packet that decodes at its start to its end, or a loop gap after
// the stream's last packet, whichever is first.
func playExtentOf(cfg PlayConfig) (playExtent, error) {
	p := &player{cfg: cfg}
	if err := p.open(); err != nil {
		return playExtent{}, err
	}
	defer p.Stop()
	var ext playExtent
	for ext.begin.IsZero() {
		pk, decodes, err := p.read()
		switch {
		case errors.Is(err, storage.ErrCorruptRecord):
			continue
		case err != nil:
			return playExtent{}, err
		case decodes:
			ext.begin = pk.DecodeTime()
		}
	}
	last, err := p.lastPacket()
	if err != nil {
		return playExtent{}, err
	}
	ext.end = last.Add(loopGap)
	if !p.endAt.IsZero() && p.endAt.Before(ext.end) {
		ext.end = p.endAt
	}
	return ext, nil
}

// lastPacket is the capture time of the stream's last packet in the last
// of Path and Then that holds it.
func (p *player) lastPacket() (time.Time, error) {
	for i := len(p.cfg.Then); i > 0; i-- {
		last, err := lastIn(p.cfg.Then[i-1], p.cfg.Stream)
		if errors.Is(err, storage.ErrNoStream) || errors.Is(err, storage.ErrEmptyStream) {
			continue
		}
		return last, err
	}
	return lastIn(p.cfg.Path, p.cfg.Stream)
}

// lastIn is the capture time of stream's last packet in the recording at path.
func lastIn(path, stream string) (time.Time, error) {
	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		return time.Time{}, err
	}
	defer rec.Close()
	return rec.Last(stream)
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

func (p *player) Stop() error {
	if p.cursor != nil {
		p.cursor.Close()
	}
	if p.rec != nil {
		return p.rec.Close()
	}
	return nil
}
