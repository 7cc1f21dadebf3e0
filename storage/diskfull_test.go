package storage_test

import (
	"errors"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/smallfs"
	"github.com/gopline/gopline/internal/testlog"
	"github.com/gopline/gopline/qos"
	"github.com/gopline/gopline/storage"
)

// bigSynth makes packets of about 8 KB (keyframes 24 KB), so that a few
// hundred fill a small file system.
func bigSynth() synth {
	s := newSynth()
	s.size = 8000
	return s
}

// openCameraIn opens a recording in dir, on a fake clock, committing 5
// packets at a time, with the stream "/camera", and opts.
func openCameraIn(t *testing.T, dir string, opts ...storage.Option) (*storage.Recording, string, *fakeClock) {
	t.Helper()
	path := filepath.Join(dir, "rec.gopline")
	clk := newFakeClock()
	rec := mustOpenPath(t, path, append([]storage.Option{storage.WithClock(clk.Now), storage.WithBatch(5, 0)}, opts...)...)
	createCamera(t, rec)
	return rec, path, clk
}

// dropUntilKeyframe appends the deltas of s from packet next on, checking
// that each is dropped with a WriteError of kind, and returns the index of
// the next keyframe.
func dropUntilKeyframe(t *testing.T, rec *storage.Recording, s synth, next int, kind error) int {
	t.Helper()
	for ; !s.packet(next).Key; next++ {
		wantWriteError(t, rec.Append("/camera", s.packet(next)), kind, "a delta while writes fail")
	}
	return next
}

// wantWriteError checks that err is a *WriteError of kind and returns it.
func wantWriteError(t *testing.T, err error, kind error, what string) *storage.WriteError {
	t.Helper()
	var werr *storage.WriteError
	if !errors.As(err, &werr) || !errors.Is(err, kind) {
		t.Fatalf("%s: %v, want a *storage.WriteError of %v", what, err, kind)
	}
	return werr
}

// fillUntilWriteFails appends packets of s to "/camera" from packet from
// until an Append fails, and returns the index of the next packet and that
// Append's error.
func fillUntilWriteFails(t *testing.T, rec *storage.Recording, s synth, from int) (int, error) {
	t.Helper()
	for i := from; i < from+100000; i++ {
		if err := rec.Append("/camera", s.packet(i)); err != nil {
			return i + 1, err
		}
	}
	t.Fatal("writes never failed")
	return 0, nil
}

// checkStoredChain reads the stream of a closed recording again and checks
// that it holds want packets of s, indexed from 0, each a keyframe or the
// continuation of the packet before it, none damaged.
func checkStoredChain(t *testing.T, path string, s synth, want int64) {
	t.Helper()
	rec := mustOpenPath(t, path, storage.WithReadOnly())
	got := readStream(t, rec, "/camera")
	if int64(len(got)) != want {
		t.Fatalf("reopened: %d packets, want %d", len(got), want)
	}
	for i, g := range got {
		if g.index != uint64(i) {
			t.Fatalf("packet %d has index %d", i, g.index)
		}
		if d := samePacket(g.p, s.packet(int(g.p.Seq))); d != "" {
			t.Fatalf("index %d (seq %d): %s differs from what was appended", i, g.p.Seq, d)
		}
		if i == 0 && !g.p.Key || i > 0 && !g.p.Key && (g.p.Seq != got[i-1].p.Seq+1 || g.p.GOP != got[i-1].p.GOP) {
			t.Fatalf("index %d (seq %d) does not continue seq %d", i, g.p.Seq, got[max(i-1, 0)].p.Seq)
		}
	}
}

func TestAFullDiskIsReportedTheFileStaysReadableAndWritingResumesWhenSpaceReturns(t *testing.T) {
	dir := smallfs.Dir(t, "2m")
	if dir == "" {
		return // the child ran the test
	}
	ballast := filepath.Join(dir, "ballast")
	if err := os.WriteFile(ballast, make([]byte, 512<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	rec, path, clk := openCameraIn(t, dir)
	s := bigSynth()

	next, err := fillUntilWriteFails(t, rec, s, 0)
	first := wantWriteError(t, err, storage.ErrDiskFull, "the commit that found the disk full")
	if !errors.Is(err, syscall.ENOSPC) || !first.First || first.Path != path || first.Dropped != 5 || first.Lost != 5 ||
		first.Kept != int64(next-5) || first.KeptBytes == 0 || first.Retry != clk.Now().Add(storage.RetryInterval) {
		t.Fatalf("the first error: %+v (after %d appends)", first, next)
	}
	t.Log(err)
	for _, say := range []string{path, "a commit of 5 packets failed", "no space left on device", "keeps the"} {
		if !strings.Contains(err.Error(), say) {
			t.Errorf("%q does not say %q", err, say)
		}
	}
	// Until the retry time, every packet is dropped, counted, and said so.
	for j := range 12 {
		err := rec.Append("/camera", s.packet(next))
		next++
		werr := wantWriteError(t, err, storage.ErrDiskFull, "an Append while the disk is full")
		if werr.First || werr.Dropped != 1 || werr.Lost != int64(5+j+1) || werr.Kept != first.Kept {
			t.Fatalf("drop %d: %+v", j, werr)
		}
	}
	if err := rec.Flush(); err != nil {
		t.Fatalf("Flush with nothing pending while the disk is full: %v", err)
	}
	if st, err := rec.Stats("/camera"); err != nil || st.Packets != first.Kept {
		t.Fatalf("reading while the disk is full: %+v, %v; want %d packets", st, err, first.Kept)
	}
	// At the retry time, the next keyframe tries again: still full.
	clk.Advance(storage.RetryInterval)
	next = dropUntilKeyframe(t, rec, s, next, storage.ErrDiskFull)
	werr := wantWriteError(t, rec.Append("/camera", s.packet(next)), storage.ErrDiskFull, "a keyframe on a disk still full")
	next++
	if werr.First || werr.Retry != clk.Now().Add(storage.RetryInterval) {
		t.Fatalf("a failed try: %+v", werr)
	}
	// Space returns: writing resumes at the first keyframe after the retry
	// time, with what came between counted as lost.
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	clk.Advance(storage.RetryInterval)
	next = dropUntilKeyframe(t, rec, s, next, storage.ErrDiskFull)
	lost := rec.Lost()
	appendAll(t, rec, "/camera", s, next, next+2*s.gop)
	if rec.Lost() != lost || lost < 5+12+2 {
		t.Fatalf("Lost: %d after writing resumed, %d before", rec.Lost(), lost)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	checkStoredChain(t, path, s, first.Kept+int64(2*s.gop))
}

func TestAFileAtTheSizeLimitOfTheProcessIsADiskFull(t *testing.T) {
	dir := smallfs.Dir(t, "64m")
	if dir == "" {
		return
	}
	signal.Ignore(syscall.SIGXFSZ) // a write past the limit fails with EFBIG instead of killing
	var limit syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		t.Fatal(err)
	}
	rec, path, clk := openCameraIn(t, dir)
	s := bigSynth()
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: 1 << 20, Max: limit.Max}); err != nil {
		t.Skipf("cannot lower the file size limit: %v", err)
	}
	next, err := fillUntilWriteFails(t, rec, s, 0)
	first := wantWriteError(t, err, storage.ErrDiskFull, "a commit past the file size limit")
	if !strings.Contains(err.Error(), "file too large") || !first.First {
		t.Fatalf("the first error: %v", err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		t.Fatal(err)
	}
	clk.Advance(storage.RetryInterval)
	next = dropUntilKeyframe(t, rec, s, next, storage.ErrDiskFull)
	appendAll(t, rec, "/camera", s, next, next+s.gop)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	checkStoredChain(t, path, s, first.Kept+int64(s.gop))
}

func TestAFailedGrowthOfTheMappingStopsWritesUntilTheFileIsOpenedAgain(t *testing.T) {
	dir := smallfs.Dir(t, "64m")
	if dir == "" {
		return
	}
	rec, path, clk := openCameraIn(t, dir)
	s := bigSynth()
	appendAll(t, rec, "/camera", s, 0, 20)
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// A file of 200 TiB (sparse; tmpfs takes it) makes bbolt's next growth
	// of its mapping ask for more address space than a process has: mmap
	// fails after bbolt has given up its old mapping.
	if err := os.Truncate(path, 200<<40); err != nil {
		t.Skipf("cannot make a sparse file of 200 TiB: %v", err)
	}
	next, err := fillUntilWriteFails(t, rec, s, 20)
	first := wantWriteError(t, err, storage.ErrWriteFailed, "a commit whose mapping failed to grow")
	t.Log(err)
	if !first.First || !first.Retry.IsZero() || !strings.Contains(err.Error(), "opened again") {
		t.Fatalf("the first error: %v (%+v)", err, first)
	}
	clk.Advance(10 * storage.RetryInterval)
	for range s.gop {
		werr := wantWriteError(t, rec.Append("/camera", s.packet(next)), storage.ErrWriteFailed, "an Append after the mapping was lost")
		next++
		if werr.First || !werr.Retry.IsZero() {
			t.Fatalf("a later error: %+v", werr)
		}
	}
	if _, err := rec.Stats("/camera"); !errors.Is(err, storage.ErrWriteFailed) || !strings.Contains(err.Error(), "open it again") {
		t.Fatalf("reading without a mapping: %v, want ErrWriteFailed saying to open the file again", err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	// The address space returns. bbolt grows a small file to the size of
	// its mapping, and every commit that succeeded fitted in the mapping
	// (the first that did not failed): cutting the file back to its size
	// before keeps every committed page.
	if err := os.Truncate(path, fi.Size()); err != nil {
		t.Fatal(err)
	}
	checkStoredChain(t, path, s, first.Kept)
}

func TestADurableCacheWritesItsGOPAgainWhenSpaceReturns(t *testing.T) {
	dir := smallfs.Dir(t, "2m")
	if dir == "" {
		return
	}
	path := filepath.Join(dir, "node.gopline")
	clk := newFakeClock()
	rec := mustOpenPath(t, path, storage.WithClock(clk.Now))
	logs := &testlog.Buffer{}
	d, err := rec.DurableCache("/camera", qos.PersistentVideo(), zerolog.New(logs))
	if err != nil {
		t.Fatal(err)
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		t.Fatal(err)
	}
	ballast := filepath.Join(dir, "ballast")
	if err := os.WriteFile(ballast, make([]byte, int64(fs.Bavail)*fs.Bsize-32<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	s := bigSynth() // a GOP of about 100 KB
	for i := range s.gop {
		d.Retain(s.packet(i))
	}
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(logs.String(), "writing failed"); {
		if time.Now().After(deadline) {
			t.Fatalf("no failed write logged on a full disk: %q", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	clk.Advance(storage.RetryInterval)
	for i := s.gop; i < 2*s.gop; i++ {
		d.Retain(s.packet(i))
	}
	if err := d.Close(); !errors.Is(err, storage.ErrDiskFull) {
		t.Fatalf("Close: %v, want the first error, of ErrDiskFull", err)
	}
	if n := strings.Count(logs.String(), "writing failed"); n != 1 || !strings.Contains(logs.String(), "writing again") {
		t.Fatalf("want one warning and a note that writing resumed: %q", logs.String())
	}
	if err := rec.Close(); !errors.Is(err, storage.ErrDiskFull) {
		t.Fatalf("the recording's Close: %v, want its cache's first error", err)
	}
	rec = mustOpenPath(t, path)
	d, err = rec.DurableCache("/camera", qos.PersistentVideo(), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := seqsOf(d.Replay()); len(got) != s.gop || got[0] != uint64(s.gop) {
		t.Fatalf("reopened, the durable cache holds %v, want the GOP written after space returned (%d..%d)", got, s.gop, 2*s.gop-1)
	}
}

// With WithOverwriteOldest a recording on a full disk goes on taking every
// packet: each commit that finds no room deletes the oldest GOPs and takes
// their place in the file. Nothing new is lost; what is kept is the newest
// stretch of the stream, from a keyframe on, whole.
func TestOverwriteOldestKeepsRecordingTheNewestOnAFullDisk(t *testing.T) {
	dir := smallfs.Dir(t, "4m")
	if dir == "" {
		return
	}
	rec, path, _ := openCameraIn(t, dir, storage.WithOverwriteOldest())
	s := bigSynth()
	const total = 1500 // about 15 MB of packets on a 4 MB file system
	appendAll(t, rec, "/camera", s, 0, total)
	gops, bytes := rec.Overwritten()
	if gops == 0 || bytes < 8<<20 || rec.Lost() != 0 {
		t.Fatalf("overwritten %d GOPs, %d bytes; lost %d: want the oldest GOPs overwritten and nothing lost", gops, bytes, rec.Lost())
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	ro := mustOpenPath(t, path, storage.WithReadOnly())
	got := readStream(t, ro, "/camera")
	if len(got) < 2*s.gop || !got[0].p.Key || got[len(got)-1].p.Seq != total-1 {
		t.Fatalf("kept %d packets, from seq %d (key %v) to %d: want the newest ones up to %d, from a keyframe",
			len(got), got[0].p.Seq, got[0].p.Key, got[len(got)-1].p.Seq, total-1)
	}
	for i, g := range got {
		if d := samePacket(g.p, s.packet(int(g.p.Seq))); d != "" {
			t.Fatalf("seq %d: %s differs from what was appended", g.p.Seq, d)
		}
		if i > 0 && (g.index != got[i-1].index+1 || g.p.Seq != got[i-1].p.Seq+1) {
			t.Fatalf("index %d (seq %d) does not continue index %d (seq %d)", g.index, g.p.Seq, got[i-1].index, got[i-1].p.Seq)
		}
	}
	if st, err := ro.Stats("/camera"); err != nil || st.Packets != int64(len(got)) || int64(total)-st.Packets < gops*int64(s.gop) {
		t.Fatalf("stats %+v (%v): want %d packets, and the %d overwritten GOPs gone", st, err, len(got), gops)
	}
}

// A stream whose only GOP fills the disk has nothing old to give: its
// packets are dropped as without WithOverwriteOldest, and counted.
func TestOverwriteOldestNeverDeletesTheNewestGOP(t *testing.T) {
	dir := smallfs.Dir(t, "2m")
	if dir == "" {
		return
	}
	rec, path, _ := openCameraIn(t, dir, storage.WithOverwriteOldest())
	s := bigSynth()
	s.gop = 1 << 20 // one GOP, larger than the disk
	next, err := fillUntilWriteFails(t, rec, s, 0)
	first := wantWriteError(t, err, storage.ErrDiskFull, "a full disk with nothing old to overwrite")
	if gops, _ := rec.Overwritten(); gops != 0 || !first.First || first.Kept != int64(next-5) {
		t.Fatalf("overwritten %d GOPs; the error %+v", gops, first)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	checkStoredChain(t, path, s, first.Kept)
}

// fillDisk fills the file system of dir but for free bytes with a file,
// and returns the file's path.
func fillDisk(t *testing.T, dir string, free int64) string {
	t.Helper()
	ballast := filepath.Join(dir, "ballast")
	f, err := os.Create(ballast)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 4096)
	var size int64
	for {
		n, err := f.Write(block)
		size += int64(n)
		if errors.Is(err, syscall.ENOSPC) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Truncate(max(0, size-free)); err != nil {
		t.Fatal(err)
	}
	return ballast
}

// A creation on a full disk fails and leaves no file, whatever step it
// fails at, and an empty file that one left before is a new recording
// once space returns: nothing stays in the way of the next recording.
func TestACreationAFullDiskCutsShortLeavesNothingInTheWay(t *testing.T) {
	dir := smallfs.Dir(t, "256k")
	if dir == "" {
		return // the child ran the test
	}
	path := filepath.Join(dir, "rec.gopline")
	failed := 0
	for free := int64(0); free <= 32<<10; free += 4 << 10 {
		ballast := fillDisk(t, dir, free)
		rec, err := storage.Open(path)
		if err == nil {
			err = rec.Close()
		}
		switch _, statErr := os.Stat(path); {
		case err != nil && !errors.Is(statErr, os.ErrNotExist):
			t.Fatalf("%d bytes free: Open failed (%v) and left the file (%v)", free, err, statErr)
		case err != nil:
			failed++
			t.Logf("%d bytes free: %v", free, err)
		}
		_ = os.Remove(path)
		if err := os.Remove(ballast); err != nil {
			t.Fatal(err)
		}
	}
	if failed == 0 {
		t.Fatal("no Open failed on a full disk")
	}
	// An empty file that a creation cut short left (a crash between the
	// create and the first write) stays empty when the next Open fails on
	// a full disk, and is a new recording when space returns.
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ballast := fillDisk(t, dir, 0)
	if rec, err := storage.Open(path); err == nil {
		rec.Close()
		t.Fatal("Open on a full disk succeeded")
	}
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	rec := mustOpenPath(t, path)
	createCamera(t, rec)
	s := newSynth()
	appendAll(t, rec, "/camera", s, 0, 2*s.gop)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	checkStoredChain(t, path, s, int64(2*s.gop))
}

// A commit that a full disk cuts short writes some of its pages before it
// fails, some over pages the older meta's tree had freed. Recover counts
// against what the file held, the packets the recorder said it kept: what
// it salvages of the commit cut short is counted apart (Uncommitted) and
// not as lost, and the counters that commit wrote never stand for the
// file's, even in a copy of the file cut short. The older copies of chunks
// that it wrote over are said apart too (Overwritten), not counted as
// unreadable chunks: the last complete commit held newer copies.
func TestRecoverCountsWhatTheFileHeldNotACommitAFullDiskCutShort(t *testing.T) {
	dir := smallfs.Dir(t, "3m")
	if dir == "" {
		return // the child ran the test
	}
	// Where the pages of the commit cut short land depends on the sizes:
	// a few of them leave some, and the counts must hold for all.
	type sizes struct {
		ballast, batch, size int
		after                bool // appends go on after the failure
	}
	var cases []sizes
	for i := 40; i < 56; i++ {
		cases = append(cases, sizes{ballast: i * 7919, batch: 1 + i%7, size: 3000 + 377*i, after: i%2 == 1})
	}
	uncommitted, overwritten := int64(0), int64(0)
	for _, tc := range cases {
		ballast := filepath.Join(dir, "ballast")
		if err := os.WriteFile(ballast, make([]byte, tc.ballast), 0o644); err != nil {
			t.Fatal(err)
		}
		rec, path, _ := openCameraIn(t, dir, storage.WithBatch(tc.batch, 0))
		s := bigSynth()
		s.size = tc.size
		next, err := fillUntilWriteFails(t, rec, s, 0)
		kept := wantWriteError(t, err, storage.ErrDiskFull, "the commit that found the disk full").Kept
		for j := 0; tc.after && j < 20; j++ {
			_ = rec.Append("/camera", s.packet(next+j))
		}
		// The file as a copy taken while the recorder still holds it open
		// (a backup, a robot shut down by the full disk) has it.
		whole, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := rec.Close(); err != nil {
			t.Fatal(err)
		}
		for cut := 100; cut >= 50; cut -= 10 {
			src := writeFile(t, "cut.gopline", whole[:len(whole)*cut/100])
			res, err := storage.Recover(src, filepath.Join(t.TempDir(), "new.gopline"))
			if err != nil {
				t.Fatalf("%+v, cut to %d%%: %v", tc, cut, err)
			}
			rs := res.Streams[0]
			uncommitted += rs.Uncommitted
			overwritten += rs.Overwritten
			switch {
			case rs.Counted != 0 && rs.Counted != kept:
				t.Errorf("%+v, cut to %d%%: counted %d, but the recorder kept %d", tc, cut, rs.Counted, kept)
			case rs.Committed() > kept:
				t.Errorf("%+v, cut to %d%%: %d committed packets written, but the recorder kept %d", tc, cut, rs.Committed(), kept)
			case rs.Counted != 0 && rs.Lost() != kept-rs.Committed():
				t.Errorf("%+v, cut to %d%%: lost %d, want %d", tc, cut, rs.Lost(), kept-rs.Committed())
			case cut == 100 && (rs.Counted != kept || rs.Committed() != kept || rs.Damaged+rs.Dropped+rs.Missing+rs.UnreadableChunks != 0):
				t.Errorf("%+v, whole: %+v: want all %d kept packets written and nothing lost", tc, rs, kept)
			}
		}
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(ballast); err != nil {
			t.Fatal(err)
		}
	}
	if uncommitted == 0 {
		t.Error("no packet of a commit cut short was salvaged: the test no longer tests that")
	}
	if overwritten == 0 {
		t.Error("no commit cut short wrote over a chunk page: the test no longer tests that")
	}
}
