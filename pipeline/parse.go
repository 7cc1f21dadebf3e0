package pipeline

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gopline/gopline/pipeline/syntax"
)

// Parse builds a pipeline from gopline's one-line syntax, with the elements
// reg knows:
//
//	testsrc size=640x480 rate=30 ! h264enc gop=30 ! publish topic=/camera
//
// Nodes are named by name= or else by their element and a counter
// (h264enc0, h264enc1, ...). Every error is a *syntax.Error pointing at the
// place in the line: an unknown element or property (ErrUnknownElement,
// ErrUnknownProperty; GStreamer's names get gopline's), GStreamer caps
// (syntax.ErrCaps, with the properties that set them), a bad value, or a
// link whose two sides do not match. Parse leaves the graph open, so that Go
// code may add and link nodes of its own; Check, or Start, then checks it
// whole and points at the line's nodes the same way.
func Parse(line string, reg *Registry, opts ...Option) (*Pipeline, error) {
	ast, err := syntax.Parse(line)
	var serr *syntax.Error
	if errors.As(err, &serr) {
		return nil, reg.explainBareWord(explainCaps(serr))
	}
	if err != nil {
		return nil, err
	}
	p := New(opts...)
	p.line, p.places = line, map[string]syntax.Pos{}
	names := NodeNames(ast)
	for _, el := range ast.Elements() {
		name := names[el]
		element, err := makeElement(line, reg, el)
		if err != nil {
			return nil, err
		}
		if err := p.Add(name, element); err != nil {
			return nil, syntax.Errorf(line, el.TypePos, "%s", strings.TrimPrefix(err.Error(), "pipeline: "))
		}
		p.places[name] = el.TypePos
	}
	for _, chain := range ast.Chains {
		prev := ""
		for _, n := range chain.Nodes {
			var cur string
			var pos syntax.Pos
			if n.Element != nil {
				cur, pos = names[n.Element], n.Element.TypePos
			} else {
				cur, pos = n.Ref.Name, n.Ref.Pos
			}
			if prev != "" {
				if err := p.Link(prev, cur); err != nil {
					return nil, syntax.Errorf(line, pos, "%s", strings.TrimPrefix(err.Error(), "pipeline: "))
				}
			}
			prev = cur
		}
	}
	return p, nil
}

// NodeNames names the elements of a parsed line as Parse names its nodes:
// by name=, or else by their element and a counter (h264enc0, h264enc1),
// skipping the names name= took.
func NodeNames(ast *syntax.Pipeline) map[*syntax.Element]string {
	names := map[*syntax.Element]string{}
	taken := map[string]bool{}
	for _, el := range ast.Elements() {
		if el.Name != "" {
			taken[el.Name] = true
		}
	}
	counters := map[string]int{}
	for _, el := range ast.Elements() {
		name := el.Name
		if name == "" {
			for {
				name = fmt.Sprintf("%s%d", el.Type, counters[el.Type])
				counters[el.Type]++
				if !taken[name] {
					break
				}
			}
			taken[name] = true
		}
		names[el] = name
	}
	return names
}

// makeElement looks an AST element up in the registry and builds it,
// reporting errors at the element's or the property's place in the line.
func makeElement(line string, reg *Registry, el *syntax.Element) (Element, error) {
	spec, err := reg.Lookup(el.Type)
	if err != nil {
		serr := syntax.Errorf(line, el.TypePos, "%v", err)
		serr.Err = err // ErrUnknownElement
		return Element{}, serr
	}
	given := map[string]string{}
	for _, prop := range el.Props {
		if prop.Key == "name" {
			continue
		}
		if spec.prop(prop.Key) == nil {
			err := spec.unknownProp(prop.Key)
			serr := syntax.Errorf(line, prop.KeyPos, "%v", err)
			serr.Err = err // ErrUnknownProperty
			return Element{}, serr
		}
		given[prop.Key] = prop.Value
	}
	props, err := spec.ParseProps(given)
	var perr *PropError
	if errors.As(err, &perr) {
		return Element{}, propError(line, el, perr)
	}
	if err != nil {
		return Element{}, syntax.Errorf(line, el.TypePos, "%v", err)
	}
	element, err := spec.Make(props)
	if errors.As(err, &perr) {
		return Element{}, propError(line, el, perr) // a check across properties
	}
	if err != nil {
		serr := syntax.Errorf(line, el.TypePos, "%s: %v", el.Type, err)
		serr.Err = err // a file that is missing or damaged is not the line's fault
		return Element{}, serr
	}
	if element.Type == "" {
		element.Type = el.Type
	}
	return element, nil
}

// propError points at the value of the property perr is about, or at the
// element when the line did not give it.
func propError(line string, el *syntax.Element, perr *PropError) error {
	for _, prop := range el.Props {
		if prop.Key == perr.Prop {
			return syntax.Errorf(line, prop.ValuePos, "%s %s: %s", el.Type, perr.Prop, perr.Msg)
		}
	}
	return syntax.Errorf(line, el.TypePos, "%s needs %s=VALUE: %s", el.Type, perr.Prop, perr.Msg)
}
