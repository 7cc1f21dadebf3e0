package main

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gopline/gopline/codecs/ffmpeg"
)

// rootCommand is gopline with every command. Help and what a command
// prints go to stdout; messages, logs and errors go to stderr.
func rootCommand(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "gopline",
		Short: "live robot camera streams",
		Long: "gopline runs pipelines of live camera streams written in a one-line syntax (elements joined by !),\n" +
			"publishes them on topics that late viewers join at a keyframe, serves them to other processes and\n" +
			"hosts, records them, and plays, describes and exports the recordings.",
		Example: "  gopline demo\n" +
			"  gopline run 'testsrc num-frames=300 ! h264enc gop=30 ! publish topic=/camera  subscribe topic=/camera ! gate ! h264dec ! snapshot dir=out every=30'\n" +
			"  gopline help run",
		Version:       version(),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetVersionTemplate("gopline {{.Version}}\n")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(
		gracefully(runCommand()),
		gracefully(serveCommand()),
		topicsCommand(),
		topicCommand(),
		elementsCommand(),
		gracefully(demoCommand()),
		gracefully(recordCommand()),
		gracefully(playCommand()),
		infoCommand(),
		gracefully(exportCommand()),
		gracefully(recoverCommand()),
		gracefully(importCommand()),
		benchCommand(),
		versionCommand(),
		bagCommand(),
	)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	usageArgs(root)
	return root
}

// version is gopline's version and the FFmpeg it links.
func version() string {
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		v = bi.Main.Version
	}
	return fmt.Sprintf("%s\nFFmpeg %s (libavcodec %s)", v, ffmpeg.Version(), ffmpeg.LibavcodecVersion())
}

func versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "print gopline's version and the FFmpeg it links",
		Long:    "Prints gopline's version (the module version it was built from, or (devel)) and the FFmpeg libraries it links.",
		Example: "  gopline version\n  gopline --version",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "gopline %s\n", version())
			return nil
		},
	}
}

// bagCommand answers ros2 bag's habit, gopline bag record -a: gopline's
// record, play and info are commands of their own. It is hidden: gopline
// has no bag command, only this answer.
func bagCommand() *cobra.Command {
	return &cobra.Command{
		Use:                "bag",
		Hidden:             true,
		Args:               cobra.ArbitraryArgs,
		DisableFlagParsing: true,
		RunE: func(_ *cobra.Command, args []string) error {
			const commands = "ros2 bag's record, play and info are gopline's own commands; gopline import makes a recording of a bag's pictures (MCAP or SQLite), gopline export writes MCAP from a recording"
			if len(args) == 0 || !slices.Contains([]string{"record", "play", "info"}, args[0]) {
				return usagef("gopline has no bag command: %s", commands)
			}
			line := "gopline " + shellLine(args)
			if len(line) > maxCaretLine {
				line = "gopline " + args[0] + " ..."
			}
			return usagef("gopline has no bag command; run: %s (%s)", line, commands)
		},
	}
}

// shellLine joins args as a shell reads them back: single-quoted where
// one holds anything but letters, digits and -_./:=,@+.
func shellLine(args []string) string {
	words := make([]string, len(args))
	for i, a := range args {
		words[i] = a
		if a == "" || strings.IndexFunc(a, func(r rune) bool { return !safeInShell(r) }) >= 0 {
			words[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(words, " ")
}

func safeInShell(r rune) bool {
	return r < 0x80 && (isLetter(byte(r)) || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,@+", r))
}

// flagError makes a flag error one line: the error, a hint for an
// unknown flag (unknownFlagHint), then where the flags are described.
func flagError(cmd *cobra.Command, err error) error {
	return flagErrorAsTyped(nil)(cmd, err)
}

// flagErrorAsTyped is flagError for the command line args, which it
// echoes an unknown long flag from as typed: -ss, which longFlags made
// --ss, stays -ss.
func flagErrorAsTyped(args []string) func(*cobra.Command, error) error {
	return func(cmd *cobra.Command, err error) error {
		msg := err.Error()
		var unknown *pflag.NotExistError
		if errors.As(err, &unknown) {
			name := unknown.GetSpecifiedName()
			if unknown.GetSpecifiedShortnames() == "" {
				msg = "unknown flag: " + typedFlag(args, name)
			}
			msg += unknownFlagHint(cmd, name)
		}
		return usagef("%s (see %s --help)", msg, cmd.CommandPath())
	}
}

// stoppedByCtrlC are the commands that run pipelines until Ctrl-C and
// have no -e of their own; record, whose -e is ros2 bag record's --regex,
// is answered for the long --eos-on-shutdown alone.
var stoppedByCtrlC = []string{"run", "serve", "play"}

// eosOnShutdownHint answers gst-launch's habit of -e (--eos-on-shutdown),
// given as the unknown flag name, on a command that runs pipelines:
// gopline needs none, since its Ctrl-C ends the stream cleanly already.
func eosOnShutdownHint(cmd *cobra.Command, name string) string {
	ours := slices.Contains(stoppedByCtrlC, commandKey(cmd)) && meansEOSOnShutdown(cmd, name) ||
		commandKey(cmd) == "record" && name == "eos-on-shutdown"
	if !ours {
		return ""
	}
	return "; gopline needs no -e (gst-launch's --eos-on-shutdown): Ctrl-C already ends the stream cleanly, " +
		"end of stream flowing through the pipeline first (encoders and recorders flush)"
}

// meansEOSOnShutdown reports whether the unknown flag name is gst-launch's
// -e: alone, long, or with the command's one-letter flags (-ev, which
// longFlags reads as --ev).
func meansEOSOnShutdown(cmd *cobra.Command, name string) bool {
	if name == "e" || name == "eos-on-shutdown" {
		return true
	}
	others := strings.Replace(name, "e", "", 1)
	if others == name || others == "" {
		return false
	}
	for _, r := range others {
		if r > 0x7f || cmd.Flags().ShorthandLookup(string(r)) == nil {
			return false
		}
	}
	return true
}

// usageArgs makes every wrong number of arguments, in gopline's commands
// and in cobra's own (help, completion), a usage error.
func usageArgs(cmd *cobra.Command) {
	if check := cmd.Args; check != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				return flagError(c, err)
			}
			return nil
		}
	}
	for _, c := range cmd.Commands() {
		usageArgs(c)
	}
}

// noArgs refuses arguments: a command that takes none.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected argument %q", args[0])
	}
	return nil
}

// oneRecording takes exactly one argument, a recording file.
func oneRecording(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("takes one recording file, got %d", len(args))
	}
	return nil
}

// completeRecordings completes recording files.
func completeRecordings(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return recordingExtensions, cobra.ShellCompDirectiveFilterFileExt
}

// recordingExtensions are the file extensions shell completion offers for
// recordings: .gopline, the one the docs use, and .db, which older docs
// used (gopline reads a recording whatever its name).
var recordingExtensions = []string{"gopline", "db"}

// bagExtensions are those it offers for bags: MCAP, SQLite and ROS 1
// files, perhaps compressed whole or zipped.
var bagExtensions = []string{"mcap", "db3", "bag", "zstd", "zst", "gz", "bz2", "lz4", "zip"}

// completeRecordingsOrBags offers recordings and bags, for the commands
// that take both (info, play, export).
func completeRecordingsOrBags(_ *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	return append(slices.Clone(recordingExtensions), bagExtensions...), cobra.ShellCompDirectiveFilterFileExt
}
