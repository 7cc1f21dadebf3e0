package h264

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"testing"
)

// Short stand-ins for NAL units of each type.
var (
	testAUD  = []byte{0x09, 0xf0}
	testSPS  = []byte{0x67, 0x42, 0xc0, 0x1e}
	testSPS2 = []byte{0x67, 0x64, 0x00, 0x1f}
	testPPS  = []byte{0x68, 0xce, 0x3c, 0x80}
	testPPS2 = []byte{0x68, 0xeb, 0xe3}
	testSEI  = []byte{0x06, 0x05, 0x80}
	testIDR  = []byte{0x65, 0x88, 0x84}
	testP    = []byte{0x41, 0x9a, 0x02}
)

func TestParamSetsPrependAddsWhatAnIDRLacks(t *testing.T) {
	tests := []struct {
		name     string
		kept     [][]byte // given to Update first
		au, want [][]byte
		err      error
	}{
		{"IDR with both is unchanged",
			[][]byte{testSPS2, testPPS2}, [][]byte{testSPS, testPPS, testIDR}, [][]byte{testSPS, testPPS, testIDR}, nil},
		{"non-IDR is unchanged",
			nil, [][]byte{testAUD, testP}, [][]byte{testAUD, testP}, nil},
		{"IDR lacking both",
			[][]byte{testSPS, testPPS}, [][]byte{testSEI, testIDR}, [][]byte{testSPS, testPPS, testSEI, testIDR}, nil},
		{"IDR lacking both behind an AUD",
			[][]byte{testSPS, testPPS}, [][]byte{testAUD, testSEI, testIDR}, [][]byte{testAUD, testSPS, testPPS, testSEI, testIDR}, nil},
		{"IDR lacking the PPS gets it after its SPS",
			[][]byte{testSPS2, testPPS}, [][]byte{testAUD, testSPS, testSEI, testIDR}, [][]byte{testAUD, testSPS, testPPS, testSEI, testIDR}, nil},
		{"IDR lacking the SPS gets it first",
			[][]byte{testSPS, testPPS2}, [][]byte{testPPS, testIDR}, [][]byte{testSPS, testPPS, testIDR}, nil},
		{"the latest parameter sets are kept",
			[][]byte{testSPS, testPPS, testSPS2, testPPS2}, [][]byte{testIDR}, [][]byte{testSPS2, testPPS2, testIDR}, nil},
		{"IDR with nothing known",
			nil, [][]byte{testIDR}, nil, ErrMissingParameterSets},
		{"IDR lacking the PPS with only an SPS known",
			[][]byte{testSPS}, [][]byte{testSPS, testIDR}, nil, ErrMissingParameterSets},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p ParamSets
			p.Update(tt.kept)
			au := slices.Clone(tt.au)
			got, err := p.Prepend(au)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error = %v, want %v", err, tt.err)
			}
			if !equalNALUs(got, tt.want) {
				t.Errorf("Prepend = % x\nwant % x", got, tt.want)
			}
			if !equalNALUs(au, tt.au) {
				t.Error("Prepend modified its input")
			}
		})
	}
}

func TestParamSetsPrependDoesNotWriteIntoSpareCapacity(t *testing.T) {
	var p ParamSets
	p.Update([][]byte{testSPS, testPPS})
	backing := make([][]byte, 2, 8)
	backing[0], backing[1] = testSEI, testIDR
	spare := backing[:8]
	if _, err := p.Prepend(backing); err != nil {
		t.Fatal(err)
	}
	if spare[2] != nil || !bytes.Equal(spare[0], testSEI) {
		t.Error("Prepend wrote into the input's backing array")
	}
}

func TestParamSetsUpdateCopies(t *testing.T) {
	var p ParamSets
	sps, pps := bytes.Clone(testSPS), bytes.Clone(testPPS)
	p.Update([][]byte{sps, pps, testIDR})
	sps[1], pps[1] = 0, 0
	if !bytes.Equal(p.SPS(), testSPS) || !bytes.Equal(p.PPS(), testPPS) {
		t.Errorf("kept % x and % x changed with the input", p.SPS(), p.PPS())
	}
}

func TestParamSetsHandOutSlicesThatStayValid(t *testing.T) {
	var p ParamSets
	p.Update([][]byte{testSPS, testPPS})
	got, err := p.Prepend([][]byte{testIDR})
	if err != nil {
		t.Fatal(err)
	}
	p.Update([][]byte{testSPS2, testPPS2})
	if !bytes.Equal(got[0], testSPS) || !bytes.Equal(got[1], testPPS) {
		t.Error("an earlier result changed with a later Update")
	}
}

func TestFixAccessUnitReturnsItsInputWhenNothingIsAdded(t *testing.T) {
	var p ParamSets
	for _, au := range [][]byte{
		JoinAnnexB([][]byte{testSPS, testPPS, testIDR}),
		JoinAnnexB([][]byte{testP}),
	} {
		got, err := p.FixAccessUnit(au)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(au) || &got[0] != &au[0] {
			t.Errorf("FixAccessUnit(% x) made a new access unit", au)
		}
	}
}

func TestFixAccessUnitRestoresParameterSetsOfARealStream(t *testing.T) {
	stream, err := os.ReadFile("testdata/x264_320x240_idr.h264")
	if err != nil {
		t.Fatal(err)
	}
	nalus, err := SplitAnnexB(stream)
	if err != nil {
		t.Fatal(err)
	}
	var p ParamSets
	if _, err := p.FixAccessUnit(stream); err != nil {
		t.Fatal(err)
	}
	withoutParamSets := JoinAnnexB(nalus[2:])
	input := bytes.Clone(withoutParamSets)
	fixed, err := p.FixAccessUnit(withoutParamSets)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(withoutParamSets, input) {
		t.Error("FixAccessUnit modified its input")
	}
	got, err := SplitAnnexB(fixed)
	if err != nil {
		t.Fatal(err)
	}
	if !equalNALUs(got, nalus) {
		t.Error("the fixed access unit differs from the original")
	}
}

func TestFixAccessUnitReportsErrors(t *testing.T) {
	var p ParamSets
	if _, err := p.FixAccessUnit(nil); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty access unit: %v, want ErrEmpty", err)
	}
	if _, err := p.FixAccessUnit(JoinAnnexB([][]byte{testIDR})); !errors.Is(err, ErrMissingParameterSets) {
		t.Errorf("IDR before any parameter set: %v, want ErrMissingParameterSets", err)
	}
}

func FuzzParamSets(f *testing.F) {
	stream, err := os.ReadFile("testdata/x264_320x240_idr.h264")
	if err != nil {
		f.Fatal(err)
	}
	nalus, err := SplitAnnexB(stream)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(stream, JoinAnnexB(nalus[2:]))
	f.Add(JoinAnnexB([][]byte{testSPS, testPPS}), JoinAnnexB([][]byte{testAUD, testSPS2, testIDR}))
	f.Add([]byte{}, JoinAnnexB([][]byte{testIDR}))
	f.Add([]byte{0, 0, 1}, []byte{0, 0, 0, 1, 0x65})
	f.Fuzz(func(t *testing.T, first, second []byte) {
		var p ParamSets
		_, _ = p.FixAccessUnit(first) // only there to fill p
		input := bytes.Clone(second)
		out, err := p.FixAccessUnit(second)
		if !bytes.Equal(second, input) {
			t.Fatal("FixAccessUnit modified its input")
		}
		if err != nil {
			if errors.Is(err, ErrMissingParameterSets) {
				au, _ := SplitAnnexB(second)
				if !IsRandomAccess(au) {
					t.Fatal("ErrMissingParameterSets for an access unit without IDR")
				}
			}
			return
		}
		if len(out) == len(second) && (len(out) == 0 || &out[0] == &second[0]) {
			return
		}
		fixed, err := SplitAnnexB(out)
		if err != nil {
			t.Fatalf("splitting a fixed access unit: %v", err)
		}
		au, _ := SplitAnnexB(second)
		if !IsRandomAccess(fixed) || !hasType(fixed, NALUTypeSPS) || !hasType(fixed, NALUTypePPS) {
			t.Fatalf("fixed access unit lacks IDR, SPS or PPS: % x", fixed)
		}
		if len(fixed) <= len(au) || len(fixed) > len(au)+2 {
			t.Fatalf("%d NAL units became %d", len(au), len(fixed))
		}
	})
}

func hasType(nalus [][]byte, typ NALUType) bool {
	return slices.ContainsFunc(nalus, func(nalu []byte) bool { return TypeOf(nalu) == typ })
}

func TestParamSetsPrependKeepsTheNALUnitLimit(t *testing.T) {
	var p ParamSets
	p.Update([][]byte{testSPS, testPPS})
	au := slices.Repeat([][]byte{testIDR}, MaxNALUsPerAccessUnit-1)
	if _, err := p.Prepend(au); !errors.Is(err, ErrTooManyNALUs) {
		t.Errorf("error = %v, want ErrTooManyNALUs", err)
	}
	if got, err := p.Prepend(au[1:]); err != nil || len(got) != MaxNALUsPerAccessUnit {
		t.Errorf("Prepend up to the limit: %d NAL units, %v", len(got), err)
	}
}
