package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/qos"
)

// qosExample finds a QoS profile written as an example: after qos= or
// --qos, or after "policies, e.g." in a help text.
var qosExample = regexp.MustCompile(`(?:qos=|--qos[ =]|policies, e\.g\. )([a-z0-9_][a-z0-9_,=.]*)`)

// qosListed finds the profiles docs/qos.md lists in backquotes: a preset or
// policy followed by more settings.
var qosListed = regexp.MustCompile("`([a-z_]+(?:=[a-z0-9.]+)?(?:,[a-z_]+(?:=[a-zA-Z0-9.]+)?)+)`")

// qosExamples returns the QoS profiles written in text. A candidate without
// "_", "," or "=" is a word of the prose ("--qos says"), not an example.
func qosExamples(text string, listed bool) []string {
	var found []string
	for _, m := range qosExample.FindAllStringSubmatch(text, -1) {
		p := strings.TrimRight(m[1], ".,")
		if strings.ContainsAny(p, "_,=") {
			found = append(found, p)
		}
	}
	if listed {
		for _, m := range qosListed.FindAllStringSubmatch(text, -1) {
			found = append(found, m[1])
		}
	}
	return found
}

// helpTexts are every command's long help, examples and flag usages, and
// every element's docs and property docs.
func helpTexts(t *testing.T) map[string]string {
	t.Helper()
	texts := map[string]string{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		var b strings.Builder
		b.WriteString(c.Long + "\n" + c.Example + "\n")
		c.Flags().VisitAll(func(f *pflag.Flag) { b.WriteString(f.Usage + "\n") })
		texts["gopline help "+c.CommandPath()] = b.String()
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(rootCommand(io.Discard, io.Discard))
	reg, err := elements.Registry()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range reg.Specs() {
		var b strings.Builder
		b.WriteString(s.Doc + "\n")
		for _, p := range s.Props {
			b.WriteString(p.Doc + "\n")
		}
		texts["gopline elements "+s.Name] = b.String()
	}
	return texts
}

func TestQoSExamplesInHelpParse(t *testing.T) {
	n := 0
	for where, text := range helpTexts(t) {
		for _, p := range qosExamples(text, false) {
			n++
			if _, err := qos.ParseProfile(p); err != nil {
				t.Errorf("%s: example %q: %v", where, p, err)
			}
		}
	}
	// The --qos flag, publish and subscribe give examples at least.
	if n < 3 {
		t.Errorf("found %d QoS examples in the help, want 3 or more", n)
	}
}

func TestQoSExamplesInDocsParse(t *testing.T) {
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "../../README.md")
	n := 0
	for _, name := range files {
		text, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range qosExamples(string(text), filepath.Base(name) == "qos.md") {
			n++
			if _, err := qos.ParseProfile(p); err != nil {
				t.Errorf("%s: example %q: %v", name, p, err)
			}
		}
	}
	if n < 5 {
		t.Errorf("found %d QoS examples in the docs, want 5 or more", n)
	}
}
