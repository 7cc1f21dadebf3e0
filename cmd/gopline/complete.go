package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/gopline/gopline/elements"
	"github.com/gopline/gopline/pipeline"
)

// completePipeline is the shell completion of a pipeline's words (run,
// serve, record): element names where an element may go, the element's
// property names (key=) after it, and a property's choices after its =.
func completePipeline(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	reg, err := elements.Registry()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	words := pipelineCompletions(reg, args, toComplete)
	dir := cobra.ShellCompDirectiveNoFileComp
	for _, w := range words {
		if strings.HasSuffix(w, "=") {
			dir |= cobra.ShellCompDirectiveNoSpace // the value follows
			break
		}
	}
	return words, dir
}

// elementNames lists the element names that start with prefix.
func elementNames(prefix string) []string {
	reg, err := elements.Registry()
	if err != nil {
		return nil
	}
	return withPrefix(specNames(reg), prefix, "")
}

// pipelineCompletions completes toComplete, the word under the cursor, of
// a pipeline whose earlier words are args. A pipeline in quotes is one
// shell word: toComplete then holds the line so far, its last word is the
// one completed, and each completion is the whole line so far with it.
func pipelineCompletions(reg *pipeline.Registry, args []string, toComplete string) []string {
	head, word := "", toComplete
	if i := strings.LastIndexAny(toComplete, " \t"); i >= 0 {
		head, word = toComplete[:i+1], toComplete[i+1:]
	}
	before := strings.Fields(strings.Join(args, " ") + " " + head)
	for i, w := range before {
		before[i] = strings.Trim(w, `'"`)
	}
	quote := ""
	if head == "" && (strings.HasPrefix(word, "'") || strings.HasPrefix(word, `"`)) {
		quote, word = word[:1], word[1:]
	}
	spec := completedElement(reg, before)
	if key, value, ok := strings.Cut(word, "="); ok {
		if spec == nil {
			return nil
		}
		return withPrefix(propValues(spec, key), value, quote+head+key+"=")
	}
	var out []string
	if spec != nil {
		names := []string{"name"}
		for _, p := range spec.Props {
			names = append(names, p.Name)
		}
		for _, n := range withPrefix(names, word, quote+head) {
			out = append(out, n+"=")
		}
	}
	return append(out, withPrefix(specNames(reg), word, quote+head)...)
}

// completedElement is the element whose properties the next word may set:
// the last element of words, unless a ! or a branch (t.) follows it.
func completedElement(reg *pipeline.Registry, words []string) *pipeline.Spec {
	for i := len(words) - 1; i >= 0; i-- {
		w := words[i]
		switch {
		case strings.Contains(w, "="):
			continue
		case w == "!":
			return nil
		}
		s, err := reg.Lookup(w)
		if err != nil {
			return nil
		}
		return s
	}
	return nil
}

// propValues are the values a property may take, where they are few.
func propValues(s *pipeline.Spec, name string) []string {
	for _, p := range s.Props {
		switch {
		case p.Name != name:
		case len(p.Choices) > 0:
			return p.Choices
		case p.Type == pipeline.Bool:
			return []string{"true", "false"}
		}
	}
	return nil
}

func specNames(reg *pipeline.Registry) []string {
	var names []string
	for _, s := range reg.Specs() {
		names = append(names, s.Name)
	}
	return names
}

// withPrefix keeps the names that start with prefix, each after head.
func withPrefix(names []string, prefix, head string) []string {
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, head+n)
		}
	}
	return out
}
