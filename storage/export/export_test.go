package export_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopline/gopline/storage"
	"github.com/gopline/gopline/storage/export"
)

func TestBadRequestsFailClearlyAndWriteNothing(t *testing.T) {
	recPath := makeRecording(t, 0) // the first keyframe is damaged
	rec := openRecording(t, recPath)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	mp4 := func(stream string, from, to time.Time) error {
		_, err := export.MP4(t.Context(), rec, stream, from, to, out, nil)
		return err
	}
	mcap := func(stream string, from, to time.Time) error {
		_, err := export.MCAP(t.Context(), rec, stream, from, to, out, nil)
		return err
	}
	png := func(stream string, times ...time.Time) error {
		paths, err := export.PNG(t.Context(), rec, stream, times, dir)
		if len(paths) > 0 {
			return fmt.Errorf("wrote %v, then %w", paths, err)
		}
		return err
	}
	for _, c := range []struct {
		name string
		err  error
		want error
		says []string
	}{
		{"unknown stream", mp4("/nope", time.Time{}, time.Time{}), storage.ErrNoStream, []string{recPath, `"/nope"`, camera, jpegStream}},
		{"range ends before it starts", mcap(camera, frameTime(50), frameTime(40)), export.ErrEmptyRange, []string{recPath, camera}},
		{"range after the stream", mcap(camera, frameTime(100), time.Time{}), export.ErrEmptyRange, []string{recPath, camera}},
		{"range before the stream", mp4(camera, time.Time{}, t0.Add(-time.Second)), export.ErrEmptyRange, []string{recPath, camera}},
		{"range that does not decode", mcap(camera, time.Time{}, frameTime(30)), export.ErrEmptyRange, []string{recPath, camera, "decodes"}},
		{"PNG before the stream", png(camera, frameTime(40), t0.Add(-time.Millisecond)), export.ErrOutOfRange, []string{recPath, camera, "-1ms"}},
		{"PNG after the stream", png(jpegStream, frameTime(30)), export.ErrOutOfRange, []string{recPath, jpegStream, "1s from the start"}},
		{"PNG of an unknown stream", png("/nope", t0), storage.ErrNoStream, []string{`"/nope"`}},
		{"PNG of damage", png(camera, t0), export.ErrNoPicture, []string{recPath, camera}},
		{"no directory for the file", func() error {
			_, err := export.MCAP(t.Context(), rec, jpegStream, time.Time{}, time.Time{}, filepath.Join(dir, "no", "such.mcap"), nil)
			return err
		}(), os.ErrNotExist, []string{"such.mcap"}},
	} {
		t.Logf("%s: %v", c.name, c.err)
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
			continue
		}
		for _, s := range c.says {
			if !strings.Contains(c.err.Error(), s) {
				t.Errorf("%s: %q does not say %q", c.name, c.err, s)
			}
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("failed exports left %v", entries)
	}
}

func TestAFailedExportKeepsTheFileThatWasThere(t *testing.T) {
	rec := openRecording(t, makeRecording(t, 0))
	dir := t.TempDir()
	for _, name := range []string{"a.mp4", "a.mcap"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("earlier export"), 0o644); err != nil {
			t.Fatal(err)
		}
		var err error
		if name == "a.mp4" {
			_, err = export.MP4(t.Context(), rec, camera, time.Time{}, frameTime(30), path, nil)
		} else {
			_, err = export.MCAP(t.Context(), rec, camera, time.Time{}, frameTime(30), path, nil)
		}
		if !errors.Is(err, export.ErrEmptyRange) {
			t.Errorf("%s: %v", name, err)
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != "earlier export" {
			t.Errorf("%s now holds %q, %v", name, b, err)
		}
	}
	noTempFiles(t, dir)
}

// TestAnInterruptedExportLeavesNoPartialFile ends the export's context
// halfway (as Ctrl-C does): the earlier file stays and no PATH.tmp is left.
func TestAnInterruptedExportLeavesNoPartialFile(t *testing.T) {
	rec := openRecording(t, makeRecording(t))
	dir := t.TempDir()
	for _, name := range []string{"a.mp4", "a.mcap"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("earlier export"), 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		progress := func(phase export.Phase, done, total int) {
			if phase == export.Writing && done == 20 {
				if tmps, _ := filepath.Glob(path + ".*.tmp"); len(tmps) != 1 {
					t.Errorf("%s: files being written halfway: %v, want one", name, tmps)
				}
				cancel()
			}
		}
		var err error
		if name == "a.mp4" {
			_, err = export.MP4(ctx, rec, camera, time.Time{}, time.Time{}, path, progress)
		} else {
			_, err = export.MCAP(ctx, rec, camera, time.Time{}, time.Time{}, path, progress)
		}
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v, want the export canceled", name, err)
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != "earlier export" {
			t.Errorf("%s now holds %q, %v", name, b, err)
		}
	}
	noTempFiles(t, dir)
}

func TestProgressCountsEveryRecord(t *testing.T) {
	rec := openRecording(t, makeRecording(t, 40))
	var done, total []int
	_, err := export.MCAP(t.Context(), rec, camera, frameTime(31), time.Time{}, filepath.Join(t.TempDir(), "p.mcap"), func(phase export.Phase, d, n int) {
		if phase != export.Writing {
			t.Errorf("an MCAP export reports %v", phase)
		}
		done, total = append(done, d), append(total, n)
	})
	if err != nil {
		t.Fatal(err)
	}
	// From the keyframe at 30 to the end: 60 records, one of them damaged.
	for i := range done {
		if done[i] > total[i] || i > 0 && (done[i] < done[i-1]) {
			t.Fatalf("progress %d/%d after %d/%d", done[i], total[i], done[i-1], total[i-1])
		}
	}
	if last := len(done) - 1; done[last] != 60 || total[last] != 60 {
		t.Errorf("last progress %d/%d, want 60/60", done[last], total[last])
	}
	if total[0] < 50 || total[0] > 90 {
		t.Errorf("first estimate %d packets, want about 60", total[0])
	}
}

// An export writes through a temporary file of its own: a PATH.tmp that
// was there (the user's) is left as it was, whether the export succeeds
// or fails, and the finished file has the mode os.Create gives, as a file
// renamed from os.CreateTemp's would not.
func TestAnExportLeavesTheUsersTmpFileAlone(t *testing.T) {
	rec := openRecording(t, makeRecording(t, 0))
	dir := t.TempDir()
	ref, err := os.Create(filepath.Join(dir, "reference"))
	if err != nil {
		t.Fatal(err)
	}
	ref.Close()
	refInfo, err := os.Stat(ref.Name())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.mp4", "a.mcap", "a.png"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path+".tmp", []byte("mine"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, to := range []time.Time{frameTime(30), {}} { // an empty range fails, then a whole one
			switch name {
			case "a.mp4":
				_, err = export.MP4(t.Context(), rec, camera, time.Time{}, to, path, nil)
			case "a.mcap":
				_, err = export.MCAP(t.Context(), rec, camera, time.Time{}, to, path, nil)
			default:
				at := frameTime(45)
				if !to.IsZero() {
					at = frameTime(-10) // before the stream: fails
				}
				err = export.PNGFile(t.Context(), rec, camera, at, path)
			}
			if failing := !to.IsZero(); failing == (err == nil) {
				t.Errorf("%s, to %v: %v", name, to, err)
			}
			if b, err := os.ReadFile(path + ".tmp"); err != nil || string(b) != "mine" {
				t.Errorf("%s: the user's %s.tmp now holds %q, %v", name, name, b, err)
			}
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode() != refInfo.Mode() {
			t.Errorf("%s: %v, %v; want the mode %v of os.Create", name, fi, err, refInfo.Mode())
		}
		if tmps, _ := filepath.Glob(path + ".*.tmp"); len(tmps) != 0 {
			t.Errorf("%s: left %v", name, tmps)
		}
	}
}
