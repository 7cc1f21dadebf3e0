package h264

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// slicedStream is three pictures of x264enc tune=zerolatency at 160x120,
// each in two slices: AUD SPS PPS SEI IDR IDR, then AUD P P twice.
type slicedStream struct {
	aud, sps, pps, sei, idr0, idr1 []byte
	p0, p1                         []byte // the first P picture's slices
	all                            [][]byte
}

func loadSlicedStream(t testing.TB) slicedStream {
	t.Helper()
	b, err := os.ReadFile("testdata/x264_160x120_slices.h264")
	if err != nil {
		t.Fatal(err)
	}
	n, err := SplitAnnexB(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []NALUType{NALUTypeAUD, NALUTypeSPS, NALUTypePPS, NALUTypeSEI, NALUTypeIDR, NALUTypeIDR,
		NALUTypeAUD, NALUTypeNonIDR, NALUTypeNonIDR}
	for i, typ := range want {
		if TypeOf(n[i]) != typ {
			t.Fatalf("NAL unit %d is %v, want %v", i, TypeOf(n[i]), typ)
		}
	}
	return slicedStream{aud: n[0], sps: n[1], pps: n[2], sei: n[3], idr0: n[4], idr1: n[5], p0: n[7], p1: n[8], all: n}
}

// cut returns the keyframe of s as rtph264pay config-interval=-1 sends it
// and FFmpeg's parser cuts it: the payloader's parameter sets in front of
// each IDR slice, besides the encoder's own.
func (s slicedStream) cut() (top, bottom [][]byte) {
	return [][]byte{s.aud, s.sps, s.pps, s.sei, s.sps, s.pps, s.idr0}, [][]byte{s.sps, s.pps, s.idr1}
}

func (s slicedStream) sets(t testing.TB) *ParamSetTable {
	var sets ParamSetTable
	if err := sets.Update([][]byte{s.sps, s.pps}); err != nil {
		t.Fatal(err)
	}
	return &sets
}

func TestContinuesPictureTellsACutPictureFromTheNextAccessUnit(t *testing.T) {
	s := loadSlicedStream(t)
	top, bottom := s.cut()
	otherSPS := bytes.Clone(s.sps)
	otherSPS[len(otherSPS)-1] ^= 0x40
	cases := []struct {
		name     string
		au, next [][]byte
		want     bool
	}{
		{"bottom half after the top half", top, bottom, true},
		{"bottom slice alone", top, [][]byte{s.idr1}, true},
		{"second P slice after the first", [][]byte{s.aud, s.p0}, [][]byte{s.p1}, true},
		{"the next picture, with its delimiter", top, [][]byte{s.aud, s.p0, s.p1}, false},
		{"the next picture's first slice", [][]byte{s.aud, s.sps, s.pps, s.idr0, s.idr1}, [][]byte{s.p0}, false},
		{"a slice of another picture", top, [][]byte{s.p1}, false},
		{"a slice that does not come after", [][]byte{s.idr1}, bottom, false},
		{"the top half again: a new keyframe", top, top, false},
		{"parameter sets that changed", top, [][]byte{otherSPS, s.pps, s.idr1}, false},
		{"parameter sets without a slice", top, [][]byte{s.sps, s.pps}, false},
		{"SEI before the slice", top, [][]byte{s.sei, s.idr1}, false},
		{"an access unit without a slice", [][]byte{s.aud, s.sps, s.pps}, bottom, false},
		{"nothing", top, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			au, next := slices.Clone(c.au), slices.Clone(c.next)
			if got := ContinuesPicture(c.au, c.next, s.sets(t)); got != c.want {
				t.Errorf("ContinuesPicture = %v, want %v", got, c.want)
			}
			if !slices.EqualFunc(au, c.au, bytes.Equal) || !slices.EqualFunc(next, c.next, bytes.Equal) {
				t.Error("ContinuesPicture modified its input")
			}
		})
	}
}

func TestContinuesPictureNeedsTheParameterSetsToReadSlices(t *testing.T) {
	s := loadSlicedStream(t)
	top, bottom := s.cut()
	if ContinuesPicture(top, bottom, &ParamSetTable{}) {
		t.Error("a continuation without the parameter sets its slices name")
	}
}

func TestJoinPictureMakesOneAccessUnitWithParameterSetsOnce(t *testing.T) {
	s := loadSlicedStream(t)
	top, bottom := s.cut()
	got := JoinPicture(top, bottom)
	want := [][]byte{s.aud, s.sps, s.pps, s.sei, s.idr0, s.idr1}
	if !slices.EqualFunc(got, want, bytes.Equal) {
		t.Errorf("joined %v, want %v", types(got), types(want))
	}
	if len(top) != 7 || len(bottom) != 3 || TypeOf(top[4]) != NALUTypeSPS {
		t.Error("JoinPicture modified its input")
	}
}

func TestDropRepeatedParamSets(t *testing.T) {
	s := loadSlicedStream(t)
	otherPPS := bytes.Clone(s.pps)
	otherPPS[len(otherPPS)-1] ^= 0x40
	cases := []struct {
		name     string
		au, want [][]byte
	}{
		{"twice in front of the IDR", [][]byte{s.aud, s.sps, s.pps, s.sps, s.pps, s.idr0},
			[][]byte{s.aud, s.sps, s.pps, s.idr0}},
		{"once", [][]byte{s.aud, s.sps, s.pps, s.idr0}, [][]byte{s.aud, s.sps, s.pps, s.idr0}},
		{"another PPS is kept", [][]byte{s.sps, s.pps, otherPPS, s.idr0}, [][]byte{s.sps, s.pps, otherPPS, s.idr0}},
		{"repeated slices are no parameter sets", [][]byte{s.p0, s.p0}, [][]byte{s.p0, s.p0}},
		{"nothing", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := slices.Clone(c.au)
			got := DropRepeatedParamSets(c.au)
			if !slices.EqualFunc(got, c.want, bytes.Equal) {
				t.Errorf("got %v, want %v", types(got), types(c.want))
			}
			if !slices.EqualFunc(in, c.au, bytes.Equal) {
				t.Error("DropRepeatedParamSets modified its input")
			}
		})
	}
}

func types(nalus [][]byte) []NALUType {
	var ts []NALUType
	for _, n := range nalus {
		ts = append(ts, TypeOf(n))
	}
	return ts
}

// FFmpeg decodes a cut keyframe joined again as one whole picture: the
// cut halves would each be a picture with the other half missing.
func TestJoinedPictureDecodesWithFFmpeg(t *testing.T) {
	ffmpeg, _ := lookFFmpeg(t)
	s := loadSlicedStream(t)
	top, bottom := s.cut()
	au := JoinPicture(top, bottom)
	path := filepath.Join(t.TempDir(), "joined.h264")
	stream := append(JoinAnnexB(au), JoinAnnexB(s.all[6:])...)
	if err := os.WriteFile(path, stream, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(ffmpeg, "-v", "error", "-xerror", "-err_detect", "explode", "-i", path,
		"-f", "framemd5", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "\n0,"); n != 3 {
		t.Fatalf("%d pictures decoded, want 3:\n%s", n, out)
	}
}

func FuzzContinuesPicture(f *testing.F) {
	s := loadSlicedStream(f)
	top, bottom := s.cut()
	f.Add(JoinAnnexB(top), JoinAnnexB(bottom))
	f.Add(JoinAnnexB(top), JoinAnnexB([][]byte{s.aud, s.p0, s.p1}))
	f.Add(JoinAnnexB([][]byte{s.sps, s.pps, s.p0}), JoinAnnexB([][]byte{s.p1}))
	f.Add([]byte{0, 0, 1, 0x65}, []byte{0, 0, 1, 0x65, 0x80})
	f.Fuzz(func(t *testing.T, first, second []byte) {
		au, err1 := SplitAnnexB(first)
		next, err2 := SplitAnnexB(second)
		if err1 != nil || err2 != nil {
			return
		}
		var sets ParamSetTable
		_ = sets.Update(au)
		_ = sets.Update(next)
		in1, in2 := bytes.Clone(first), bytes.Clone(second)
		cont := ContinuesPicture(au, next, &sets)
		joined := JoinPicture(au, next)
		if !bytes.Equal(first, in1) || !bytes.Equal(second, in2) {
			t.Fatal("input modified")
		}
		if !cont {
			return
		}
		if len(joined) > len(au)+len(next) || len(joined) > MaxNALUsPerAccessUnit {
			t.Fatalf("%d and %d NAL units joined into %d", len(au), len(next), len(joined))
		}
		if hasType(next, NALUTypeAUD) || !hasSlice(au) || !hasSlice(next) {
			t.Fatalf("a continuation with a delimiter or without slices: %v after %v", types(next), types(au))
		}
		if slices.ContainsFunc(joined[len(DropRepeatedParamSets(au)):], isParamSet) {
			t.Fatalf("the continuation's parameter sets were kept: %v", types(joined))
		}
	})
}

func isParamSet(n []byte) bool { return TypeOf(n) == NALUTypeSPS || TypeOf(n) == NALUTypePPS }
