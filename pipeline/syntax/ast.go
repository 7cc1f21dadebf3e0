package syntax

// Pos is a place in the parsed line: a byte offset and a length in bytes.
type Pos struct {
	Offset, Len int
}

// End is the byte offset just past the place.
func (p Pos) End() int { return p.Offset + p.Len }

// Property is one key=value of an element.
type Property struct {
	Key   string
	Value string // unquoted, with escapes resolved
	// KeyPos is where the key is; ValuePos is where the value is as written,
	// quotes included.
	KeyPos, ValuePos Pos
	Quoted           bool // the value was written in quotes
}

// Element is one element of a chain: its type (such as h264enc) and its
// properties in the order written.
type Element struct {
	Type    string
	Name    string // the value of its name= property, or ""
	TypePos Pos
	Props   []Property
}

// Ref is a reference x. (or x.pad) to the element named x. Where it stands
// in a chain says which way it links: first, it feeds the chain from x;
// after a "!", the chain feeds x. The pad name, if any, is not kept.
type Ref struct {
	Name string
	Pos  Pos // the whole reference, pad name included
}

// Node is one step of a chain: exactly one of Element and Ref is set.
type Node struct {
	Element *Element
	Ref     *Ref
}

// Chain is a run of nodes linked by "!".
type Chain struct {
	Nodes []Node
}

// Pipeline is a parsed line: its chains in the order written, and the line
// itself, so that errors found later can point into it (see Errorf).
type Pipeline struct {
	Chains []Chain
	Line   string
}

// Elements returns every element of the pipeline in the order written.
// The pointers are those of the Pipeline: changing one changes the Pipeline.
func (p *Pipeline) Elements() []*Element {
	var out []*Element
	for _, c := range p.Chains {
		for _, n := range c.Nodes {
			if n.Element != nil {
				out = append(out, n.Element)
			}
		}
	}
	return out
}
