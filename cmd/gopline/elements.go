package main

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/pipeline"
)

func runElements(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("elements", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("%w: one element at a time", errUsage)
	}
	reg, err := elements.Registry()
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		for _, s := range reg.Specs() {
			fmt.Fprintf(tw, "%s\t%s\n", s.Name, s.Summary)
		}
		tw.Flush()
		fmt.Fprintln(stdout, "\n`gopline elements NAME` describes one.")
		return nil
	}
	s, err := reg.Lookup(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	fmt.Fprintf(stdout, "%s: %s\n\n", s.Name, s.Summary)
	if s.Doc != "" {
		fmt.Fprintf(stdout, "%s\n\n", s.Doc)
	}
	in, out := s.In, s.Out
	if in == "" {
		in = "nothing (a source)"
	}
	if out == "" {
		out = "nothing (a sink)"
	}
	fmt.Fprintf(stdout, "takes: %s\ngives: %s\n", in, out)
	if len(s.Props) == 0 {
		fmt.Fprintln(stdout, "\nno properties (name= names any element)")
		return nil
	}
	fmt.Fprintln(stdout, "\nproperties (and name= on any element):")
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, p := range s.Props {
		def := p.Default
		switch {
		case p.Required:
			def = "(required)"
		case def == "":
			def = "(none)"
		}
		typ := p.Type.String()
		switch {
		case len(p.Choices) > 0:
			typ = fmt.Sprint(p.Choices)
		case p.Max > p.Min && p.Type == pipeline.Duration:
			typ += fmt.Sprintf(" %v..%v", time.Duration(p.Min), time.Duration(p.Max))
		case p.Max > p.Min:
			typ += " " + strconv.FormatFloat(p.Min, 'f', -1, 64) + ".." + strconv.FormatFloat(p.Max, 'f', -1, 64)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", p.Name, typ, def, p.Doc)
	}
	return tw.Flush()
}
