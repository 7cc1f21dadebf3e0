// Command gopline runs pipelines written in gopline's one-line syntax,
// serves a process's topics to other nodes and lists theirs, records,
// plays, describes and exports recordings, and runs the demo and the
// benchmarks (`gopline help` lists the commands). It holds no logic a
// library user would need: a command parses its flags, starts a node
// (gopline.New) and runs pipelines on it.
//
// Each command is a cobra.Command made by a function in a file of its own
// (run.go: runCommand, serveCommand; recording.go: recordCommand, ...);
// root.go puts them together.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The exit codes: as for gst-launch, a wrong command line is 2.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// errUsage marks an error of the command line: the exit code is exitUsage.
var errUsage = errors.New("usage")

func main() {
	setLogFormat()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// ffmpegLogger is the log of FFmpeg's lines that name no node (a
// connection's, or those before a node's logger is set): warnings and up,
// in the form of the command's log.
func ffmpegLogger(stderr io.Writer) zerolog.Logger {
	return logger(stderr, false).Level(zerolog.WarnLevel)
}

// run runs the command line args and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	ffmpeg.SetLogger(ffmpegLogger(stderr), zerolog.WarnLevel)
	root := rootCommand(stdout, stderr)
	if len(args) == 0 {
		root.SetOut(stderr)
		root.Usage()
		return exitUsage
	}
	if name, fixed, ok := flagsBeforeCommand(root, args); ok {
		fmt.Fprintf(stderr, "gopline: usage: flags go after the command: %s (see gopline %s --help)\n", fixed, name)
		return exitUsage
	}
	if _, _, err := root.Find(args); err != nil && !strings.HasPrefix(args[0], "-") && !completionRequest(args[0]) {
		if hint := foreignCommandHint(args); hint != "" {
			fmt.Fprintf(stderr, "gopline: unknown command %s%s\n", gopline.Shorten(args[0]), hint)
			return exitUsage
		}
		fmt.Fprintf(stderr, "gopline: unknown command %s%s (see gopline --help)\n", gopline.Shorten(args[0]), didYouMean(root.SuggestionsFor(args[0])))
		return exitUsage
	}
	if len(args) > 1 && args[0] == "help" {
		if c, rest, err := root.Find(args[1:]); err != nil || c == root || len(rest) > 0 {
			fmt.Fprintf(stderr, "gopline help: unknown command %s%s (see gopline --help)\n", gopline.Shorten(strings.Join(args[1:], " ")),
				didYouMean(root.SuggestionsFor(args[1])))
			return exitUsage
		}
	}
	root.SetFlagErrorFunc(flagErrorAsTyped(args))
	args = longFlags(root, args)
	root.SetArgs(args)
	if c, _, err := root.Find(args); err == nil {
		defer watchStops(c)()
	}
	cmd, err := root.ExecuteC()
	return exitCode(cmd, err, stderr)
}

// flagsBeforeCommand reports whether args give flags before a command's
// name (gopline -v run LINE, as gst-launch's -v comes first), which cobra
// would take for the root's (-v is its --version) and then the line for
// a command's name, and returns the command's name and the command line
// with the command first. -h and --help before a command are the root's
// help.
func flagsBeforeCommand(root *cobra.Command, args []string) (name, fixed string, ok bool) {
	for i, a := range args {
		if a == "-h" || a == "--help" || a == "--" {
			return "", "", false
		}
		if strings.HasPrefix(a, "-") {
			continue
		}
		if i == 0 {
			return "", "", false
		}
		for _, c := range root.Commands() {
			if c.Name() == a || slices.Contains(c.Aliases, a) {
				line := append([]string{"gopline", a}, args[:i]...)
				for _, rest := range args[i+1:] {
					if strings.ContainsAny(rest, " !") {
						rest = "'" + rest + "'"
					}
					line = append(line, rest)
				}
				return a, strings.Join(line, " "), true
			}
		}
		return "", "", false
	}
	return "", "", false
}

// completionRequest reports whether arg is the hidden command by which a
// shell's completion script asks for completions.
func completionRequest(arg string) bool {
	return arg == cobra.ShellCompRequestCmd || arg == cobra.ShellCompNoDescRequestCmd
}

// exitCode prints err, if any, as a line naming the command, and returns
// the exit code it calls for.
func exitCode(cmd *cobra.Command, err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	name := "gopline"
	if cmd != nil {
		name = cmd.CommandPath()
	}
	fmt.Fprintf(stderr, "%s: %s\n", name, shortenValues(err.Error()))
	if errors.Is(err, errUsage) {
		return exitUsage
	}
	return exitFailure
}

// didYouMean is the end of a message about an unknown name: the names
// meant, if any.
func didYouMean(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return " (did you mean " + strings.Join(names, " or ") + "?)"
}

// longFlags lets a long flag take one dash, as Go's flag package does
// (-out x.mp4 for --out x.mp4): an argument -NAME or -NAME=VALUE gets a
// second dash when NAME is longer than one letter and not a cluster of the
// command's one-letter flags (-vh). A flag's value and the arguments after
// "--" stay as they are.
func longFlags(root *cobra.Command, args []string) []string {
	cmd, _, err := root.Find(args)
	if err != nil {
		return args
	}
	lookup := func(name string) *pflag.Flag {
		if f := cmd.Flags().Lookup(name); f != nil {
			return f
		}
		return cmd.InheritedFlags().Lookup(name)
	}
	out := make([]string, len(args))
	copy(out, args)
	takesValue := false // the argument before is a flag whose value this is
	for i, a := range out {
		if a == "--" {
			break
		}
		isValue := takesValue
		takesValue = false
		if isValue || len(a) < 3 || a[0] != '-' || a[1] == '-' {
			if strings.HasPrefix(a, "--") && !strings.Contains(a, "=") {
				f := lookup(a[2:])
				takesValue = f != nil && f.NoOptDefVal == ""
			}
			continue
		}
		name, _, hasValue := strings.Cut(a[1:], "=")
		if !isLetter(name[0]) || shorthands(cmd, name) {
			continue
		}
		out[i] = "-" + a
		f := lookup(name)
		takesValue = !hasValue && f != nil && f.NoOptDefVal == ""
	}
	return out
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// shorthands reports whether every letter of s is a one-letter flag of cmd.
func shorthands(cmd *cobra.Command, s string) bool {
	for i := range len(s) {
		if cmd.Flags().ShorthandLookup(s[i:i+1]) == nil && cmd.InheritedFlags().ShorthandLookup(s[i:i+1]) == nil {
			return false
		}
	}
	return true
}

// usagef is a usage error: the exit code is exitUsage.
func usagef(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}
