package syntax

import "strings"

// Parse parses one line into a Pipeline. Every error it returns is an
// *Error that points into line. Parse knows no elements: it checks the
// syntax, that names given with name= are usable and unique, and that every
// reference names an element of the line (before or after it).
func Parse(line string) (*Pipeline, error) {
	p, err := parse(line)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func parse(line string) (*Pipeline, *Error) {
	if err := gstLaunchCommand(line); err != nil {
		return nil, err
	}
	toks, err := lex(line)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, Errorf(line, Pos{0, len(line)}, "the pipeline is empty: write at least one element")
	}
	p := &Pipeline{Line: line}
	if err := build(p, toks); err != nil {
		return nil, err
	}
	if err := checkNames(p); err != nil {
		return nil, err
	}
	return p, nil
}

// gstLaunchCommand refuses a line pasted with the gst-launch command in
// front of its pipeline (gst-launch-1.0 -e v4l2src ! ...): the command and
// its options are no elements, and would otherwise be taken for a
// reference to an element named gst-launch-1.
func gstLaunchCommand(line string) *Error {
	start := skipSpace(line, 0)
	end := wordEnd(line, start)
	if !isGstLaunch(line[start:end]) {
		return nil
	}
	for {
		next := skipSpace(line, end)
		if next >= len(line) || line[next] != '-' {
			break
		}
		end = wordEnd(line, next) // an option of gst-launch's: -e, -v, --gst-debug=3
	}
	return Errorf(line, Pos{start, end - start},
		"%s is the gst-launch command, not part of a pipeline: give the pipeline alone, without it", Quote(line[start:end]))
}

// isGstLaunch reports whether word names the gst-launch command:
// gst-launch, or gst-launch-VERSION as in gst-launch-1.0.
func isGstLaunch(word string) bool {
	version, ok := strings.CutPrefix(word, "gst-launch")
	if !ok {
		return false
	}
	if version == "" {
		return true
	}
	version, ok = strings.CutPrefix(version, "-")
	return ok && version != "" && strings.Trim(version, "0123456789.") == ""
}

// wordEnd is the offset just past the word that starts at i: at the next
// space or "!", or the end of the line.
func wordEnd(line string, i int) int {
	for !atSeparator(line, i) {
		i += runeLen(line, i)
	}
	return i
}

// build turns the tokens into chains.
func build(p *Pipeline, toks []token) *Error {
	line := p.Line
	var (
		elem *Element // the element that takes properties, if any
		bang *token   // a "!" that still waits for its node
		// given holds the properties given so far, so that finding one
		// given twice costs no more as an element's list grows.
		given = map[givenProp]bool{}
	)
	// add puts n at the end of the current chain after a "!", or starts a
	// new chain with it.
	add := func(n Node) {
		if bang != nil {
			c := &p.Chains[len(p.Chains)-1]
			c.Nodes = append(c.Nodes, n)
		} else {
			p.Chains = append(p.Chains, Chain{Nodes: []Node{n}})
		}
		bang = nil
	}
	for i := range toks {
		t := &toks[i]
		switch t.kind {
		case tokBang:
			if len(p.Chains) == 0 {
				return Errorf(line, t.pos, `expected an element before "!"`)
			}
			if bang != nil {
				return Errorf(line, t.pos, `expected an element after "!", not another "!"`)
			}
			bang, elem = t, nil

		case tokRef:
			add(Node{Ref: &Ref{Name: t.text, Pos: t.pos}})
			elem = nil

		case tokWord:
			// After an element, a word alone starts a new chain only when
			// something follows it that an element may have: a "!", a
			// property or a reference. Otherwise it is a property that lacks
			// its "=", the likelier mistake.
			if bang == nil && elem != nil && (i+1 == len(toks) || toks[i+1].kind == tokWord) {
				return Errorf(line, t.pos, `property %s needs a value: write %s=VALUE`, Quote(t.text), shorten(t.text))
			}
			if !isLetter(t.text[0]) {
				return Errorf(line, t.pos, `element %s must start with a letter`, Quote(t.text))
			}
			elem = &Element{Type: t.text, TypePos: t.pos}
			add(Node{Element: elem})

		case tokProp:
			if err := addProp(p, elem, bang, t, given); err != nil {
				return err
			}
		}
	}
	if bang != nil {
		return Errorf(line, bang.pos, `expected an element after "!"`)
	}
	return nil
}

// givenProp is a property key given to an element.
type givenProp struct {
	elem *Element
	key  string
}

// addProp adds the property t to elem, the element being written.
func addProp(p *Pipeline, elem *Element, bang *token, t *token, given map[givenProp]bool) *Error {
	line, prop := p.Line, t.prop
	switch {
	case bang != nil:
		return Errorf(line, t.pos, `expected an element after "!", not the property %s`, Quote(prop.Key))
	case elem == nil && len(p.Chains) == 0:
		return Errorf(line, t.pos, `property %s comes before any element: write the element first, as in ELEMENT %s=VALUE`, Quote(prop.Key), shorten(prop.Key))
	case elem == nil:
		return Errorf(line, t.pos, `property %s follows a reference: only elements take properties`, Quote(prop.Key))
	}
	if given[givenProp{elem, prop.Key}] {
		return Errorf(line, prop.KeyPos, `property %s is set twice on %s`, Quote(prop.Key), shorten(elem.Type))
	}
	given[givenProp{elem, prop.Key}] = true
	if prop.Key == "name" {
		if !isName(prop.Value) {
			return Errorf(line, prop.ValuePos,
				`%s cannot name an element: a name starts with a letter and holds only letters, digits, '-' and '_'`, Quote(prop.Value))
		}
		elem.Name = prop.Value
	}
	elem.Props = append(elem.Props, prop)
	return nil
}

// checkNames checks that no name is given twice and that every reference
// names an element.
func checkNames(p *Pipeline) *Error {
	named := make(map[string]Pos) // name -> where it is given
	for _, e := range p.Elements() {
		if e.Name == "" {
			continue
		}
		at := namePos(e)
		if first, ok := named[e.Name]; ok {
			return Errorf(p.Line, at, "the name %s is used twice (first at column %d)", Quote(e.Name), column(p.Line, first.Offset))
		}
		named[e.Name] = at
	}
	for _, c := range p.Chains {
		for _, n := range c.Nodes {
			if r := n.Ref; r != nil {
				if _, ok := named[r.Name]; !ok {
					hint := ""
					if o := r.Pos.Offset; o >= 2 && p.Line[o-1] == '!' && p.Line[o-2] != ' ' {
						// location=in/a!b.mp4: the "!" was meant as part of the value.
						hint = `; a "!" inside a value ends it there: quote the value (location="in/a!b.mp4") or write \!`
					}
					return Errorf(p.Line, r.Pos, "no element is named %s (name one with name=%s)%s", Quote(r.Name), shorten(r.Name), hint)
				}
			}
		}
	}
	return nil
}

// namePos is where the value of e's name= property is written.
func namePos(e *Element) Pos {
	for _, q := range e.Props {
		if q.Key == "name" {
			return q.ValuePos
		}
	}
	return e.TypePos
}
