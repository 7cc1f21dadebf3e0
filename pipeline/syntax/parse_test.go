package syntax

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// goodLines are lines that parse, each with its tree in the compact form of
// dump: chains apart by " | ", nodes by " ! ", an element as
// type[name](key="value" ...), a reference as name. .
var goodLines = []struct {
	line, want string
}{
	{`testsrc size=640x480 rate=30 num-frames=300 ! h264enc gop=30 ! publish topic=/camera qos=transient_local`,
		`testsrc(size="640x480" rate="30" num-frames="300") ! h264enc(gop="30") ! publish(topic="/camera" qos="transient_local")`},
	{`subscribe topic=/camera ! gate ! h264dec ! snapshot dir=out every=30`,
		`subscribe(topic="/camera") ! gate ! h264dec ! snapshot(dir="out" every="30")`},
	{`testsrc ! tee name=t ! h264enc ! publish topic=/a   t. ! jpegenc ! fakesink`,
		`testsrc ! tee[t](name="t") ! h264enc ! publish(topic="/a") | t. ! jpegenc ! fakesink`},
	{`videosrc location="/data/my clip.mp4" passthrough=true ! publish topic=/cam`,
		`videosrc(location="/data/my clip.mp4" passthrough="true") ! publish(topic="/cam")`},
	{`fakesrc`, `fakesrc`},
	{`a_b-c2`, `a_b-c2`},
	// Spaces: tabs, runs of spaces, leading and trailing, none around "!".
	{"\t testsrc\t!\th264enc  gop=30 \t ", `testsrc ! h264enc(gop="30")`},
	{`a!b!c`, `a ! b ! c`},
	{`a k=v!b`, `a(k="v") ! b`},
	{"a\u00a0!\u2003b", `a ! b`},
	// Quoting.
	{`x v='a ! b'`, `x(v="a ! b")`},
	{`x v="a ! b"`, `x(v="a ! b")`},
	{`x v="" w=''`, `x(v="" w="")`},
	{`x v="say \"hi\" \\ it's" w='\n stays'`, `x(v="say \"hi\" \\ it's" w="\\n stays")`},
	{`x v="tab\there\nnl\r" w="\'"`, `x(v="tab\there\nnl\r" w="'")`},
	{`x v='he said "hi"'`, `x(v="he said \"hi\"")`},
	{`x v="a"!y`, `x(v="a") ! y`},
	{`osd text="héllo wörld 🤖" font='日本語' mark=✓`, `osd(text="héllo wörld 🤖" font="日本語" mark="✓")`},
	// Bare values keep what they hold, backslashes and "=" included.
	{`x dir=C:\data caps=video/x-raw,width=640 eq==`, `x(dir="C:\\data" caps="video/x-raw,width=640" eq="=")`},
	// A backslash before a space, a "!" or a backslash puts it in a bare
	// value, as gst-launch and a shell read my\ clip.mp4; other
	// backslashes stay.
	{`videosrc location=/tmp/my\ clip.mp4 ! fakesink`, `videosrc(location="/tmp/my clip.mp4") ! fakesink`},
	{`x v=a\ \ b\!c w=C:\data\ x z=\`, `x(v="a  b!c" w="C:\\data x" z="\\")`},
	{`snapshot dir=e\\ every=1 w=a\\\\b u=C:\Users\me\\`, `snapshot(dir="e\\" every="1" w="a\\\\b" u="C:\\Users\\me\\")`},
	{"x v=tab\\\tin ! y", `x(v="tab\tin") ! y`},
	{`x 0k=1 -k=2 _=3`, `x(0k="1" -k="2" _="3")`},
	// References at the start of a chain, at the end, in the middle, with pads.
	{`tee name=t  t. ! a  t.src_1 ! b`, `tee[t](name="t") | t. ! a | t. ! b`},
	{`a ! mux.  b ! mux.  mux name=mux ! sink`, `a ! mux. | b ! mux. | mux[mux](name="mux") ! sink`},
	{`testsrc ! t.  fakesink name=t`, `testsrc ! t. | fakesink[t](name="t")`},
	{`a ! t. ! b  tee name=t`, `a ! t. ! b | tee[t](name="t")`},
	{`tee name=t t. t.`, `tee[t](name="t") | t. | t.`},
	{`a name=x!x.`, `a[x](name="x") ! x.`},
	// A word after an element starts a chain when a "!", a property or a
	// reference follows it.
	{`a ! b  c ! d`, `a ! b | c ! d`},
	{`testsrc ! publish topic=/a  subscribe topic=/a ! fakesink`, `testsrc ! publish(topic="/a") | subscribe(topic="/a") ! fakesink`},
	{`a ! b  tee name=t  t. ! c`, `a ! b | tee[t](name="t") | t. ! c`},
	{`a b c=1`, `a | b(c="1")`},
	{`a name="q"`, `a[q](name="q")`},
	{`a Name=x`, `a(Name="x")`},
}

// badLines are lines that do not parse, with the message and the column of
// the error.
var badLines = []struct {
	line, msg string
	col       int
}{
	{``, `the pipeline is empty: write at least one element`, 1},
	{" \t ", `the pipeline is empty: write at least one element`, 1},
	{`testsrc !`, `expected an element after "!"`, 9},
	{`testsrc ! `, `expected an element after "!"`, 9},
	{`testsrc ! ! fakesink`, `expected an element after "!", not another "!"`, 11},
	{`! testsrc`, `expected an element before "!"`, 1},
	{`!`, `expected an element before "!"`, 1},
	{`h264enc gop`, `property "gop" needs a value: write gop=VALUE`, 9},
	{`testsrc ! h264enc gop 30 ! publish`, `property "gop" needs a value: write gop=VALUE`, 19},
	{`a ! b c d ! e`, `property "c" needs a value: write c=VALUE`, 7},
	{`h264enc gop = 30`, `property "gop" has spaces around "=": write gop=VALUE`, 9},
	{`h264enc gop =30`, `property "gop" has spaces around "=": write gop=VALUE`, 9},
	{`h264enc gop= 30`, `property "gop" needs a value right after "=": write gop=VALUE (or gop="" for an empty value)`, 9},
	{`h264enc gop=`, `property "gop" needs a value right after "=": write gop=VALUE (or gop="" for an empty value)`, 9},
	{`h264enc gop=!x`, `property "gop" needs a value right after "=": write gop=VALUE (or gop="" for an empty value)`, 9},
	{`h264enc =30`, `a property needs a name before "=": write KEY=VALUE`, 9},
	{`a ! =30`, `a property needs a name before "=": write KEY=VALUE`, 5},
	{`videosrc location="/data/clip.mp4`, `unterminated quote: close it with "`, 19},
	{`videosrc location='/data/clip.mp4`, `unterminated quote: close it with '`, 19},
	{`x v="a\"`, `unterminated quote: close it with "`, 5},
	{`x v="a\`, `unterminated quote: close it with "`, 5},
	// An escaped space that takes the next property into the value.
	{`snapshot dir=C:\Users\me\ every=1`, `"\ " in the unquoted value of "dir" is a space, which would take every= into the value: for a value that ends in a backslash, write \\ (dir=C:\Users\me\\) or quote it (dir='C:\Users\me\')`, 25},
	{`x v="C:\data"`, `unknown escape "\d" in double quotes: write \\ for a backslash, or use single quotes, which take no escapes`, 8},
	{`x v="\é"`, `unknown escape "\é" in double quotes: write \\ for a backslash, or use single quotes, which take no escapes`, 6},
	{`x v="a"b`, `unexpected text after the quoted value of "v": put a space after the closing quote`, 8},
	{`x v='a'"b"`, `unexpected text after the quoted value of "v": put a space after the closing quote`, 8},
	{`x v=it's`, `a quote inside the unquoted value of "v": quote the whole value, as in v="..."`, 7},
	{`x v=a"b c"`, `a quote inside the unquoted value of "v": quote the whole value, as in v="..."`, 6},
	{`x "v"`, `unexpected quote: a quoted value goes right after KEY=, as in location="my clip.mp4"`, 3},
	{`x location"v"`, `unexpected quote after "location": write location="..." for a quoted value`, 11},
	{`testsrc ! t. ! fakesink`, `no element is named "t" (name one with name=t)`, 11},
	{`testsrc name=t ! t2.src`, `no element is named "t2" (name one with name=t2)`, 18},
	{`videosrc location=in/a!b.mp4 ! fakesink`, `no element is named "b" (name one with name=b); a "!" inside a value ends it there: ` +
		`quote the value (location="in/a!b.mp4") or write \!`, 24},
	{`videosrc location=rtsp://admin:pa!ss@cam/ ! fakesink`, `unexpected character '@'; a "!" inside a value ends it there: ` +
		`quote the value (location="rtsp://user:pa!ss@host/") or write \! (%21 in a URL)`, 37},
	{`h264enc name=enc ! h264enc name=enc`, `the name "enc" is used twice (first at column 14)`, 33},
	{`é name=a ! b`, `unexpected character 'é': names use only ASCII letters, digits, '-' and '_' (quote values that hold other characters)`, 1},
	{`a name="my tee"`, `"my tee" cannot name an element: a name starts with a letter and holds only letters, digits, '-' and '_'`, 8},
	{`a name=1t`, `"1t" cannot name an element: a name starts with a letter and holds only letters, digits, '-' and '_'`, 8},
	{`a name=""`, `"" cannot name an element: a name starts with a letter and holds only letters, digits, '-' and '_'`, 8},
	{`a gop=1 gop=2`, `property "gop" is set twice on a`, 9},
	{`a name=x name=y`, `property "name" is set twice on a`, 10},
	{`264enc`, `element "264enc" must start with a letter`, 1},
	{`a ! -b`, `element "-b" must start with a letter`, 5},
	{`gop=30 ! x`, `property "gop" comes before any element: write the element first, as in ELEMENT gop=VALUE`, 1},
	{`a ! gop=30`, `expected an element after "!", not the property "gop"`, 5},
	{`tee name=t  t. gop=1`, `property "gop" follows a reference: only elements take properties`, 16},
	{`a ! 1t.`, `"1t." is not a reference: element names start with a letter`, 5},
	{`a ! t.src.x`, `unexpected character '.'`, 10},
	{`a ! .x`, `unexpected character '.'`, 5},
	{`a ! b,c`, `unexpected character ','`, 6},
	{`size:640 ! x`, `unexpected character ':'`, 5},
	{`a ! b` + "\xff", `unexpected byte 0xff (the line is not valid UTF-8)`, 6},
	{`gst-launch-1.0 testsrc num-frames=30 ! fakesink`, `"gst-launch-1.0" is the gst-launch command, not part of a pipeline: give the pipeline alone, without it`, 1},
	{`  gst-launch-1.0 -e -v --gst-debug=3 videosrc location=a.mp4 ! video/x-raw ! fakesink`, `"gst-launch-1.0 -e -v --gst-debug=3" is the gst-launch command, not part of a pipeline: give the pipeline alone, without it`, 3},
	{`gst-launch testsrc`, `"gst-launch" is the gst-launch command, not part of a pipeline: give the pipeline alone, without it`, 1},
	{`gst-launch-1.x testsrc`, `no element is named "gst-launch-1" (name one with name=gst-launch-1)`, 1},
	{`a ! ü`, `unexpected character 'ü': names use only ASCII letters, digits, '-' and '_' (quote values that hold other characters)`, 5},
}

func TestParseGoodLines(t *testing.T) {
	for _, c := range goodLines {
		p, err := Parse(c.line)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.line, err)
			continue
		}
		if got := dump(p); got != c.want {
			t.Errorf("Parse(%q)\n got %s\nwant %s", c.line, got, c.want)
		}
		if p.Line != c.line {
			t.Errorf("Parse(%q).Line = %q", c.line, p.Line)
		}
		checkPositions(t, p)
	}
}

func TestParseBadLines(t *testing.T) {
	for _, c := range badLines {
		p, err := Parse(c.line)
		if err == nil {
			t.Errorf("Parse(%q) = %s, want an error", c.line, dump(p))
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%q) error %T, want *Error", c.line, err)
			continue
		}
		if e.Msg != c.msg || e.Column() != c.col {
			t.Errorf("Parse(%q)\n got %s (column %d)\nwant %s (column %d)", c.line, e.Msg, e.Column(), c.msg, c.col)
		}
		if want := fmt.Sprintf("syntax: %s at column %d", c.msg, c.col); e.Error() != want {
			t.Errorf("Parse(%q).Error() = %q, want %q", c.line, e.Error(), want)
		}
		if e.Line != c.line {
			t.Errorf("Parse(%q): error's Line = %q", c.line, e.Line)
		}
	}
}

func TestParseKeepsPositions(t *testing.T) {
	line := `videosrc location="/data/my clip.mp4"  name=src ! publish topic=/cam  src.out ! fakesink`
	p, err := Parse(line)
	if err != nil {
		t.Fatal(err)
	}
	at := func(pos Pos) string { return line[pos.Offset:pos.End()] }
	src := p.Chains[0].Nodes[0].Element
	if at(src.TypePos) != "videosrc" || src.Name != "src" {
		t.Errorf("element %+v", src)
	}
	loc := src.Props[0]
	if at(loc.KeyPos) != "location" || at(loc.ValuePos) != `"/data/my clip.mp4"` || !loc.Quoted {
		t.Errorf("property %+v", loc)
	}
	if topic := p.Chains[0].Nodes[1].Element.Props[0]; at(topic.ValuePos) != "/cam" || topic.Quoted {
		t.Errorf("property %+v", topic)
	}
	if ref := p.Chains[1].Nodes[0].Ref; at(ref.Pos) != "src.out" || ref.Name != "src" {
		t.Errorf("ref %+v", ref)
	}
}

func TestElementsInOrder(t *testing.T) {
	p, err := Parse(`a ! tee name=t ! b  t. ! c  d x=1`)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range p.Elements() {
		types = append(types, e.Type)
	}
	if got := strings.Join(types, " "); got != "a tee b c d" {
		t.Errorf("Elements() = %s", got)
	}
}

func TestStringIsCanonical(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{"\ttee  name='t' !b\t t.x", "tee name=t ! b  t."},
		{`a v="x y" w='' e="\"\\\n\t\r" z=it\s`, `a v="x y" w="" e="\"\\\n\t\r" z=it\s`},
		{`a v='!' w="'"`, `a v="!" w="'"`},
		{`a v=x\\y w='x\\y' z=C:\d`, `a v=x\y w="x\\\\y" z=C:\d`},
		{`a ! b  c ! d`, `a ! b  c ! d`},
		{`tee name=t t. t.`, `tee name=t  t.  t.`},
	} {
		p, err := Parse(c.line)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.line, err)
			continue
		}
		if got := p.String(); got != c.want {
			t.Errorf("Parse(%q).String()\n got %s\nwant %s", c.line, got, c.want)
		}
	}
}

func TestParseErrorIsTypedNil(t *testing.T) {
	p, err := Parse("a ! b")
	if err != nil || p == nil {
		t.Fatalf("Parse = %v, %v", p, err)
	}
}

// dump renders p compactly for the tables above.
func dump(p *Pipeline) string {
	var b strings.Builder
	for i, c := range p.Chains {
		if i > 0 {
			b.WriteString(" | ")
		}
		for j, n := range c.Nodes {
			if j > 0 {
				b.WriteString(" ! ")
			}
			switch {
			case n.Element != nil && n.Ref != nil:
				b.WriteString("<both>")
			case n.Element != nil:
				e := n.Element
				b.WriteString(e.Type)
				if e.Name != "" {
					fmt.Fprintf(&b, "[%s]", e.Name)
				}
				if len(e.Props) > 0 {
					b.WriteByte('(')
					for k, q := range e.Props {
						if k > 0 {
							b.WriteByte(' ')
						}
						fmt.Fprintf(&b, "%s=%q", q.Key, q.Value)
					}
					b.WriteByte(')')
				}
			case n.Ref != nil:
				b.WriteString(n.Ref.Name + ".")
			default:
				b.WriteString("<none>")
			}
		}
	}
	return b.String()
}

// checkPositions checks that every position of p lies in its line and spells
// what the tree says.
func checkPositions(t *testing.T, p *Pipeline) {
	t.Helper()
	line := p.Line
	in := func(pos Pos) bool { return pos.Offset >= 0 && pos.Len >= 0 && pos.End() <= len(line) }
	for _, c := range p.Chains {
		if len(c.Nodes) == 0 {
			t.Errorf("%q: empty chain", line)
		}
		for _, n := range c.Nodes {
			if (n.Element == nil) == (n.Ref == nil) {
				t.Errorf("%q: node with element %v and ref %v", line, n.Element, n.Ref)
				continue
			}
			if r := n.Ref; r != nil {
				if !in(r.Pos) || !strings.HasPrefix(line[r.Pos.Offset:r.Pos.End()], r.Name+".") {
					t.Errorf("%q: ref %q at %+v", line, r.Name, r.Pos)
				}
				continue
			}
			e := n.Element
			if !in(e.TypePos) || line[e.TypePos.Offset:e.TypePos.End()] != e.Type {
				t.Errorf("%q: element %q at %+v", line, e.Type, e.TypePos)
			}
			for _, q := range e.Props {
				if !in(q.KeyPos) || line[q.KeyPos.Offset:q.KeyPos.End()] != q.Key {
					t.Errorf("%q: key %q at %+v", line, q.Key, q.KeyPos)
				}
				if !in(q.ValuePos) || q.ValuePos.Offset != q.KeyPos.End()+1 {
					t.Errorf("%q: value of %q at %+v", line, q.Key, q.ValuePos)
				} else if v := line[q.ValuePos.Offset:q.ValuePos.End()]; !q.Quoted && !readsBare(v, q.Value) {
					t.Errorf("%q: bare value %q written %q", line, q.Value, v)
				}
			}
		}
	}
}

// readsBare reports whether text, the whole of a bare value as written,
// reads as value: itself, less the backslashes before spaces, "!" and
// backslashes.
func readsBare(text, value string) bool {
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		if text[i] == '\\' {
			if r, _ := utf8.DecodeRuneInString(text[i+1:]); r == '!' || r == '\\' || unicode.IsSpace(r) {
				i++ // the escaped character is taken as it is
			}
		}
		b.WriteByte(text[i])
	}
	return b.String() == value
}

// Value writes a property's value so that a line reads it back: bare
// when it can be.
func TestValueReadsBack(t *testing.T) {
	for _, c := range []struct{ v, want string }{
		{"clip.mp4", "clip.mp4"},
		{"my clip.mp4", `"my clip.mp4"`},
		{`a"b!c`, `"a\"b!c"`},
		{"", `""`},
	} {
		got := Value(c.v)
		if got != c.want {
			t.Errorf("Value(%q) = %s, want %s", c.v, got, c.want)
		}
		p, err := Parse("videosrc location=" + got)
		if err != nil || len(p.Elements()) != 1 || p.Elements()[0].Props[0].Value != c.v {
			t.Errorf("videosrc location=%s: %v, or another value read back", got, err)
		}
	}
}
