package mcapimport_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopline/gopline/storage/mcapimport"
)

// zipOf writes a zip archive at path of files (their names in it, their
// contents), deflated (stored, with method zip.Store), in the order given.
func zipOf(t *testing.T, path string, files [][2]string, method ...uint16) {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, f := range files {
		h := &zip.FileHeader{Name: f[0], Method: zip.Deflate}
		if len(method) > 0 {
			h.Method = method[0]
		}
		fw, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write([]byte(f[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A rosbag2 directory zipped to be shared imports as the directory does,
// in its metadata.yaml's order; so does a ROS 1 bag zipped alone. Only the
// bag's files are taken out, into a hidden directory beside the
// recording that is gone when the import ends.
func TestImportsAZippedBag(t *testing.T) {
	dir := t.TempDir()
	rosbag2 := filepath.Join(dir, "rosbag2_split.zip")
	zipOf(t, rosbag2, [][2]string{
		{"rosbag2_split/README.txt", "notes"},
		{"rosbag2_split/rosbag2_split_1.mcap", readTestdata(t, "rosbag2_split/rosbag2_split_1.mcap")},
		{"rosbag2_split/metadata.yaml", readTestdata(t, "rosbag2_split/metadata.yaml")},
		{"rosbag2_split/rosbag2_split_0.mcap", readTestdata(t, "rosbag2_split/rosbag2_split_0.mcap")},
	})
	_, plain := importBag(t, "testdata/rosbag2_split", mcapimport.Options{})
	out := filepath.Join(t.TempDir(), "zipped.gopline")
	zipped, err := mcapimport.ImportFile(t.Context(), rosbag2, out, mcapimport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range plain.Topics {
		if got := topicOf(t, zipped, tp.Topic); got.Packets != tp.Packets || got.Messages != tp.Messages || got.Retimed != tp.Retimed {
			t.Errorf("%s of the zipped bag: %+v, want %+v", tp.Topic, got, tp)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*")); len(left) != 0 {
		t.Errorf("left beside the recording: %v", left)
	}
	// Zipped by a Windows tool, which writes its paths with backslashes,
	// and without its second file: its metadata.yaml is still read, and
	// names the file missing.
	windows := filepath.Join(dir, "windows.zip")
	zipOf(t, windows, [][2]string{
		{`rosbag2_split\metadata.yaml`, readTestdata(t, "rosbag2_split/metadata.yaml")},
		{`rosbag2_split\rosbag2_split_0.mcap`, readTestdata(t, "rosbag2_split/rosbag2_split_0.mcap")},
	})
	if _, res := importBag(t, windows, mcapimport.Options{}); len(res.Missing) != 1 || res.Missing[0] != "rosbag2_split_1.mcap" {
		t.Errorf("a bag zipped on Windows, in part: missing %v", res.Missing)
	}

	// Interrupted (Ctrl-C): nothing is left beside the recording.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	out = filepath.Join(t.TempDir(), "interrupted.gopline")
	if _, err := mcapimport.ImportFile(ctx, rosbag2, out, mcapimport.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), "*")); len(left) != 0 {
		t.Errorf("left after an interruption: %v", left)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*")); len(left) != 0 {
		t.Errorf("left after an interruption: %v", left)
	}

	ros1 := filepath.Join(dir, "noetic.zip")
	zipOf(t, ros1, [][2]string{{"noetic.bag", readTestdata(t, "ros1/noetic.bag")}})
	out, _ = importBag(t, ros1, mcapimport.Options{})
	for topic, w := range expectedBags(t, "testdata/ros1/bags.json") {
		checkTopic(t, out, topic, w)
	}
}

// A zip whose entry is damaged imports what came out of it before the
// damage, and says so (a stored entry is written whole, and fails its
// checksum; a deflated one ends at its damage, here before any of it came
// out, and the refusal says why); a zip with no bag in it, one of several
// bags, and one whose entry would land outside it are refused, saying
// which.
func TestImportOfAZipThatIsNotOneGoodBag(t *testing.T) {
	dir := t.TempDir()
	bag := readTestdata(t, "ros1/noetic.bag")
	for _, method := range []uint16{zip.Store, zip.Deflate} {
		damaged := filepath.Join(dir, "damaged.zip")
		zipOf(t, damaged, [][2]string{{"noetic.bag", bag}}, method)
		b, err := os.ReadFile(damaged)
		if err != nil {
			t.Fatal(err)
		}
		local := 30 + len("noetic.bag") // the entry's bytes begin after its local header
		for i := local + (len(b)-local)*3/4; i < local+(len(b)-local)*3/4+16; i++ {
			b[i] ^= 0x55
		}
		if err := os.WriteFile(damaged, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "d.gopline")
		res, err := mcapimport.ImportFile(t.Context(), damaged, out, mcapimport.Options{})
		if method == zip.Store {
			if err != nil || len(res.Stopped) == 0 || !strings.Contains(res.Stopped[0], "noetic.bag in damaged.zip is damaged past byte") {
				t.Errorf("stored, damaged: %v, %+v", err, res)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), damaged+"/noetic.bag") || !strings.Contains(err.Error(), "noetic.bag in damaged.zip is damaged past byte") {
			t.Errorf("deflated, damaged: %v", err)
		}
	}

	for _, c := range []struct {
		name  string
		files [][2]string
		want  string
	}{
		{"notes.zip", [][2]string{{"notes.txt", "hello"}}, "a zip archive that holds no bag"},
		{"two.zip", [][2]string{{"a/metadata.yaml", "x"}, {"a/a_0.mcap", "x"}, {"b/metadata.yaml", "x"}, {"b/b_0.mcap", "x"}},
			"a zip archive of several bags (in 2 directories): unzip it, and import each"},
		{"evil.zip", [][2]string{{"../evil.mcap", "x"}}, `its entry "../evil.mcap" lies outside the archive`},
	} {
		path := filepath.Join(dir, c.name)
		zipOf(t, path, c.files)
		out := filepath.Join(t.TempDir(), "x.gopline")
		_, err := mcapimport.ImportFile(t.Context(), path, out, mcapimport.Options{})
		if !errors.Is(err, mcapimport.ErrNotMCAP) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), "*")); len(left) != 0 {
			t.Errorf("%s: left %v", c.name, left)
		}
		if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*")); len(left) != 0 {
			t.Errorf("%s: left %v", c.name, left)
		}
	}
}
