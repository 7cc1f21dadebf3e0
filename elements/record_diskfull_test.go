package elements

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/smallfs"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/pipeline"
	"github.com/gopline/gopline/storage"
)

// recordUntilFull records 120 lossless 1280x720 frames, 10 a GOP (more
// than a 1 MiB file system holds), into dir with the record properties
// props, to the end, and returns the recording's path, the pipeline and
// its log.
// recordUntilFull records a stream into dir, a disk too small for it, and
// returns the recording's path, the pipeline, its log and what Wait
// returned.
func recordUntilFull(t *testing.T, dir, props string) (string, *pipeline.Pipeline, *testlog.Buffer, error) {
	t.Helper()
	path := filepath.Join(dir, "cam.gopline")
	log := &testlog.Buffer{}
	p, err := pipeline.Parse("testsrc size=1280x720 num-frames=120 is-live=false ! h264enc gop=10 crf=0 ! record path="+path+" name=rec "+props,
		registry(t), pipeline.WithLogger(zerolog.New(log).Level(zerolog.InfoLevel)))
	if err != nil {
		t.Fatal(err)
	}
	err = runToEndErr(t, p)
	return path, p, log, err
}

// A recorder on a disk that fills up says so at once, as an error, keeps
// the stream going, counts what it could not write, and ends with an error
// of its node; what it wrote before stays readable.
func TestRecorderOnAFullDiskIsLoud(t *testing.T) {
	dir := smallfs.Dir(t, "1m")
	if dir == "" {
		return // the child ran the test
	}
	path, p, log, err := recordUntilFull(t, dir, "")
	endedWith(t, err, "rec")
	s := stat(t, p, "rec")
	if s.Dropped == 0 || s.Errors == 0 {
		t.Fatalf("recorder stats %+v: want packets dropped and the loss as an error", s)
	}
	for _, want := range []string{`"level":"error"`, "writes fail", "no space", "lost"} {
		if !strings.Contains(log.String(), want) {
			t.Fatalf("the log does not say %q:\n%s", want, log.String())
		}
	}
	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	st, err := rec.Stats("/input")
	if err != nil || st.Packets == 0 || st.Packets+int64(s.Dropped) < 120 {
		t.Fatalf("the file keeps %+v (%v); with %d dropped that is not every packet", st, err, s.Dropped)
	}
	// The disk never frees: the recording may say it resumed only when a
	// commit after the failure found room, and then the file holds more
	// than it kept when writes began to fail.
	m := regexp.MustCompile(`the file keeps the (\d+) packets`).FindStringSubmatch(log.String())
	if m == nil {
		t.Fatalf("the log does not say what the file keeps:\n%s", log.String())
	}
	kept, _ := strconv.ParseInt(m[1], 10, 64)
	if strings.Contains(log.String(), "recording resumed") && st.Packets <= kept {
		t.Fatalf("the log says the recording resumed, but the file holds %d packets, no more than the %d it kept when writes failed:\n%s",
			st.Packets, kept, log.String())
	}
}

// With overwrite-oldest the same recorder on the same full disk keeps
// every new packet: it warns that it overwrites the oldest GOPs, drops
// nothing, and its run ends well, with the newest packets in the file.
func TestRecorderThatOverwritesTheOldestKeepsRecordingOnAFullDisk(t *testing.T) {
	dir := smallfs.Dir(t, "1m")
	if dir == "" {
		return // the child ran the test
	}
	path, p, log, err := recordUntilFull(t, dir, "overwrite-oldest=true")
	if err != nil {
		t.Fatal(err)
	}
	if s := stat(t, p, "rec"); s.Dropped != 0 || s.Errors != 0 || s.In != 120 {
		t.Fatalf("recorder stats %+v: want 120 packets in, none dropped, no error", s)
	}
	if !strings.Contains(log.String(), "overwriting the oldest GOPs") {
		t.Fatalf("the log does not say the oldest GOPs were overwritten:\n%s", log.String())
	}
	rec, err := storage.Open(path, storage.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	// The warnings come at most every 30 s; the end says the run's totals,
	// which the file bears out: the GOPs of the 120 packets it lacks.
	st, err := rec.Stats("/input")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("the full disk cost the oldest %d GOPs", (120-st.Packets)/10); !strings.Contains(log.String(), want) {
		t.Fatalf("the log does not end with %q:\n%s", want, log.String())
	}
	if st.Packets == 0 || st.Packets >= 120 || st.Packets%10 != 0 {
		t.Fatalf("the file keeps %+v (%v): want the newest whole GOPs, fewer than the 120 packets", st, err)
	}
	from, err := rec.First("/input")
	if err != nil {
		t.Fatal(err)
	}
	c, err := rec.Seek("/input", from)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var first, last *media.Packet
	for {
		pkt, err := c.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = pkt
		}
		last = pkt
	}
	if first == nil || !first.Key || last.Seq != 119 || last.Seq-first.Seq+1 != uint64(st.Packets) {
		t.Fatalf("the file keeps seq %v to %v: want the newest, up to 119, from a keyframe, with no gap", first, last)
	}
}

// answeringRecording is a recording that answers as its test says: the
// errors of the next CreateStream, Append and Flush, and the count of lost
// packets, as a storage.Recording whose writes fail would.
type answeringRecording struct {
	createErr, appendErr, flushErr error
	lost                           int64
}

func (r *answeringRecording) CreateStream(storage.StreamInfo) error { return r.createErr }
func (r *answeringRecording) Append(string, *media.Packet) error    { return r.appendErr }
func (r *answeringRecording) Flush() error                          { return r.flushErr }
func (r *answeringRecording) Close() error                          { return nil }
func (r *answeringRecording) Lost() int64                           { return r.lost }
func (r *answeringRecording) Overwritten() (gops, bytes int64)      { return 0, 0 }

// A commit that fails after its packets were appended (taken in memory)
// begins a failure, told at once; a flush that had nothing to commit does
// not end it; while it lasts it is told again every failingReportInterval
// with the count lost; only a commit that succeeds ends it. A stream that
// cannot be created is a failure too, and its packet counts as lost.
func TestRecordingStoreSaysResumedOnlyOnceACommitSucceeded(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	rec := &answeringRecording{}
	s := newRecordingStore(rec, func() time.Time { return now }, false)
	key, delta := &media.Packet{Codec: media.H264, Key: true}, &media.Packet{Codec: media.H264}
	full := func(dropped int, first bool) error {
		rec.lost += int64(dropped)
		return &storage.WriteError{Path: "cam.gopline", Kind: storage.ErrDiskFull, Err: syscall.ENOSPC, Dropped: dropped,
			Lost: rec.lost, Since: now, Retry: now.Add(storage.RetryInterval), First: first}
	}
	check := func(what string, o writeOutcome, failed, failing, resumed bool, lost int64) {
		t.Helper()
		if (o.failed != nil) != failed || o.failing != failing || o.resumed != resumed || (o.lost != lost && (failed || resumed)) || o.err != nil {
			t.Fatalf("%s: %+v; want failed %v, still failing %v, resumed %v, lost %d", what, o, failed, failing, resumed, lost)
		}
	}

	check("a keyframe appended", s.Write("/cam", key), false, false, false, 0)
	rec.flushErr = full(1, true)
	o := s.Flush()
	check("its commit fails", o, true, false, false, 1)
	if o.dropped != 1 || !errors.Is(o.failed, storage.ErrDiskFull) {
		t.Fatalf("the failed commit: %+v; want its packet dropped and the disk-full error", o)
	}
	rec.flushErr = nil
	check("a flush while writes fail: nothing to commit", s.Flush(), false, false, false, 1)
	now = now.Add(time.Second)
	rec.appendErr = full(1, false)
	check("a delta dropped while writes fail", s.Write("/cam", delta), false, false, false, 2)
	check("a flush while writes fail, again", s.Flush(), false, false, false, 2)
	now = now.Add(failingReportInterval)
	rec.appendErr = full(1, false)
	check("a retry that fails, an interval on", s.Write("/cam", key), true, true, false, 3)
	rec.appendErr = full(1, false)
	check("the next drop is held back", s.Write("/cam", delta), false, false, false, 4)
	rec.appendErr = nil
	check("a retry's keyframe committed", s.Write("/cam", key), false, false, true, 4)
	check("a flush after", s.Flush(), false, false, false, 4)

	rec.createErr = fmt.Errorf("%w: cam.gopline: create stream %q: %w", storage.ErrDiskFull, "/other", syscall.ENOSPC)
	o = s.Write("/other", key)
	check("a stream that cannot be created", o, true, false, false, 5)
	if o.dropped != 1 {
		t.Fatalf("the packet of a stream not created: %+v; want it dropped", o)
	}
	check("a flush with nothing to commit", s.Flush(), false, false, false, 5)
	rec.createErr = nil
	check("the stream created, its keyframe appended", s.Write("/other", key), false, false, true, 5)
	if o := s.Flush(); o.lost != 5 {
		t.Fatalf("a flush counts %d packets lost, want 5 (4 lost by the recording, 1 without its stream)", o.lost)
	}
}

// bigPacket returns packet i of a 320x240 H.264 stream of 10-packet GOPs
// and about 8 KB a packet (keyframes 24 KB), captured 1/30 s apart from t0.
func bigPacket(i int, t0 time.Time) *media.Packet {
	size := 8000
	if i%10 == 0 {
		size *= 3
	}
	data := make([]byte, size)
	for j := range data {
		data[j] = byte(i*31 + j*7)
	}
	seq := uint64(i)
	return &media.Packet{Codec: media.H264, Width: 320, Height: 240, Epoch: 0x5eed, Seq: seq, GOP: seq - seq%10,
		Key: i%10 == 0, Data: data, CaptureTime: t0.Add(time.Duration(i) * time.Second / 30)}
}

// The recorder's store on a real disk that fills up, and frees space
// later. Whatever room bbolt finds in the file for a retry, what the store
// says holds: a failure is told when it begins and again while it lasts
// (never a drop more than failingReportInterval after the failure was last
// told), with the count the recording lost; a flush with nothing to commit
// ends nothing; and the recording is said to resume only once the file
// holds more packets than when the failure began. Once space returns, it
// resumes and loses nothing more.
func TestRecordingStoreOnAFullDiskSaysResumedOnlyWhenTheFileHoldsNewPackets(t *testing.T) {
	dir := smallfs.Dir(t, "2m")
	if dir == "" {
		return // the child ran the test
	}
	ballast := filepath.Join(dir, "ballast")
	if err := os.WriteFile(ballast, make([]byte, 512<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	now := t0
	clock := func() time.Time { return now }
	rec, err := storage.Open(filepath.Join(dir, "cam.gopline"), storage.WithClock(clock), storage.WithBatch(5, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	s := newRecordingStore(rec, clock, false)

	var (
		failing         bool
		kept            int64     // what the file held when the failure began
		told            time.Time // when the failure was last told
		failures, told2 int       // failures begun, and told again while they lasted
		resumes         int
	)
	judge := func(what string, o writeOutcome) {
		t.Helper()
		if o.err != nil {
			t.Fatalf("%s: %v", what, o.err)
		}
		if o.resumed {
			st, err := rec.Stats("/cam")
			if !failing || err != nil || st.Packets <= kept || o.lost != rec.Lost() {
				t.Fatalf("%s: said resumed (failing %v); the file holds %+v (%v), %d when the failure began; told %d lost, the recording lost %d",
					what, failing, st, err, kept, o.lost, rec.Lost())
			}
			failing = false
			resumes++
		}
		var werr *storage.WriteError
		switch {
		case o.failed != nil && !errors.As(o.failed, &werr):
			t.Fatalf("%s: %v, want a *storage.WriteError", what, o.failed)
		case o.failed != nil && o.lost != rec.Lost():
			t.Fatalf("%s: told %d lost, the recording lost %d", what, o.lost, rec.Lost())
		case o.failed != nil && o.failing:
			if !failing {
				t.Fatalf("%s: told that writes still fail, but no failure began", what)
			}
			told2++
			told = now
		case o.failed != nil:
			if failing && !werr.First {
				t.Fatalf("%s: a failure begun again while told", what)
			}
			failing, kept, told = true, werr.Kept, now
			failures++
		case o.dropped > 0 && failing && now.Sub(told) >= failingReportInterval:
			t.Fatalf("%s: dropped %d, %v after the failure was last told, and said nothing", what, o.dropped, now.Sub(told))
		}
	}
	next := 0
	step := func() {
		now = t0.Add(time.Duration(next) * 100 * time.Millisecond) // a slow clock: a failure spans few GOPs
		judge(fmt.Sprintf("packet %d", next), s.Write("/cam", bigPacket(next, t0)))
		judge(fmt.Sprintf("a flush after packet %d", next), s.Flush())
		next++
	}
	for failures == 0 {
		if next == 10000 {
			t.Fatal("the disk never filled")
		}
		step()
	}
	for until := now.Add(3 * failingReportInterval); now.Before(until); {
		step()
	}
	t.Logf("on a full disk until %v: %d failures, told again %d times, %d resumes, %d packets lost", now.Sub(t0), failures, told2, resumes, rec.Lost())
	if told2 == 0 {
		t.Fatalf("no failure was told again while it lasted")
	}
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	for until := now.Add(2 * storage.RetryInterval); failing || now.Before(until); {
		if next > 10000 {
			t.Fatal("recording never resumed after space returned")
		}
		step()
	}
	lost := rec.Lost()
	for range 30 {
		step()
	}
	if rec.Lost() != lost || failing {
		t.Fatalf("after space returned and recording resumed, %d more packets were lost", rec.Lost()-lost)
	}
}

// A split recording on a disk that fills up: every packet is either in a
// file or counted dropped (a packet whose next file could not be made
// among them, lost, not an error of the stage); it is never said to resume
// while no file took a packet since; and no file is left that holds none.
func TestSplitRecordingOnAFullDiskCountsEveryPacketAndLeavesNoEmptyFile(t *testing.T) {
	dir := smallfs.Dir(t, "1m")
	if dir == "" {
		return // the child ran the test
	}
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	now := t0
	clock := func() time.Time { return now }
	cfg := DefaultRecordConfig()
	cfg.Path, cfg.Split = filepath.Join(dir, "c.gopline"), RecordSplit{MaxBytes: 150 << 10}
	rec, _, _, err := openRecording(cfg, []storage.Option{storage.WithClock(clock), storage.WithBatch(5, 0)})
	if err != nil {
		t.Fatal(err)
	}
	s := newRecordingStore(rec, clock, false)
	if err := s.rec.CreateStream(storage.StreamInfo{Name: "/cam", Codec: media.H264, Width: 320, Height: 240}); err != nil {
		t.Fatal(err)
	}
	s.streams["/cam"] = true
	const written = 400
	var dropped int64
	for i := range written {
		now = t0.Add(time.Duration(i) * time.Second / 30)
		for _, o := range []writeOutcome{s.Write("/cam", bigPacket(i, t0)), s.Flush()} {
			if o.err != nil {
				t.Fatalf("packet %d: an error of the stage: %v", i, o.err)
			}
			dropped += int64(o.dropped)
			if o.resumed {
				t.Fatalf("packet %d: said resumed, on a disk that stays full", i)
			}
		}
	}
	if dropped == 0 {
		t.Fatal("the disk never filled")
	}
	lost := s.lost()
	if err := s.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	var kept int64
	files, _ := filepath.Glob(filepath.Join(dir, "c_*.gopline"))
	for _, f := range files {
		r, err := storage.Open(f, storage.WithReadOnly())
		if err != nil {
			t.Fatal(err)
		}
		st, err := r.RecordingStats()
		r.Close()
		if err != nil || st.Packets == 0 {
			t.Errorf("%s holds no packet (%v)", filepath.Base(f), err)
		}
		kept += st.Packets
	}
	// What the node counts dropped (the recorder's Dropped) is every packet
	// not in a file: those failed writes lost, and the deltas left out
	// until a keyframe after them.
	if kept+dropped != written || lost > dropped {
		t.Errorf("%d packets in %d files and %d counted dropped (%d of them lost to failed writes), of %d written",
			kept, len(files), dropped, lost, written)
	}
}
