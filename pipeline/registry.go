package pipeline

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gopline/gopline/pipeline/syntax"
)

// PropType is the type of an element property.
type PropType uint8

// Property types. Values are written as on a command line: Size as
// 640x480, Duration as Go durations (300ms, 5s; a bare number is refused),
// Bool as true/false/yes/no/1/0, Int and Float also as GStreamer's fractions
// (30/1), an Enum also by its Synonyms (see values.go).
const (
	String PropType = iota
	Int
	Float
	Bool
	Duration
	Size
	Enum
)

var propTypeNames = [...]string{String: "string", Int: "int", Float: "float", Bool: "bool", Duration: "duration", Size: "size", Enum: "enum"}

func (t PropType) String() string { return propTypeNames[t] }

// PropSpec describes one property of an element: its name, type, default
// and doc, and the values it accepts. A value given on a line and a value set
// in a Go config (see ElementSpec) are checked by the same rules.
type PropSpec struct {
	Name    string
	Type    PropType
	Default string // as written on the command line; "" means no default
	Doc     string
	// Choices lists the values of an Enum.
	Choices []string
	// Min and Max bound Int, Float and Duration values (a Duration's in
	// nanoseconds) when Max > Min. A Float is never NaN or infinite, and a
	// Duration is never negative unless Min is.
	Min, Max float64
	// Required properties have no default and must be given.
	Required bool
	// Check, when set, is a further check of a String value (a topic name,
	// a host:port).
	Check func(string) error
	// Normalize, when set, rewrites a String value as a line writes it
	// before it is checked (a topic without its leading slash); a value
	// set in Go is checked as it is.
	Normalize func(string) string
	// Unit, when set, is an Int's or Float's unit that changes how a line
	// writes it: UnitBitRate (2M), UnitFrames, UnitFrameRate.
	Unit string
	// Synonyms are other tools' names of an Enum's choices (GStreamer's
	// I420 for yuv420p), taken on a line as the choice they name.
	Synonyms map[string]string
}

// Spec describes an element type for the registry: its name, docs, typed
// properties, and a constructor from parsed properties. An element with a Go
// config describes itself with an ElementSpec, whose Spec method gives this
// with the constructor bound to the config.
type Spec struct {
	Name    string
	Summary string // one line, for `gopline elements`
	Doc     string // a paragraph or two, for `gopline elements NAME`
	// In and Out describe the element's caps for the docs (they may depend
	// on properties; Make's Element has the exact ones).
	In, Out string
	Props   []PropSpec
	Make    func(Props) (Element, error)
}

// Props are an element's property values, parsed and with defaults filled
// in; an ElementSpec's Spec sets its config's fields from them.
type Props struct {
	values map[string]any
}

// PropError is an error in one property's value.
type PropError struct {
	Element, Prop string
	Msg           string
}

func (e *PropError) Error() string {
	return fmt.Sprintf("%s: property %s: %s", e.Element, e.Prop, e.Msg)
}

// ErrUnknownElement and ErrUnknownProperty are returned (wrapped) for names
// the registry does not know, by Lookup, ParseProps and Make, and by Parse
// in its *syntax.Error. A name that GStreamer (or FFmpeg) uses gets the
// name of gopline's equivalent in the message (see hints.go), any other a
// "did you mean" when one of the registry's names is close.
var (
	ErrUnknownElement  = errors.New("unknown element")
	ErrUnknownProperty = errors.New("unknown property")
)

// ParseProps parses property values given as text against the spec,
// filling in defaults. Unknown names, bad values and missing required
// properties are errors naming the property.
func (s *Spec) ParseProps(given map[string]string) (Props, error) {
	p := Props{values: map[string]any{}}
	for name := range given {
		if s.prop(name) == nil {
			return p, s.unknownProp(name)
		}
	}
	for i := range s.Props {
		ps := &s.Props[i]
		text, ok := given[ps.Name]
		if !ok {
			if ps.Required {
				return p, &PropError{Element: s.Name, Prop: ps.Name, Msg: "is required: " + ps.Doc}
			}
			text = ps.Default
		}
		if text == "" && !ok && ps.Type != String {
			continue // no default: the zero value
		}
		v, err := ps.parse(text)
		var frames *timeForFrames
		if errors.As(err, &frames) {
			return p, &PropError{Element: s.Name, Prop: ps.Name, Msg: s.framesOfTime(ps, frames, given)}
		}
		if err != nil {
			return p, &PropError{Element: s.Name, Prop: ps.Name, Msg: err.Error()}
		}
		p.values[ps.Name] = v
	}
	return p, nil
}

func (s *Spec) prop(name string) *PropSpec {
	for i := range s.Props {
		if s.Props[i].Name == name {
			return &s.Props[i]
		}
	}
	return nil
}

func (s *Spec) unknownProp(name string) error {
	names := make([]string, len(s.Props))
	for i, ps := range s.Props {
		names[i] = ps.Name
	}
	msg := fmt.Sprintf("%s has no property %s", s.Name, syntax.Quote(name))
	if hint := s.propertyHint(name); hint != "" {
		msg += ": " + hint
	} else if near := Nearest(name, names); near != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", near)
	} else if len(names) > 0 {
		msg += " (it has " + strings.Join(names, ", ") + ")"
	}
	return fmt.Errorf("%w: %s", ErrUnknownProperty, msg)
}

// parse reads a value as written on a line and checks it.
func (ps *PropSpec) parse(text string) (any, error) {
	v, err := ps.scan(text)
	if err != nil {
		return nil, err
	}
	return v, ps.check(v)
}

// scan reads a value as written on a line, as the type ps.check takes.
func (ps *PropSpec) scan(text string) (any, error) {
	switch ps.Type {
	case String:
		if ps.Normalize != nil {
			return ps.Normalize(text), nil
		}
		return text, nil
	case Int:
		return ps.scanInt(text)
	case Float:
		return scanFloat(text)
	case Bool:
		switch strings.ToLower(text) {
		case "true", "yes", "1", "on":
			return true, nil
		case "false", "no", "0", "off":
			return false, nil
		}
		return nil, fmt.Errorf("%s is not true or false", syntax.Quote(text))
	case Duration:
		return scanDuration(text)
	case Size:
		ws, hs, ok := strings.Cut(strings.ToLower(text), "x")
		w, errW := strconv.Atoi(ws)
		h, errH := strconv.Atoi(hs)
		if !ok || errW != nil || errH != nil {
			return nil, fmt.Errorf("%s is not a size such as 640x480", syntax.Quote(text))
		}
		return [2]int{w, h}, nil
	case Enum:
		for _, c := range ps.Choices {
			if strings.EqualFold(c, text) {
				return c, nil
			}
		}
		if c := ps.synonymOf(text); c != "" {
			return c, nil
		}
		return text, nil // refused by check, with the choices
	}
	return nil, fmt.Errorf("unknown property type %v", ps.Type)
}

// maxSide bounds a Size's width and height.
const maxSide = 16384

// check checks a value of the property's type (as scan returns it).
func (ps *PropSpec) check(v any) error {
	ranged := ps.Max > ps.Min
	switch v := v.(type) {
	case string:
		return ps.checkString(v)
	case int:
		if ranged && (float64(v) < ps.Min || float64(v) > ps.Max) {
			return fmt.Errorf("%d is out of range %s..%s", v, strconv.FormatFloat(ps.Min, 'f', -1, 64), strconv.FormatFloat(ps.Max, 'f', -1, 64))
		}
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%g is not a finite number", v)
		}
		if ranged && (v < ps.Min || v > ps.Max) {
			return fmt.Errorf("%g is out of range %g..%g", v, ps.Min, ps.Max)
		}
	case time.Duration:
		if ranged && (float64(v) < ps.Min || float64(v) > ps.Max) {
			return fmt.Errorf("%v is out of range %v..%v", v, time.Duration(ps.Min), time.Duration(ps.Max))
		}
		if v < 0 && ps.Min >= 0 {
			return fmt.Errorf("%v is negative", v)
		}
	case [2]int:
		if v[0] <= 0 || v[1] <= 0 || v[0] > maxSide || v[1] > maxSide {
			return fmt.Errorf("%dx%d is not a size from 1x1 to %dx%d", v[0], v[1], maxSide, maxSide)
		}
	case bool:
	default:
		return fmt.Errorf("a %T is not a %v", v, ps.Type)
	}
	return nil
}

func (ps *PropSpec) checkString(v string) error {
	if ps.Type == Enum {
		if !slices.Contains(ps.Choices, v) {
			return fmt.Errorf("%s is not one of %s", syntax.Quote(v), ps.choicesText())
		}
		return nil
	}
	if v == "" {
		if ps.Required || ps.Default != "" {
			return errors.New("is empty")
		}
		return nil
	}
	if ps.Check != nil {
		return ps.Check(v)
	}
	return nil
}

// Registry maps element names to their specs. It is a value: build one with
// the elements a program needs (elements.Registry has gopline's own).
type Registry struct {
	specs map[string]*Spec
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{specs: map[string]*Spec{}} }

// Register adds an element spec. Names are unique.
func (r *Registry) Register(s Spec) error {
	if s.Name == "" || s.Make == nil {
		return errors.New("pipeline: a spec needs a name and a constructor")
	}
	if _, dup := r.specs[s.Name]; dup {
		return fmt.Errorf("pipeline: element %q registered twice", s.Name)
	}
	seen := map[string]bool{}
	for _, ps := range s.Props {
		if seen[ps.Name] || ps.Name == "name" {
			return fmt.Errorf("pipeline: element %q: property %q declared twice or reserved", s.Name, ps.Name)
		}
		seen[ps.Name] = true
		if ps.Default != "" {
			if _, err := ps.parse(ps.Default); err != nil {
				return fmt.Errorf("pipeline: element %q: default of %s: %w", s.Name, ps.Name, err)
			}
		}
	}
	r.specs[s.Name] = &s
	return nil
}

// Knows reports whether name is an element's, or one Lookup gives a hint
// for (another tool's name of an element, a known misspelling): a word a
// user meant as an element.
func (r *Registry) Knows(name string) bool {
	_, ok := r.specs[name]
	return ok || r.elementHint(name) != ""
}

// Lookup returns the spec of an element name.
func (r *Registry) Lookup(name string) (*Spec, error) {
	if s, ok := r.specs[name]; ok {
		return s, nil
	}
	if hint := r.elementHint(name); hint != "" {
		return nil, fmt.Errorf("%w %s: %s", ErrUnknownElement, syntax.Quote(name), hint)
	}
	names := make([]string, 0, len(r.specs))
	for n := range r.specs {
		names = append(names, n)
	}
	sort.Strings(names) // of names as near, Nearest names the same one every time
	msg := syntax.Quote(name)
	if near := Nearest(name, names); near != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", near)
	}
	return nil, fmt.Errorf("%w %s: `gopline elements` lists them", ErrUnknownElement, msg)
}

// Specs returns every spec, sorted by name.
func (r *Registry) Specs() []*Spec {
	out := make([]*Spec, 0, len(r.specs))
	for _, s := range r.specs {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Make builds an element from its name and property text.
func (r *Registry) Make(name string, props map[string]string) (Element, error) {
	s, err := r.Lookup(name)
	if err != nil {
		return Element{}, err
	}
	p, err := s.ParseProps(props)
	if err != nil {
		return Element{}, err
	}
	el, err := s.Make(p)
	if err != nil {
		return Element{}, fmt.Errorf("%s: %w", name, err)
	}
	if el.Type == "" {
		el.Type = name
	}
	return el, nil
}

// Nearest returns what a "did you mean" names: the candidate one edit from
// name (a letter added, dropped, changed, or two swapped); else the one
// candidate that name begins, or that begins name (test for testsrc,
// h264encoder for h264enc), when exactly one does and the shorter of the
// two has minPrefix characters or more; else the candidate two edits from
// name; else "". Letters compare ignoring case, as cobra's suggestions of
// commands do: a candidate that differs from name only in case (/camera
// for /Camera) is nearest of all. Of several as near, the first.
func Nearest(name string, candidates []string) string {
	name = strings.ToLower(name)
	folded := make([]string, len(candidates))
	for i, c := range candidates {
		folded[i] = strings.ToLower(c)
	}
	best, bestD := -1, 3
	for i, c := range folded {
		if abs(len(name)-len(c)) >= bestD {
			continue // too far apart in length alone; keeps a long name linear
		}
		if d := editDistance(name, c); d < bestD {
			best, bestD = i, d
		}
	}
	if bestD <= 1 {
		return candidates[best]
	}
	if p := prefixOf(name, folded); p >= 0 {
		return candidates[p]
	}
	if best < 0 {
		return ""
	}
	return candidates[best]
}

// minPrefix is the shortest prefix Nearest takes for a name: shorter ones
// begin too many names to mean one.
const minPrefix = 3

// prefixOf returns the index of the one candidate that name begins or that
// begins name, the shorter of the two at least minPrefix long; -1 when none
// or several do.
func prefixOf(name string, candidates []string) int {
	found := -1
	for i, c := range candidates {
		if min(len(name), len(c)) >= minPrefix && (strings.HasPrefix(c, name) || strings.HasPrefix(name, c)) {
			if found >= 0 {
				return -1 // two of them: neither is the likelier
			}
			found = i
		}
	}
	return found
}

// editDistance is the optimal string alignment distance between a and b:
// the edits are a byte added, dropped or changed, and two adjacent bytes
// swapped (h246enc is one edit from h264enc).
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
