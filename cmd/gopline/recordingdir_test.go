package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Files group by directory, stem and extension: STEM.EXT and STEM_N.EXT
// are one recording, in the order of their numbers, STEM.EXT first.
func TestGroupRecordingsGroupsOneStemInNumberOrder(t *testing.T) {
	for _, c := range []struct {
		name  string
		files []string
		want  []recordingGroup
	}{
		{"one file", []string{"d/a.gopline"}, []recordingGroup{{"d/a.gopline", []string{"d/a.gopline"}}}},
		{"unrelated recordings", []string{"d/b.gopline", "d/a.gopline", "d/mj.gopline"}, []recordingGroup{
			{"d/a.gopline", []string{"d/a.gopline"}}, {"d/b.gopline", []string{"d/b.gopline"}}, {"d/mj.gopline", []string{"d/mj.gopline"}}}},
		{"a size change", []string{"d/cam_1.gopline", "d/cam.gopline"}, []recordingGroup{
			{"d/cam.gopline", []string{"d/cam.gopline", "d/cam_1.gopline"}}}},
		{"split, numbers past 9", []string{"d/robot_10.gopline", "d/robot_2.gopline", "d/robot_0.gopline"}, []recordingGroup{
			{"d/robot.gopline", []string{"d/robot_0.gopline", "d/robot_2.gopline", "d/robot_10.gopline"}}}},
		{"two sets and extensions", []string{"d/x_1.db", "d/x_0.gopline", "d/x_0.db", "d/y_0.gopline"}, []recordingGroup{
			{"d/x.db", []string{"d/x_0.db", "d/x_1.db"}}, {"d/x.gopline", []string{"d/x_0.gopline"}},
			{"d/y.gopline", []string{"d/y_0.gopline"}}}},
		{"other directories", []string{"e/a.gopline", "d/a_1.gopline"}, []recordingGroup{
			{"d/a.gopline", []string{"d/a_1.gopline"}}, {"e/a.gopline", []string{"e/a.gopline"}}}},
		{"not a number", []string{"d/cam_front.gopline", "d/cam_rear.gopline"}, []recordingGroup{
			{"d/cam_front.gopline", []string{"d/cam_front.gopline"}}, {"d/cam_rear.gopline", []string{"d/cam_rear.gopline"}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := groupRecordings(c.files); !reflect.DeepEqual(got, c.want) {
				t.Errorf("groupRecordings(%q) = %+v, want %+v", c.files, got, c.want)
			}
		})
	}
}

// A directory of several recordings and an empty file: info describes
// each recording on its own, warns of the empty file by name, and says of
// files of one set that overlap; play and export refuse it naming the
// recordings; a directory of one recording plays and exports as it.
func TestADirectoryMeansEachRecordingInIt(t *testing.T) {
	dir := t.TempDir()
	writeKeyframes(t, filepath.Join(dir, "b.gopline"), setEpoch, 10)
	writeKeyframes(t, filepath.Join(dir, "a.gopline"), setEpoch.Add(time.Minute), 10)
	writeKeyframes(t, filepath.Join(dir, "mj.gopline"), setEpoch.Add(2*time.Minute), 10)
	writeKeyframes(t, filepath.Join(dir, "cam.gopline"), setEpoch, 20)
	writeKeyframes(t, filepath.Join(dir, "cam_1.gopline"), setEpoch.Add(time.Second), 20) // begins before cam's last
	empty := filepath.Join(dir, "zero.gopline")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd("info", dir)
	if code != 0 || !strings.Contains(stdout, "Recordings: 4 (") || strings.Count(stdout, "\nRecording: ") != 4 ||
		!strings.Contains(stderr, "warning: ") || !strings.Contains(stderr, empty) {
		t.Errorf("info %s: exit %d, want 4 recordings described and %s warned of:\n%s%s", dir, code, empty, stdout, stderr)
	}
	if !strings.Contains(stdout, "Overlap:   /cam in "+filepath.Join(dir, "cam_1.gopline")) || strings.Count(stdout, "Overlap:") != 1 {
		t.Errorf("info %s: want one overlap, of cam_1:\n%s", dir, stdout)
	}
	code, stdout, _ = runCmd("info", "--json", dir)
	var sets []setSummary
	if err := json.Unmarshal([]byte(stdout), &sets); code != 0 || err != nil || len(sets) != 4 || sets[0].Recording != filepath.Join(dir, "a.gopline") ||
		sets[0].Packets != 10 || len(sets[2].Files) != 2 || sets[2].Packets != 40 {
		t.Errorf("info --json %s: exit %d, %v: %s", dir, code, err, stdout)
	}
	for _, args := range [][]string{{"play", dir}, {"export", dir, "--out", filepath.Join(t.TempDir(), "x.mcap")}} {
		code, _, stderr := runCmd(args...)
		if code == 0 || !strings.Contains(stderr, "holds 5 recordings") || !strings.Contains(stderr, "mj.gopline") {
			t.Errorf("%q: exit %d, %q; want a refusal naming the recordings", args, code, stderr)
		}
	}
	one := t.TempDir()
	writeKeyframes(t, filepath.Join(one, "cam.gopline"), setEpoch, 10)
	out := filepath.Join(t.TempDir(), "x.mcap")
	if code, stdout, stderr := runCmd("export", one, "--out", out); code != 0 {
		t.Errorf("export of a directory of one recording: exit %d: %s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := runCmd("play", one, "--rate", "100"); code != 0 || !strings.Contains(stdout+stderr, "published 10 packets") {
		t.Errorf("play of a directory of one recording: exit %d: %s%s", code, stdout, stderr)
	}
}

// A recording whose camera changed its picture size goes on in CAM_1.gopline:
// info, export and play of CAM.gopline alone say so, naming the later file
// and the command that takes the whole recording; given every file, or a
// later one, they say nothing of it.
func TestALaterFileOfTheRecordingLeftOutIsNamed(t *testing.T) {
	first := exportRecording(t)
	data, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	later := strings.TrimSuffix(first, ".gopline") + "_1.gopline"
	if err := os.WriteFile(later, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "cam.mp4")
	note := "note: the recording goes on in " + later + ", which gopline %s leaves out: give all its files to take it whole (gopline %s " +
		first + " " + later + " ...)"
	for _, c := range []struct {
		args []string
		note bool
	}{
		{[]string{"info", first}, true},
		{[]string{"export", first, "--stream", "/camera", "--out", out, "-y"}, true},
		{[]string{"play", first, "--rate", "50"}, true},
		{[]string{"info", first, later}, false},
		{[]string{"info", later}, false},
		{[]string{"info", filepath.Dir(first)}, false},
	} {
		code, _, stderr := runCmd(c.args...)
		want := fmt.Sprintf(note, c.args[0], c.args[0])
		if code != 0 || strings.Contains(stderr, want) != c.note || strings.Contains(stderr, "note: the recording goes on") != c.note {
			t.Errorf("gopline %v: exit %d, stderr:\n%s\nwant exit 0 and the note %q: %v", c.args, code, stderr, want, c.note)
		}
	}
}
