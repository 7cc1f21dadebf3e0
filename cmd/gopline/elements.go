package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/pipeline"
	"github.com/spf13/cobra"
)

func elementsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "elements [ELEMENT]",
		Short: "list the pipeline elements, or describe one",
		Long: "Lists the elements of the one-line syntax with a line each; with a name, describes that element:\n" +
			"what it takes and gives, and its properties with their types, ranges and defaults.",
		Example: "  gopline elements\n  gopline elements h264enc",
		Args:    cobra.MaximumNArgs(1),
		ValidArgsFunction: func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return elementNames(toComplete), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, err := elements.Registry()
			if err != nil {
				return err
			}
			if len(args) == 0 {
				listElements(cmd.OutOrStdout(), reg)
				return nil
			}
			s, err := reg.Lookup(args[0])
			if err != nil {
				return usagef("%v", err)
			}
			return describeElement(cmd.OutOrStdout(), s)
		},
	}
}

// listElements prints a line per element.
func listElements(stdout io.Writer, reg *pipeline.Registry) {
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, s := range reg.Specs() {
		fmt.Fprintf(tw, "%s\t%s\n", s.Name, s.Summary)
	}
	tw.Flush()
	fmt.Fprintln(stdout, "\n`gopline elements NAME` describes one.")
}

// describeElement prints an element's spec.
func describeElement(stdout io.Writer, s *pipeline.Spec) error {
	fmt.Fprintf(stdout, "%s: %s\n\n", s.Name, s.Summary)
	if s.Doc != "" {
		fmt.Fprintf(stdout, "%s\n\n", wrapDoc(s.Doc, docWidth))
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
		if p.Unit != "" {
			typ += " " + p.Unit
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", p.Name, typ, def, p.Doc)
	}
	return tw.Flush()
}

// docWidth is the width an element's description is wrapped at.
const docWidth = 100

// wrapDoc wraps each line of doc at width columns, between words: a
// paragraph's, or a list item's ("- "), whose continuations are indented
// under its text. Blank lines, between paragraphs, stay.
func wrapDoc(doc string, width int) string {
	var b strings.Builder
	for i, line := range strings.Split(doc, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		indent := ""
		if strings.HasPrefix(line, "- ") {
			indent = "  "
		}
		col := 0
		for j, word := range strings.Fields(line) {
			switch {
			case j == 0:
			case col+1+len(word) > width:
				b.WriteString("\n" + indent)
				col = len(indent)
			default:
				b.WriteByte(' ')
				col++
			}
			b.WriteString(word)
			col += len(word)
		}
	}
	return b.String()
}
