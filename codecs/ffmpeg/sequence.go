package ffmpeg

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// numberedName finds the number of a numbered picture sequence's name, as
// FFmpeg's image2 demuxer (and GStreamer's multifilesrc) takes it:
// frame_%06d.png, img%d.jpg.
var numberedName = regexp.MustCompile(`%(0?)([1-9][0-9]*)?d`)

// sequenceStarts is how many numbers from its start FFmpeg's image2
// demuxer tries for a sequence's first picture (its start_number_range).
const sequenceStarts = 5

// sequenceHint says what to write instead when FFmpeg found no file for a
// local location (ENOENT) that names a sequence of pictures (a robot
// dataset's frames, an export's PNGs): a glob without pattern_type=glob,
// as a shell user writes it; a numbered pattern whose number is not as
// wide as the files', or whose files start past the numbers FFmpeg tries
// (img_100.png without start_number=100). It returns "" when the location
// is none of these or its directory cannot be read.
func sequenceHint(location string, options map[string]string) string {
	if strings.Contains(location, "://") {
		return ""
	}
	if options["pattern_type"] == "" && strings.ContainsAny(filepath.Base(location), "*?[") {
		return "a * or ? in a location is a pattern only with options=pattern_type=glob, as ffmpeg's -pattern_type glob; " +
			"or name the pictures by number, frame_%06d.png"
	}
	dir, base := filepath.Split(location)
	at := numberedName.FindStringSubmatchIndex(base)
	if at == nil || options["pattern_type"] == "glob" {
		return ""
	}
	prefix, suffix := base[:at[0]], base[at[1]:]
	width := 0 // %d: the number as it is, unpadded
	if at[4] >= 0 {
		width, _ = strconv.Atoi(base[at[4]:at[5]])
	}
	entries, err := os.ReadDir(filepath.Clean(dir + "."))
	if err != nil {
		return ""
	}
	files := regexp.MustCompile("^" + regexp.QuoteMeta(prefix) + "([0-9]+)" + regexp.QuoteMeta(suffix) + "$")
	first, firstName, widths, padded := -1, "", map[int]bool{}, false
	for _, e := range entries {
		m := files.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		n, err := strconv.Atoi(m[1])
		if err != nil {
			continue
		}
		widths[len(m[1])] = true
		padded = padded || (len(m[1]) > 1 && m[1][0] == '0') // leading zeros: a fixed width
		if first < 0 || n < first {
			first, firstName = n, e.Name()
		}
	}
	shown := filepath.Clean(dir + ".")
	if first < 0 {
		return fmt.Sprintf("no file in %s is named %s<number>%s", shown, prefix, suffix)
	}
	var fixes []string
	switch {
	case padded && len(widths) == 1:
		for w := range widths {
			if width != w {
				fixes = append(fixes, fmt.Sprintf("location=%s%s%%0%dd%s", dir, prefix, w, suffix))
			}
		}
	case !padded && width > len(strconv.Itoa(first)):
		fixes = append(fixes, fmt.Sprintf("location=%s%s%%d%s", dir, prefix, suffix))
	}
	start, _ := strconv.Atoi(options["start_number"])
	if first < start || first >= start+sequenceStarts {
		fixes = append(fixes, fmt.Sprintf("options=start_number=%d", first))
	}
	if len(fixes) == 0 {
		return ""
	}
	return fmt.Sprintf("the sequence in %s begins at %s: write %s", shown, firstName, strings.Join(fixes, " "))
}
