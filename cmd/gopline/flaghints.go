package main

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gopline/gopline/pipeline"
)

// An unknown flag is answered, after the error, with what gopline takes
// instead: the flag that ros2 bag, ffmpeg or gst-launch users reach for
// translated into gopline's (foreignFlags), else a did-you-mean among the
// command's own flags.

// Translations shared by the commands that run pipelines.
const (
	ffmpegDuration = "ffmpeg's -t is --duration"
	ffmpegRunInput = "ffmpeg's -i is an element of the pipeline: videosrc location=FILE (testsrc for a test pattern)"
	ffmpegRunRate  = "ffmpeg's -r is a property in the pipeline: testsrc rate=30 (videosrc keeps its input's rate)"
	ffmpegRunSize  = "ffmpeg's -s is a property in the pipeline: videosrc size=640x480 or testsrc size=640x480"
	ffmpegRunCopy  = "ffmpeg's -c:v copy is videosrc passthrough=true, which hands on the H.264 without re-encoding; to encode, h264enc is an element"
	ffmpegRunSeek  = "gopline has no -ss: videosrc reads its input from the start (gopline play --start starts a recording later)"
	playUntil      = " is --end, which takes a time as gopline info prints it, an RFC 3339 time, or a duration from the recording's start"
	exportCopy     = "gopline export copies the recorded H.264 as it is (ffmpeg's -c:v copy), and encodes JPEG or raw pictures as H.264 for an MP4: there is no codec to choose"
	playRemap      = ": gopline play publishes each stream on the topic of its name; " +
		"a pipeline plays one on another topic: gopline run 'play path=FILE stream=/camera ! publish topic=/other'"
)

// foreignFlags maps a command's path below gopline ("record", "topic
// info") and a flag it does not have, without
// its dashes ("r" for -r, "c:v" for -c:v), to what the user coming from
// ros2 bag, ffmpeg or gst-launch takes in gopline instead, or why gopline
// needs none.
var foreignFlags = map[string]map[string]string{
	"run":    runForeignFlags,
	"serve":  runForeignFlags,
	"record": recordForeignFlags,
	"play": {
		"playback-until-sec":       "ros2 bag play's --playback-until-sec" + playUntil,
		"playback-until-nsec":      "ros2 bag play's --playback-until-nsec" + playUntil,
		"playback-until-timestamp": "ros2 bag play's --playback-until-timestamp" + playUntil,
		"playback-duration": "ros2 bag play's --playback-duration is --end as a duration from the recording's start " +
			"(--start 10s --end 15s plays 5s of it); --duration stops after this long on the wall clock",
		"topic":   "a recording's topics are its streams: --stream (repeat or separate with commas; every stream when not given)",
		"s":       "gopline plays its own recordings (.gopline, one bbolt file): there is no storage to choose",
		"storage": "gopline plays its own recordings (.gopline, one bbolt file): there is no storage to choose",
		"ss":      "ffmpeg's -ss is --start",
		"t":       ffmpegDuration,
		"i":       "the recording is play's argument: gopline play FILE",
		"remap":   "ros2 bag play's --remap" + playRemap,
		"m":       "ros2 bag play's -m (its topic remapping)" + playRemap,
		"at":      "--at is gopline export's, for a picture at that time; play starts at a time with --start (at the keyframe at or before it)",
		"clock": "gopline publishes no /clock: --keep-time publishes each packet with its recorded capture time, " +
			"as ros2 bag play keeps header stamps, and play says at the start which recorded time plays when",
	},
	"export": {
		"i":       "the recording is export's argument: gopline export FILE --out OUT",
		"ss":      "ffmpeg's -ss is --start (or --at for a picture at that time)",
		"to":      "ffmpeg's -to is --end",
		"t":       "ffmpeg's -t is a length; gopline export takes --end, a time from the recording's start (--start 10s --end 15s for 5s)",
		"f":       "ffmpeg's -f is --format",
		"r":       "for pictures, ffmpeg's -r is --every (png: a picture every this long, e.g. --every 1s); an mp4 keeps the recorded rate",
		"s":       "gopline export keeps the recorded picture size",
		"topic":   "a recording's topics are its streams: --stream",
		"topics":  "a recording's topics are its streams: --stream (comma-separated for an MCAP file)",
		"c:v":     exportCopy,
		"c":       exportCopy,
		"codec":   exportCopy,
		"codec:v": exportCopy,
		"vcodec":  exportCopy,
	},
	"info": {
		"s":       "gopline describes its own recordings (.gopline, one bbolt file): there is no storage to choose",
		"storage": "gopline describes its own recordings (.gopline, one bbolt file): there is no storage to choose",
	},
	"topics":      topicsForeignFlags,
	"topic list":  topicsForeignFlags,
	"topic echo":  topicWatchForeignFlags,
	"topic hz":    topicWatchForeignFlags,
	"topic bw":    topicWatchForeignFlags,
	"topic delay": topicWatchForeignFlags,
}

// topicQoS answers ros2 topic's QoS flags: gopline's subscription takes the
// topic's offer, as ros2 topic does when given none.
const topicQoS = "gopline topic subscribes with the QoS the topic offers, as ros2 topic does when given none"

var topicWatchForeignFlags = map[string]string{
	"qos-profile":     topicQoS,
	"qos-reliability": topicQoS,
	"qos-durability":  topicQoS,
	"qos-depth":       topicQoS,
	"qos-history":     topicQoS,
	"spin-time":       "gopline topic waits 10s for the node that publishes the topic, and --wait for as long as it takes",
	"no-daemon":       "gopline has no daemon: it finds the nodes itself, on this host and by multicast DNS (--no-mdns: this host only)",
}

var topicsForeignFlags = map[string]string{
	"t":          "gopline topics always shows each topic's codec and picture size",
	"show-types": "gopline topics always shows each topic's codec and picture size",
}

var runForeignFlags = map[string]string{
	"i":       ffmpegRunInput,
	"t":       ffmpegDuration,
	"ss":      ffmpegRunSeek,
	"r":       ffmpegRunRate,
	"s":       ffmpegRunSize,
	"c:v":     ffmpegRunCopy,
	"c":       ffmpegRunCopy,
	"codec":   ffmpegRunCopy,
	"codec:v": ffmpegRunCopy,
	"vcodec":  ffmpegRunCopy,
}

var recordForeignFlags = map[string]string{
	"compression-mode":   "gopline has no compression: it records the encoded video as it came, which compresses no further",
	"compression-format": "gopline has no compression: it records the encoded video as it came, which compresses no further",
	"s":                  "gopline has one storage: bbolt files (.gopline); gopline export writes MCAP from them",
	"storage":            "gopline has one storage: bbolt files (.gopline); gopline export writes MCAP from them",
	"t":                  ffmpegDuration,
	"i":                  "gopline record records topics that a pipeline publishes: 'videosrc location=FILE ! h264enc ! publish topic=/cam' with --topic /cam",
	"topics-regex":       recordRegex,
	"topic-regex":        recordRegex,
	"exclude-regex":      "ros2 bag record's --exclude-regex is -x, --exclude",
	"exclude-topics":     "-x, --exclude takes a regular expression, not names: -x '^/(a|b)$' leaves out /a and /b",
	"exclude-topic":      "-x, --exclude takes a regular expression, not names: -x '^/(a|b)$' leaves out /a and /b",
}

// recordRegex answers the names users give record's regular expression.
const recordRegex = "the regular expression of topic names is -e, --regex, as in ros2 bag record"

// unknownFlagHint is what follows the error about the unknown flag name
// (as pflag gives it, without dashes) of cmd: a translation, gst-launch's
// -e answered, or a did-you-mean; "" when none fits.
func unknownFlagHint(cmd *cobra.Command, name string) string {
	if hint := foreignFlags[commandKey(cmd)][name]; hint != "" {
		return "; " + hint
	}
	if name == "ros-args" {
		return "; " + rosArgsHint // on any command
	}
	if hint := eosOnShutdownHint(cmd, name); hint != "" {
		return hint
	}
	if len(name) < 3 {
		return "" // a letter or two begin too many flags' names to mean one
	}
	near := pipeline.Nearest(name, flagNames(cmd))
	if near == "" || len(name) < minTwoEdits && !oneEdit(strings.ToLower(name), near) {
		return ""
	}
	return " (did you mean --" + near + "?)"
}

// commandKey is cmd's path below the root, foreignFlags' key: "record",
// "topic info".
func commandKey(cmd *cobra.Command) string {
	return strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
}

// minTwoEdits is the shortest flag name a guess two edits from it is made
// for: two of three letters changed (--foo, --qos) mean another word.
const minTwoEdits = 5

// oneEdit reports whether a and b differ by one byte added, dropped or
// changed, or two adjacent bytes swapped, or are equal.
func oneEdit(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		if i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:] {
			return true
		}
		return a[min(i+1, len(a)):] == b[min(i+1, len(b)):]
	}
	return a[i:] == b[i+1:]
}

// flagNames are the names of the flags cmd takes, hidden ones left out.
func flagNames(cmd *cobra.Command) []string {
	var names []string
	add := func(f *pflag.Flag) {
		if !f.Hidden && f.Deprecated == "" {
			names = append(names, f.Name)
		}
	}
	cmd.LocalFlags().VisitAll(add)
	cmd.InheritedFlags().VisitAll(add)
	return names
}

// typedFlag is the unknown long flag name as args spell it: with one dash
// when it was typed so (-ss), which longFlags gave a second; with two
// otherwise.
func typedFlag(args []string, name string) string {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-"+name || strings.HasPrefix(a, "-"+name+"=") {
			return "-" + name
		}
	}
	return "--" + name
}
