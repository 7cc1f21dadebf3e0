package mcapimport

import (
	"fmt"
	"strconv"
	"strings"
)

// A ROS message definition as an MCAP file holds it (schema encodings
// "ros2msg" and "ros1msg"): the message's fields, then each type it uses
// after a line of '=' and "MSG: pkg/Type". Only what decoding needs is kept:
// each field's type and name in order; constants and comments are left out.

// rosField is one field of a message definition.
type rosField struct {
	name string
	typ  string // a primitive ("uint8", "string", "time") or a message type
	// array is -1 for a scalar, 0 for a sequence (T[] or T[<=N]) and N for
	// a fixed array (T[N]).
	array int
}

// rosDefinitions holds a message type's definition and those of the types
// it uses, each by the name its MSG line gives without /msg/; every
// field's message type names its key here (resolve).
type rosDefinitions struct {
	top   []rosField
	types map[string][]rosField
}

// maxFieldsPerDefinition bounds a schema's fields, all types together.
const maxFieldsPerDefinition = 10000

// parseROSDefinitions reads the text of the ros1msg or ros2msg schema of
// the type called name.
func parseROSDefinitions(name, text string) (*rosDefinitions, error) {
	defs := &rosDefinitions{types: map[string][]rosField{}}
	current, top, open := "", true, true // the type whose fields follow
	fields := 0
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "==="):
			top, open = false, false
			continue
		case strings.HasPrefix(line, "MSG:"):
			current, top, open = strings.TrimSpace(line[len("MSG:"):]), false, true
			if _, ok := defs.types[current]; !ok {
				defs.types[current] = nil
			}
			continue
		}
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		if !open {
			return nil, fmt.Errorf("line %d: a field before the MSG line that names its type", n+1)
		}
		f, constant, err := parseROSField(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		if constant {
			continue
		}
		if fields++; fields > maxFieldsPerDefinition {
			return nil, fmt.Errorf("more than %d fields", maxFieldsPerDefinition)
		}
		if top {
			defs.top = append(defs.top, f)
		} else {
			defs.types[current] = append(defs.types[current], f)
		}
	}
	defs.resolve(name)
	return defs, nil
}

// parseROSField reads a line "TYPE NAME", "TYPE NAME DEFAULT" or, for a
// constant, "TYPE NAME=VALUE".
func parseROSField(line string) (f rosField, constant bool, err error) {
	parts := strings.Fields(line)
	if len(parts) < 2 {
		return f, false, fmt.Errorf("%q is not a field (TYPE NAME)", line)
	}
	if strings.Contains(parts[1], "=") || (len(parts) > 2 && strings.HasPrefix(parts[2], "=")) {
		return f, true, nil
	}
	f.name, f.typ, f.array = parts[1], parts[0], -1
	if i := strings.IndexByte(f.typ, '['); i >= 0 {
		if !strings.HasSuffix(f.typ, "]") {
			return f, false, fmt.Errorf("type %q: an array without its ]", f.typ)
		}
		size := f.typ[i+1 : len(f.typ)-1]
		f.typ = f.typ[:i]
		switch {
		case size == "" || strings.HasPrefix(size, "<="):
			f.array = 0
		default:
			n, err := strconv.Atoi(size)
			if err != nil || n < 0 || n > maxFixedArray {
				return f, false, fmt.Errorf("type %q: array size %q", parts[0], size)
			}
			f.array = n
		}
	}
	if i := strings.Index(f.typ, "<="); i >= 0 { // a bounded string: string<=10
		f.typ = f.typ[:i]
	}
	if f.typ == "" {
		return f, false, fmt.Errorf("%q has no type", line)
	}
	return f, false, nil
}

// maxFixedArray bounds a fixed array's declared length.
const maxFixedArray = 1 << 20

// resolve names every field's message type by the key its definition
// has in d.types, once, so that decoding looks types up by key alone: a
// type may leave out its package when it is its user's own (and ROS 1's
// Header is std_msgs/Header), ROS 2 names may or may not have /msg/ (keys
// have none), and builtin_interfaces' Time and Duration need no
// definition. A type with no definition keeps its name, and decoding a
// message that holds it fails saying so.
func (d *rosDefinitions) resolve(top string) {
	keyed := make(map[string][]rosField, len(d.types))
	for name, fields := range d.types {
		keyed[strings.Replace(name, "/msg/", "/", 1)] = fields
	}
	d.types = keyed
	fix := func(fields []rosField, owner string) {
		for i, f := range fields {
			if f.typ == "string" || f.typ == "wstring" || primitiveSize(f.typ) > 0 {
				continue
			}
			if key, ok := d.key(f.typ, owner); ok {
				fields[i].typ = key
			}
		}
	}
	fix(d.top, top)
	for name, fields := range d.types {
		fix(fields, name)
	}
}

// key returns the key in d.types of the type name as the type owner uses
// it, adding a well-known type's definition when the schema has none.
func (d *rosDefinitions) key(name, owner string) (string, bool) {
	name = strings.Replace(name, "/msg/", "/", 1)
	candidates := []string{name}
	if !strings.Contains(name, "/") {
		candidates = nil
		if pkg, _, ok := strings.Cut(owner, "/"); ok {
			candidates = append(candidates, pkg+"/"+name)
		}
		if name == "Header" {
			candidates = append(candidates, "std_msgs/Header")
		}
		candidates = append(candidates, name)
	}
	for _, c := range candidates {
		if _, ok := d.types[c]; ok {
			return c, true
		}
	}
	if fields, ok := wellKnownTypes[name]; ok {
		d.types[name] = fields
		return name, true
	}
	return "", false
}

// wellKnownTypes are the types a schema may use without defining them.
var wellKnownTypes = map[string][]rosField{
	"builtin_interfaces/Time":     {{name: "sec", typ: "int32", array: -1}, {name: "nanosec", typ: "uint32", array: -1}},
	"builtin_interfaces/Duration": {{name: "sec", typ: "int32", array: -1}, {name: "nanosec", typ: "uint32", array: -1}},
}
