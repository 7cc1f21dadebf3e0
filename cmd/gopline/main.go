// Command gopline runs pipelines written in gopline's one-line syntax,
// serves a process's topics to other nodes and lists theirs, records,
// plays, describes and exports recordings, and runs the demo and the
// benchmarks (`gopline help` lists the commands). It holds no logic a
// library user would need: a command parses its flags, starts a node
// (gopline.New) and runs pipelines on it.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gopline/gopline"
	"github.com/gopline/gopline/codecs/ffmpeg"
	"github.com/rs/zerolog"
)

// exitUsage is the exit code for a wrong command line, as for gst-launch.
const exitUsage = 2

var errUsage = errors.New("usage")

type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"run", "run a pipeline written in the one-line syntax", runRun},
		{"serve", "run pipelines and serve their topics to other processes and hosts", runServe},
		{"topics", "list another node's topics: gopline topics --remote HOST:PORT", runTopics},
		{"elements", "list the pipeline elements, or describe one", runElements},
		{"demo", "a robot camera on a durable topic, viewers joining late with and without the GOP cache", runDemo},
		{"record", "run a pipeline and record its topics", runRecord},
		{"play", "publish a recording's streams at the recorded pace", runPlay},
		{"info", "describe a recording", runInfo},
		{"export", "export a recording's stream as MP4, MCAP or PNG pictures", runExport},
		{"bench", "benchmarks: gopline bench codecs|storage|latejoin|remote", runBench},
		{"version", "print gopline's version and the FFmpeg it links", runVersion},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	log := zerolog.New(zerolog.ConsoleWriter{Out: stderr}).With().Timestamp().Logger().Level(zerolog.WarnLevel)
	ffmpeg.SetLogger(log, zerolog.WarnLevel)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(args[1:], stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "gopline %s: %s\n", c.name, shortenValues(err.Error()))
			return exitUsage
		default:
			fmt.Fprintf(stderr, "gopline %s: %s\n", c.name, shortenValues(err.Error()))
			return 1
		}
	}
	fmt.Fprintf(stderr, "gopline: unknown command %s\n\n", gopline.Shorten(args[0]))
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "gopline: live robot camera streams\n\nUsage: gopline <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'gopline <command> -h' for a command's flags.")
}

// newFlags makes a command's flag set that reports errors to the caller
// instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("gopline "+name, flag.ContinueOnError)
	fs.SetOutput(shortening{stderr})
	return fs
}

// shortening is a flag set's output: the flag package prints a bad value
// whole in its message, and shortening cuts it (shortenValues).
type shortening struct{ w io.Writer }

func (s shortening) Write(b []byte) (int, error) {
	if _, err := io.WriteString(s.w, shortenValues(string(b))); err != nil {
		return 0, err
	}
	return len(b), nil
}

// parse parses flags, turning a bad flag into errUsage; arguments other
// than flags are an error.
func parse(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
}

// parseFlags parses flags, turning a bad flag into errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	return usageError(fs.Parse(args))
}

// usageError turns a flag parsing error into errUsage (help stays help).
func usageError(err error) error {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return fmt.Errorf("%w: %v", errUsage, err)
}
