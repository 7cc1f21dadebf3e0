package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// An unknown flag gets "did you mean" for a near miss of the command's own
// flags, and the flag of ros2 bag, ffmpeg or gst-launch meant gets what
// gopline takes instead; the flag is echoed as typed, and the exit code
// stays 2.
func TestUnknownFlagsSayWhatWasMeant(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		// Near misses of the command's own flags.
		{[]string{"play", "rec.gopline", "--rat", "2"}, "gopline play: usage: unknown flag: --rat (did you mean --rate?) (see gopline play --help)\n"},
		{[]string{"play", "--loops", "rec.gopline"}, "unknown flag: --loops (did you mean --loop?)"},
		{[]string{"run", "--duraton", "5s", "testsrc ! fakesink"}, "unknown flag: --duraton (did you mean --duration?)"},
		{[]string{"run", "-duraton", "5s", "testsrc ! fakesink"}, "unknown flag: -duraton (did you mean --duration?)"},
		{[]string{"run", "--DURATION", "5s", "testsrc ! fakesink"}, "unknown flag: --DURATION (did you mean --duration?)"},
		{[]string{"export", "rec.gopline", "--output", "x.mp4"}, "unknown flag: --output (did you mean --out?)"},
		{[]string{"info", "--jsn", "rec.gopline"}, "unknown flag: --jsn (did you mean --json?)"},
		{[]string{"topics", "--remot", "127.0.0.1:7400"}, "unknown flag: --remot (did you mean --remote?)"},
		// ros2 bag play.
		{[]string{"play", "rec.gopline", "--playback-until-sec", "3"}, "unknown flag: --playback-until-sec; ros2 bag play's --playback-until-sec is --end"},
		{[]string{"play", "rec.gopline", "--playback-duration", "3"}, "ros2 bag play's --playback-duration is --end as a duration from the recording's start"},
		{[]string{"play", "rec.gopline", "--remap", "/camera:=/front"}, "unknown flag: --remap; ros2 bag play's --remap: gopline play publishes each stream on the topic of its name; " +
			"a pipeline plays one on another topic: gopline run 'play path=FILE stream=/camera ! publish topic=/other'"},
		{[]string{"play", "rec.gopline", "-m", "/camera:=/front"}, "unknown shorthand flag: 'm' in -m; ros2 bag play's -m (its topic remapping): gopline play publishes"},
		// export's.
		{[]string{"play", "rec.gopline", "--at", "2s"}, "gopline play: usage: unknown flag: --at; --at is gopline export's, for a picture at that time; play starts at a time with --start"},
		{[]string{"play", "rec.gopline", "--clock"}, "unknown flag: --clock; gopline publishes no /clock: --keep-time publishes each packet with its recorded capture time"},
		// ros2 bag record.
		{[]string{"record", "/camera/", "-o", "x.gopline"}, "/camera/: a topic to record is given with --topic (--topic /camera/), as ros2 bag record's --topics"},
		{[]string{"record", "-a", "--compression-mode", "file"}, "gopline has no compression"},
		{[]string{"record", "-a", "-s", "mcap"}, "unknown shorthand flag: 's' in -s; gopline has one storage: bbolt files (.gopline)"},
		{[]string{"record", "--topics-regex", "cam", "-o", "x.gopline"}, "unknown flag: --topics-regex; the regular expression of topic names is -e, --regex"},
		{[]string{"record", "--topic-regex", "cam", "-o", "x.gopline"}, "unknown flag: --topic-regex; the regular expression of topic names is -e, --regex"},
		{[]string{"record", "-a", "--exclude-topics", "/a", "-o", "x.gopline"}, "-x, --exclude takes a regular expression, not names"},
		{[]string{"record", "-a", "--exclude-regex", "/a", "-o", "x.gopline"}, "ros2 bag record's --exclude-regex is -x, --exclude"},
		{[]string{"play", "rec.gopline", "--topic", "/a"}, "unknown flag: --topic; a recording's topics are its streams: --stream"},
		// ros2 topic, under both names.
		{[]string{"topics", "-t"}, "gopline topics always shows each topic's codec and picture size"},
		{[]string{"topic", "list", "-t"}, "gopline topics always shows each topic's codec and picture size"},
		{[]string{"topic", "list", "--show-types"}, "gopline topics always shows each topic's codec and picture size"},
		{[]string{"topic", "hz", "/camera", "--qos-profile", "sensor_data"}, "gopline topic subscribes with the QoS the topic offers"},
		{[]string{"topic", "echo", "/camera", "--qos-reliability", "best_effort"}, "gopline topic subscribes with the QoS the topic offers"},
		// ffmpeg, echoed as typed: pflag would say --ss and --c:v.
		{[]string{"run", "-i", "clip.mp4"}, "ffmpeg's -i is an element of the pipeline: videosrc location=FILE"},
		{[]string{"run", "-t", "10", "testsrc ! fakesink"}, "ffmpeg's -t is --duration"},
		{[]string{"run", "-ss", "10", "testsrc ! fakesink"}, "gopline run: usage: unknown flag: -ss; gopline has no -ss"},
		{[]string{"run", "--ss", "10", "testsrc ! fakesink"}, "gopline run: usage: unknown flag: --ss; gopline has no -ss"},
		{[]string{"run", "-r", "30", "testsrc ! fakesink"}, "ffmpeg's -r is a property in the pipeline: testsrc rate=30"},
		{[]string{"run", "-s", "640x480", "testsrc ! fakesink"}, "ffmpeg's -s is a property in the pipeline: videosrc size=640x480"},
		{[]string{"run", "-c:v", "copy", "videosrc location=a.mp4 ! fakesink"}, "unknown flag: -c:v; ffmpeg's -c:v copy is videosrc passthrough=true"},
		{[]string{"play", "rec.gopline", "-ss", "10"}, "unknown flag: -ss; ffmpeg's -ss is --start"},
		{[]string{"export", "rec.gopline", "-ss", "10", "--out", "x.mp4"}, "unknown flag: -ss; ffmpeg's -ss is --start (or --at for a picture at that time)"},
		{[]string{"export", "rec.gopline", "-t", "10", "--out", "x.mp4"}, "ffmpeg's -t is a length; gopline export takes --end"},
		{[]string{"export", "rec.gopline", "--topic", "/a", "--out", "x.mp4"}, "unknown flag: --topic; a recording's topics are its streams: --stream"},
		{[]string{"export", "-i", "rec.gopline", "--out", "x.mp4"}, "the recording is export's argument: gopline export FILE --out OUT"},
		{[]string{"export", "rec.gopline", "-c:v", "copy", "--out", "x.mp4"}, "gopline export copies the recorded H.264 as it is"},
	} {
		code, stdout, stderr := runCmd(c.args...)
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("gopline %q: exit %d, stderr %q; want exit %d and %q on one line", c.args, code, stderr, exitUsage, c.want)
		}
	}
}

// A flag of one command is not translated on another, and a flag too far
// from any gets no guess.
func TestUnknownFlagHintsBelongToTheirCommand(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"info", "-r", "rec.gopline"}, "gopline info: usage: unknown shorthand flag: 'r' in -r (see gopline info --help)\n"},
		// topic info is not info, the recording's.
		{[]string{"topic", "info", "/c", "-s"}, "gopline topic info: usage: unknown shorthand flag: 's' in -s (see gopline topic info --help)\n"},
		{[]string{"topic", "info", "/c", "--storage"}, "gopline topic info: usage: unknown flag: --storage (see gopline topic info --help)\n"},
		{[]string{"run", "--topics", "/a", "testsrc ! fakesink"}, "gopline run: usage: unknown flag: --topics (see gopline run --help)\n"},
		{[]string{"run", "--zz", "testsrc ! fakesink"}, "gopline run: usage: unknown flag: --zz (see gopline run --help)\n"},
		{[]string{"play", "--frobnicate", "rec.gopline"}, "gopline play: usage: unknown flag: --frobnicate (see gopline play --help)\n"},
		// Two of a short name's letters changed mean another word.
		{[]string{"run", "--foo", "testsrc ! fakesink"}, "gopline run: usage: unknown flag: --foo (see gopline run --help)\n"},
		{[]string{"run", "--tls", "testsrc ! fakesink"}, "gopline run: usage: unknown flag: --tls (see gopline run --help)\n"},
	} {
		if code, _, stderr := runCmd(c.args...); code != exitUsage || stderr != c.want {
			t.Errorf("gopline %q: exit %d, %q; want %q", c.args, code, stderr, c.want)
		}
	}
}

// Every translation names a flag the command does not have (or it would
// never be shown), and every flag it names as gopline's is the command's.
func TestForeignFlagsNameRealFlags(t *testing.T) {
	root := rootCommand(nil, nil)
	for command, flags := range foreignFlags {
		cmd, _, err := root.Find(strings.Fields(command))
		if err != nil || commandKey(cmd) != command {
			t.Errorf("no command %s", command)
			continue
		}
		for name, hint := range flags {
			if cmd.Flags().Lookup(name) != nil || len(name) == 1 && cmd.Flags().ShorthandLookup(name) != nil {
				t.Errorf("%s has -%s, which foreignFlags translates", command, name)
			}
			for _, word := range strings.Fields(hint) {
				flag, ok := strings.CutPrefix(strings.Trim(word, ",;:()"), "--")
				if ok && flag != name && cmd.Flags().Lookup(flag) == nil && !strings.Contains(hint, "gopline play --"+flag) {
					t.Errorf("%s's hint for -%s names --%s, which it does not have: %s", command, name, flag, hint)
				}
			}
		}
	}
}

// ros2 bag's commands are gopline's own: gopline bag record says which to
// run.
func TestBagCommandsNameGoplines(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bag", "record", "-a", "-x", "^/debug/", "-o", "robot.gopline"},
			"gopline bag: usage: gopline has no bag command; run: gopline record -a -x '^/debug/' -o robot.gopline (ros2 bag's record, play and info are gopline's own commands"},
		{[]string{"bag", "info", "it's.gopline"}, `run: gopline info 'it'\''s.gopline' (`},
		{[]string{"bag", "convert", "-i", "x"}, "gopline bag: usage: gopline has no bag command: ros2 bag's record, play and info are gopline's own commands"},
		{[]string{"bag"}, "gopline has no bag command: ros2 bag's"},
	} {
		if code, _, stderr := runCmd(c.args...); code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("gopline %q: exit %d, %q; want %q", c.args, code, stderr, c.want)
		}
	}
}

// ros2 topic list is gopline topic list, which is gopline topics: the
// same flags, the same answers (checked here where they start no node).
func TestTopicListIsTopics(t *testing.T) {
	root := rootCommand(nil, nil)
	list, _, err := root.Find([]string{"topic", "list"})
	if err != nil || list.Name() != "list" {
		t.Fatalf("no topic list: %v", err)
	}
	topics, _, _ := root.Find([]string{"topics"})
	if got, want := flagNames(list), flagNames(topics); !slices.Equal(got, want) {
		t.Errorf("topic list takes %v, topics %v", got, want)
	}
	for _, args := range [][]string{{"--timeout", "-1s", "--remote", "127.0.0.1:7400"}, {"extra"}} {
		_, _, want := runCmd(append([]string{"topics"}, args...)...)
		code, _, stderr := runCmd(append([]string{"topic", "list"}, args...)...)
		if code != exitUsage || strings.ReplaceAll(stderr, "gopline topic list", "gopline topics") != want {
			t.Errorf("topic list %v: exit %d, %q; want what topics says, %q", args, code, stderr, want)
		}
	}
}

// A gst-launch line pasted whole is refused with its caret under the
// command; a shell-escaped space in a value is a space, as gst-launch
// reads it.
func TestGstLaunchLinesPasted(t *testing.T) {
	code, _, stderr := runCmd("run", "gst-launch-1.0 -e testsrc num-frames=30 ! fakesink")
	if code != exitUsage || !strings.Contains(stderr, "^~~~~~~~~~~~~~~~~\n") ||
		!strings.Contains(stderr, `usage: "gst-launch-1.0 -e" is the gst-launch command, not part of a pipeline: give the pipeline alone`) {
		t.Errorf("exit %d, %q", code, stderr)
	}
	code, _, stderr = runCmd("run", `videosrc location=/no/such/my\ clip.mp4 ! fakesink`)
	if code != exitFailure || !strings.Contains(stderr, `"/no/such/my clip.mp4"`) {
		t.Errorf("exit %d, %q; want the file named with its space", code, stderr)
	}
}

func TestOneEdit(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"rate", "rate", true}, {"rat", "rate", true}, {"rate", "rat", true}, {"rzte", "rate", true}, {"rtae", "rate", true},
		{"jsn", "json", true}, {"", "a", true}, {"", "", true}, {"rtea", "rate", false}, {"foo", "qos", false},
		{"ra", "rate", false}, {"xate", "rats", false},
	} {
		if got := oneEdit(c.a, c.b); got != c.want {
			t.Errorf("oneEdit(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// ros2 bag's own spellings of play's and record's flags are taken as they
// are: play -r, -l, --topics and --start-offset, record --topics.
func TestRos2BagFlagsAreTaken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.gopline")
	if code, _, stderr := runCmd("run", "testsrc size=160x120 num-frames=30 rate=30 is-live=false ! h264enc gop=10 ! record stream=/camera path="+path); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	code, _, stderr := runCmd("play", path, "--no-mdns", "-r", "4", "-l", "--topics", "/camera", "--start-offset", "0.3", "--duration", "1s")
	if code != 0 || !strings.Contains(stderr, "packets on /camera") {
		t.Errorf("play -r 4 -l --topics /camera --start-offset 0.3: exit %d: %s", code, stderr)
	}
	out := filepath.Join(t.TempDir(), "x.gopline")
	code, _, stderr = runCmd("record", "--no-mdns", "--topics", "/camera", "-o", out, "--duration", "1s", "testsrc size=160x120 ! h264enc ! publish topic=/camera")
	if code != 0 || !strings.Contains(stderr, "/camera") {
		t.Errorf("record --topics /camera: exit %d: %s", code, stderr)
	}
}
