package elements

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/storage"
)

// Two streams with GOPs of different lengths: once the newest file is
// full, each stream moves to the next at its own next keyframe, so every
// file starts each stream with a keyframe and every packet goes to one
// file.
func TestSplitPlanMovesEachStreamAtItsKeyframe(t *testing.T) {
	plan := newSplitPlan(RecordSplit{MaxBytes: 100})
	t0 := time.Unix(0, 0)
	firstOf := map[int]map[string]bool{}
	for i := range 60 {
		for _, s := range []struct {
			name string
			gop  int
		}{{"/a", 4}, {"/b", 7}} {
			p := &media.Packet{Key: i%s.gop == 0, Data: make([]byte, 5), CaptureTime: t0.Add(time.Duration(i) * time.Second)}
			f := plan.route(s.name, p)
			if f == waitKey {
				t.Fatalf("packet %d of %s dropped", i, s.name)
			}
			if firstOf[f] == nil {
				firstOf[f] = map[string]bool{}
			}
			if !firstOf[f][s.name] && !p.Key {
				t.Fatalf("file %d starts %s with a delta (packet %d)", f, s.name, i)
			}
			firstOf[f][s.name] = true
		}
	}
	if plan.newest < 4 {
		t.Errorf("600 bytes in files of 100 made %d files", plan.newest+1)
	}
}

// A file spans its duration of capture time; a stream that sends no
// keyframe while the next file fills gives up its file, and waits for its
// next keyframe.
func TestSplitPlanByDurationAndAStreamThatStopped(t *testing.T) {
	plan := newSplitPlan(RecordSplit{MaxDuration: 10 * time.Second})
	t0 := time.Unix(0, 0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	var files []int
	for s := range 25 {
		files = append(files, plan.route("/a", &media.Packet{Key: s%5 == 0, CaptureTime: at(s)}))
	}
	// The keyframe at 10 s, the end of file 0's span, begins file 1, and
	// the one at 20 s file 2: each file spans 10 s.
	want := []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2}
	if !slices.Equal(files, want) {
		t.Fatalf("files %v, want %v", files, want)
	}
	// /b sent one keyframe in file 0 and nothing since: once file 1 is
	// spanned (at 20 s), /b gives up file 0, which closes, and /a writes
	// to file 2 from its keyframe at 20 s, to file 3 from 30 s.
	plan2 := newSplitPlan(RecordSplit{MaxDuration: 10 * time.Second})
	plan2.route("/b", &media.Packet{Key: true, CaptureTime: at(0)})
	for s := range 31 {
		plan2.route("/a", &media.Packet{Key: s%5 == 0, CaptureTime: at(s)})
	}
	if plan2.newest != 3 || plan2.oldest() != 3 || plan2.streams["/b"] != waitKey {
		t.Fatalf("oldest %d, newest %d, /b in %d", plan2.oldest(), plan2.newest, plan2.streams["/b"])
	}
	if f := plan2.route("/b", &media.Packet{CaptureTime: at(31)}); f != waitKey {
		t.Errorf("a delta of /b went to file %d", f)
	}
	if f := plan2.route("/b", &media.Packet{Key: true, CaptureTime: at(32)}); f != plan2.newest {
		t.Errorf("the keyframe of /b went to file %d, want %d", f, plan2.newest)
	}
}

// Split files are named as ros2 bag names its own, and a second run goes
// on after the last file of the first.
func TestSplitPathsAndTheNextRun(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "robot.gopline")
	if got := SplitPath(base, 3); got != filepath.Join(dir, "robot_3.gopline") {
		t.Errorf("SplitPath: %s", got)
	}
	if i, err := FirstSplitIndex(base); i != 0 || err != nil {
		t.Errorf("empty directory: %d, %v", i, err)
	}
	for _, name := range []string{"robot_x.gopline", "robot_07.gopline", "other_5.gopline", "robot_9.mcap"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeOnePacket(t, filepath.Join(dir, "robot_0.gopline"))
	writeOnePacket(t, filepath.Join(dir, "robot_1.gopline"))
	if i, err := FirstSplitIndex(base); i != 2 || err != nil {
		t.Errorf("after robot_0 and robot_1: %d, %v", i, err)
	}
	// What a run killed as it began robot_2 leaves holds no packet: the
	// next run writes there instead of numbering on past it.
	cut := filepath.Join(dir, "robot_2.gopline")
	rec, err := storage.Open(cut)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.CreateStream(storage.StreamInfo{Name: "/camera", Codec: media.H264}); err != nil {
		t.Fatal(err)
	}
	rec.Close()
	if i, err := FirstSplitIndex(base); i != 2 || err != nil {
		t.Errorf("after robot_0, robot_1 and robot_2 without packets: %d, %v; want 2", i, err)
	}
	if err := os.WriteFile(cut, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if i, err := FirstSplitIndex(base); i != 2 || err != nil {
		t.Errorf("after robot_0, robot_1 and an empty robot_2: %d, %v; want 2", i, err)
	}
	// Files of a recording not split go on in the last, whatever it holds.
	if set, err := FindFormatChangeFiles(base); set.Last != 2 || err != nil {
		t.Errorf("FindFormatChangeFiles: %+v, %v; want Last 2", set, err)
	}
}

// writeOnePacket writes a recording of one keyframe of /camera at path.
func writeOnePacket(t *testing.T, path string) {
	t.Helper()
	rec, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	if err := rec.CreateStream(storage.StreamInfo{Name: "/camera", Codec: media.JPEG}); err != nil {
		t.Fatal(err)
	}
	p := &media.Packet{Codec: media.JPEG, Width: 16, Height: 16, Key: true, Epoch: 1, CaptureTime: time.Unix(1700000000, 0),
		Data: []byte{0xff, 0xd8, 0, 0xff, 0xd9}}
	if err := rec.Append("/camera", p); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
}

// The numbers of a path's split naming among a directory's names, lowest
// first, whatever else the directory holds.
func TestSplitNumbers(t *testing.T) {
	for _, c := range []struct {
		names []string
		want  []int
	}{
		{nil, nil},
		{[]string{"robot.gopline"}, nil},
		{[]string{"robot_0.gopline"}, []int{0}},
		{[]string{"robot_2.gopline", "robot_0.gopline"}, []int{0, 2}},
		{[]string{"robot_x.gopline", "robot_07.gopline", "other_5.gopline", "robot_9.mcap", "robot_-1.gopline", "robot_.gopline"}, nil},
		{[]string{"robot_10.gopline", "robot_9.gopline"}, []int{9, 10}},
	} {
		if got := splitNumbers("/d/robot.gopline", c.names); !slices.Equal(got, c.want) {
			t.Errorf("%v: %v, want %v", c.names, got, c.want)
		}
	}
}

// A run into a recording that is not split begins in the last file of its
// set, and goes on in those after it at each change of format.
func TestFormatChangeFilesGoOnWhereTheSetEnds(t *testing.T) {
	for _, c := range []struct {
		last int
		want []string
	}{
		{0, []string{"cam.gopline", "cam_1.gopline", "cam_2.gopline"}},
		{1, []string{"cam_1.gopline", "cam_2.gopline", "cam_3.gopline"}},
		{4, []string{"cam_4.gopline", "cam_5.gopline", "cam_6.gopline"}},
	} {
		set := FormatChangeFiles{Path: "cam.gopline", Last: c.last}
		for f, want := range c.want {
			if got := set.File(f); got != want {
				t.Errorf("last %d: file %d is %s, want %s", c.last, f, got, want)
			}
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "cam.gopline")
	for _, c := range []struct {
		create string
		last   int
	}{{"", 0}, {"cam.gopline", 0}, {"cam_1.gopline", 1}, {"cam_3.gopline", 3}} {
		if c.create != "" {
			if err := os.WriteFile(filepath.Join(dir, c.create), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if set, err := FindFormatChangeFiles(path); err != nil || set.Last != c.last || set.Path != path {
			t.Errorf("with %s: %+v, %v; want the last file %d", c.create, set, err, c.last)
		}
	}
}

// A recorder told to split writes files that each open on their own, with
// every stream starting at a keyframe, and that hold, together, every
// packet it took, each once.
func TestRecorderSplitsAtKeyframesAndLosesNothing(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "cam.gopline")
	p := mustParse(t, "testsrc size=160x120 num-frames=200 is-live=false ! h264enc gop=10 ! record path="+base+" stream=/cam max-size-bytes=20kB", nil)
	runToEnd(t, p)
	took := stat(t, p, "record0").In
	var total uint64
	var seqs []uint64
	files := 0
	for i := 0; ; i++ {
		path := SplitPath(base, i)
		if _, err := os.Stat(path); err != nil {
			break
		}
		files++
		got := recorded(t, path, "/cam")
		if len(got) == 0 || !got[0].Key {
			t.Fatalf("%s: %d packets, the first not a keyframe", path, len(got))
		}
		total += uint64(len(got))
		for _, pk := range got {
			seqs = append(seqs, pk.Seq)
		}
	}
	if files < 3 {
		t.Fatalf("%d files of at most 20kB each", files)
	}
	if total != took || took != 200 {
		t.Fatalf("the files hold %d packets; the recorder took %d of 200", total, took)
	}
	for i, s := range seqs {
		if s != uint64(i) {
			t.Fatalf("packet %d across the files has Seq %d: each packet in exactly one file, in order", i, s)
		}
	}
	if _, err := os.Stat(base); err == nil {
		t.Errorf("%s exists: a split recording writes numbered files only", base)
	}
	// Played in order, the files are the stream again: every packet, one
	// epoch, Seq from 0 without a hole.
	var then []string
	for i := 1; i < files; i++ {
		then = append(then, SplitPath(base, i))
	}
	cfg := DefaultPlayConfig()
	cfg.Path, cfg.Then, cfg.Live = SplitPath(base, 0), then, false
	played := playAll(t, cfg)
	if len(played.got) != 200 {
		t.Fatalf("played %d packets of the %d files, want 200", len(played.got), files)
	}
	for i, pk := range played.got {
		if pk.Seq != uint64(i) || pk.Epoch != played.got[0].Epoch {
			t.Fatalf("packet %d played with Seq %d, epoch %x (the first's %x)", i, pk.Seq, pk.Epoch, played.got[0].Epoch)
		}
	}
}

// A keyframe that its file refused for its format (a camera's new picture
// size) begins a new file in a recording that is not split; a stream whose
// format did not change moves there at its next keyframe, as at a split,
// and the first file is then done.
func TestSplitPlanBeginsAFileWhereAStreamsFormatChanged(t *testing.T) {
	plan := newSplitPlan(RecordSplit{})
	at := func(s int) time.Time { return time.Unix(int64(s), 0) }
	for s := range 10 {
		plan.route("/a", &media.Packet{Key: s%5 == 0, CaptureTime: at(s)})
		plan.route("/b", &media.Packet{Key: s%4 == 0, CaptureTime: at(s)})
	}
	if plan.newest != 0 {
		t.Fatalf("a recording that is not split began file %d", plan.newest)
	}
	key := &media.Packet{Key: true, CaptureTime: at(10)}
	if f := plan.route("/a", key); f != 0 {
		t.Fatalf("the keyframe went to file %d before its file refused it", f)
	}
	if f := plan.formatChanged("/a", key); f != 1 {
		t.Fatalf("after the change the keyframe goes to file %d, want 1", f)
	}
	if f := plan.route("/a", &media.Packet{CaptureTime: at(11)}); f != 1 {
		t.Errorf("the delta after it went to file %d, want 1", f)
	}
	if f := plan.route("/b", &media.Packet{CaptureTime: at(11)}); f != 0 || plan.oldest() != 0 {
		t.Errorf("/b's delta went to file %d, oldest file %d; want 0 until its keyframe", f, plan.oldest())
	}
	if f := plan.route("/b", &media.Packet{Key: true, CaptureTime: at(12)}); f != 1 || plan.oldest() != 1 {
		t.Errorf("/b's keyframe went to file %d, oldest file %d; want 1", f, plan.oldest())
	}
}

// In a split recording, a change of format at the keyframe that had just
// filled the newest file goes to the file that the keyframe began, not to
// one more.
func TestSplitPlanFormatChangeAtAFullFileBeginsOneFile(t *testing.T) {
	plan := newSplitPlan(RecordSplit{MaxBytes: 10})
	key := func(s int) *media.Packet {
		return &media.Packet{Key: true, Data: make([]byte, 6), CaptureTime: time.Unix(int64(s), 0)}
	}
	plan.route("/a", key(0))
	p := key(1)
	if f := plan.route("/a", p); f != 0 || plan.newest != 1 {
		t.Fatalf("the keyframe that filled file 0 went to %d, newest %d", f, plan.newest)
	}
	if f := plan.formatChanged("/a", p); f != 1 || plan.newest != 1 {
		t.Fatalf("after the change it goes to file %d, newest %d; want 1 and 1", f, plan.newest)
	}
	if plan.oldest() != 1 {
		t.Errorf("oldest file %d, want 1: file 0 is done", plan.oldest())
	}
}
