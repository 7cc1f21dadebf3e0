package pipeline

import (
	"cmp"
	"fmt"
	"strconv"
	"time"

	"github.com/gopline/gopline/media"
)

// ElementSpec is an element type described once, beside its constructor: its
// name and docs, its Go config C, the config's fields as properties with
// their defaults, docs and ranges, and the constructor. From it come the
// defaults of the Go config (Defaults), the checks of a config written in Go
// (Resolve), and the Spec that the registry, the one-line syntax and
// `gopline elements` use: a property has one default and one rule, wherever
// it is set.
type ElementSpec[C any] struct {
	Name    string
	Summary string // one line, for `gopline elements`
	Doc     string // a paragraph or two, for `gopline elements NAME`
	// In and Out describe the element's caps for the docs.
	In, Out string
	Fields  []Field[C]
	// New makes the element from a config that Resolve accepted; the
	// element's Type is the spec's Name.
	New func(C) (Element, error)
}

// Field is one property of an element, bound to a field of its Go config C.
// Make one with IntField, FloatField, BoolField, DurationField, SizeField,
// StringField, EnumField, EnumOf or TextField, and refine it with Range,
// DurationRange, Doc and Required.
type Field[C any] struct {
	Prop PropSpec
	// get returns the config's value as PropSpec.scan would.
	get    func(*C) any
	set    func(*C, any)
	isZero func(*C) bool
}

// Doc sets the field's doc.
func (f Field[C]) Doc(doc string) Field[C] { f.Prop.Doc = doc; return f }

// Range bounds an Int or Float field.
func (f Field[C]) Range(min, max float64) Field[C] { f.Prop.Min, f.Prop.Max = min, max; return f }

// DurationRange bounds a Duration field.
func (f Field[C]) DurationRange(min, max time.Duration) Field[C] {
	f.Prop.Min, f.Prop.Max = float64(min), float64(max)
	return f
}

// Required makes the field one that must be given; it has no default.
func (f Field[C]) Required() Field[C] { f.Prop.Required, f.Prop.Default = true, ""; return f }

// Unit sets an Int or Float field's unit (UnitBitRate, UnitFrames,
// UnitFrameRate), which changes how a line writes its value.
func (f Field[C]) Unit(unit string) Field[C] { f.Prop.Unit = unit; return f }

// Normalize sets how a String or Text field's value written on a line is
// rewritten before its check (a relative topic name rooted); a value set
// in Go is checked as it is.
func (f Field[C]) Normalize(normalize func(string) string) Field[C] {
	f.Prop.Normalize = normalize
	return f
}

// Check adds a check of a String or Text field's value.
func (f Field[C]) Check(check func(string) error) Field[C] { f.Prop.Check = check; return f }

// IntField is a whole-number property. Its default is def.
func IntField[C any, T ~int | ~int64](name string, def T, ptr func(*C) *T) Field[C] {
	return Field[C]{Prop: PropSpec{Name: name, Type: Int, Default: strconv.FormatInt(int64(def), 10)},
		get:    func(c *C) any { return int(*ptr(c)) },
		set:    func(c *C, v any) { *ptr(c) = T(v.(int)) },
		isZero: func(c *C) bool { return *ptr(c) == 0 }}
}

// FloatField is a number property. Its default is def.
func FloatField[C any](name string, def float64, ptr func(*C) *float64) Field[C] {
	return Field[C]{Prop: PropSpec{Name: name, Type: Float, Default: strconv.FormatFloat(def, 'g', -1, 64)},
		get:    func(c *C) any { return *ptr(c) },
		set:    func(c *C, v any) { *ptr(c) = v.(float64) },
		isZero: func(c *C) bool { return *ptr(c) == 0 }}
}

// BoolField is a true/false property. Its default is def.
func BoolField[C any](name string, def bool, ptr func(*C) *bool) Field[C] {
	return Field[C]{Prop: PropSpec{Name: name, Type: Bool, Default: strconv.FormatBool(def)},
		get:    func(c *C) any { return *ptr(c) },
		set:    func(c *C, v any) { *ptr(c) = v.(bool) },
		isZero: func(c *C) bool { return !*ptr(c) }}
}

// DurationField is a duration property. Its default is def; it is never
// negative unless its DurationRange allows it.
func DurationField[C any](name string, def time.Duration, ptr func(*C) *time.Duration) Field[C] {
	return Field[C]{Prop: PropSpec{Name: name, Type: Duration, Default: def.String()},
		get:    func(c *C) any { return *ptr(c) },
		set:    func(c *C, v any) { *ptr(c) = v.(time.Duration) },
		isZero: func(c *C) bool { return *ptr(c) == 0 }}
}

// SizeField is a WIDTHxHEIGHT property over two int fields. Its default is
// w x h; 0x0 means none (the field may be left unset).
func SizeField[C any](name string, w, h int, ptr func(*C) (*int, *int)) Field[C] {
	def := ""
	if w != 0 || h != 0 {
		def = fmt.Sprintf("%dx%d", w, h)
	}
	return Field[C]{Prop: PropSpec{Name: name, Type: Size, Default: def},
		get: func(c *C) any { w, h := ptr(c); return [2]int{*w, *h} },
		set: func(c *C, v any) {
			w, h := ptr(c)
			*w, *h = v.([2]int)[0], v.([2]int)[1]
		},
		isZero: func(c *C) bool { w, h := ptr(c); return *w == 0 && *h == 0 }}
}

// StringField is a text property. Its default is def; "" means none.
func StringField[C any](name, def string, ptr func(*C) *string) Field[C] {
	return Field[C]{Prop: PropSpec{Name: name, Type: String, Default: def},
		get:    func(c *C) any { return *ptr(c) },
		set:    func(c *C, v any) { *ptr(c) = v.(string) },
		isZero: func(c *C) bool { return *ptr(c) == "" }}
}

// EnumField is a property that takes one of choices. Its default is def.
func EnumField[C any](name, def string, choices []string, ptr func(*C) *string) Field[C] {
	f := StringField(name, def, ptr)
	f.Prop.Type, f.Prop.Choices = Enum, choices
	return f
}

// EnumOf is a property that takes one of choices, a Go type whose String is
// what a line writes (a pixel format, a sync policy). Its default is def.
func EnumOf[C any, T interface {
	comparable
	fmt.Stringer
}](name string, def T, choices []T, ptr func(*C) *T) Field[C] {
	names := make([]string, len(choices))
	for i, c := range choices {
		names[i] = c.String()
	}
	var zero T
	var synonyms map[string]string
	if _, ok := any(def).(media.PixelFormat); ok {
		synonyms = pixelFormatSynonyms // I420 is yuv420p wherever a pixel format is chosen
	}
	return Field[C]{Prop: PropSpec{Name: name, Type: Enum, Default: def.String(), Choices: names, Synonyms: synonyms},
		get: func(c *C) any { return (*ptr(c)).String() },
		set: func(c *C, v any) {
			for _, choice := range choices {
				if choice.String() == v.(string) {
					*ptr(c) = choice
				}
			}
		},
		isZero: func(c *C) bool { return *ptr(c) == zero }}
}

// TextField is a property whose Go type T is written as text on a line:
// parse reads it (and is the field's check), format writes it. Its default
// is def, as text; "" means none.
func TextField[C, T any](name, def string, parse func(string) (T, error), format func(T) string, ptr func(*C) *T) Field[C] {
	var zero T
	return Field[C]{Prop: PropSpec{Name: name, Type: String, Default: def,
		Check: func(s string) error { _, err := parse(s); return err }},
		get: func(c *C) any { return format(*ptr(c)) },
		set: func(c *C, v any) {
			if t, err := parse(v.(string)); err == nil {
				*ptr(c) = t
			}
		},
		isZero: func(c *C) bool { return format(*ptr(c)) == format(zero) }}
}

// Defaults returns the config with every field at its default, and the
// fields without one at their zero value.
func (s *ElementSpec[C]) Defaults() C {
	var c C
	for _, f := range s.Fields {
		if f.Prop.Default != "" {
			v, err := f.Prop.parse(f.Prop.Default)
			if err == nil { // Register refuses a spec whose default does not parse
				f.set(&c, v)
			}
		}
	}
	return c
}

// Resolve checks a config written in Go by the rules that a line's values
// meet. A field left at its zero value takes its default when zero is not
// a value it accepts (a rate of 0, an empty pixel format); where zero is a
// value (CRF 0 is lossless, is-live false), it is kept. A field without a
// default that is not required may stay zero: it is unset. The first field
// that is still wrong is the error, a *PropError.
func (s *ElementSpec[C]) Resolve(c C) (C, error) {
	for _, f := range s.Fields {
		if f.isZero(&c) {
			if f.Prop.Default == "" && !f.Prop.Required {
				continue
			}
			if f.Prop.check(f.get(&c)) != nil && f.Prop.Default != "" {
				v, _ := f.Prop.parse(f.Prop.Default)
				f.set(&c, v)
			}
		}
		if err := f.Prop.check(f.get(&c)); err != nil {
			if f.Prop.Required && f.isZero(&c) {
				err = fmt.Errorf("is required: %s", f.Prop.Doc)
			}
			return c, &PropError{Element: s.Name, Prop: f.Prop.Name, Msg: err.Error()}
		}
	}
	return c, nil
}

// Make resolves cfg and makes the element.
func (s *ElementSpec[C]) Make(cfg C) (Element, error) {
	cfg, err := s.Resolve(cfg)
	if err != nil {
		return Element{}, err
	}
	el, err := s.New(cfg)
	if err != nil {
		return Element{}, err
	}
	el.Type = s.Name
	return el, nil
}

// Element is Make for constructors that return no error (the Go DSL's
// TestSrc, H264Enc, ...): an element whose config is refused keeps its caps
// where it can, so that the graph can be built and checked, and fails to
// start with the refusal, which names the property.
func (s *ElementSpec[C]) Element(cfg C) Element {
	cfg, err := s.Resolve(cfg)
	el, nerr := s.New(cfg)
	if nerr != nil {
		el, err = Element{In: Any, Out: Any}, cmp.Or(err, nerr)
	}
	if err != nil {
		el.New = func() (Stage, error) { return nil, err }
		el.drive = func(Stage, func(media.Item)) (driven, error) { return driven{}, err }
		el.invalid = nil
	}
	el.Type = s.Name
	return el
}

// Spec returns the untyped spec for a Registry: properties parsed from a
// line set the fields of a config that starts at the defaults.
func (s *ElementSpec[C]) Spec() Spec {
	props := make([]PropSpec, len(s.Fields))
	for i, f := range s.Fields {
		props[i] = f.Prop
	}
	return Spec{Name: s.Name, Summary: s.Summary, Doc: s.Doc, In: s.In, Out: s.Out, Props: props,
		Make: func(p Props) (Element, error) {
			var c C
			for _, f := range s.Fields {
				if v, ok := p.values[f.Prop.Name]; ok {
					f.set(&c, v)
				}
			}
			return s.Make(c)
		}}
}
