package bytesize

import (
	"errors"
	"testing"
)

func TestParseReadsUnitsInAnyCase(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "1048576": 1048576, "12b": 12, "64MiB": 64 << 20, "64mib": 64 << 20, " 2 GiB ": 2 << 30,
		"500KB": 500e3, "500kb": 500e3, "3MB": 3e6, "1KiB": 1024, "500K": 500e3, "500k": 500e3, "64M": 64e6, "2g": 2e9, "9223372036854775807": 1<<63 - 1,
	} {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func TestParseRefusesWhatIsNotACount(t *testing.T) {
	for _, in := range []string{"", "-1", "MiB", "1.5MiB", "ten", "1TB", "0x10", "-9223372036854775809"} {
		if got, err := Parse(in); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) = %d, %v; want ErrSyntax", in, got, err)
		}
	}
	for _, in := range []string{"9999999999GiB", "9223372036854775808"} {
		if got, err := Parse(in); !errors.Is(err, ErrTooLarge) {
			t.Errorf("Parse(%q) = %d, %v; want ErrTooLarge", in, got, err)
		}
	}
}

func TestFormatIsReadBack(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 1000: "1000", 1024: "1KiB", 64 << 20: "64MiB", 3 << 30: "3GiB", 1<<20 + 1: "1048577"} {
		got := Format(n)
		if got != want {
			t.Errorf("Format(%d) = %q, want %q", n, got, want)
		}
		if back, err := Parse(got); err != nil || back != n {
			t.Errorf("Parse(Format(%d)) = %d, %v", n, back, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"64MiB", "1048576", "500kb", "-1", "1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("Parse(%q) = %d", s, n)
		}
		if back, err := Parse(Format(n)); err != nil || back != n {
			t.Fatalf("Parse(Format(%d)) = %d, %v", n, back, err)
		}
	})
}
