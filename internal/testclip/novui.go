package testclip

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/gopline/gopline/codecs/h264"
)

// MakeRawWithoutVUI writes n frames of the testsrc2 pattern as a raw
// baseline H.264 file named name whose SPS has no VUI, so no frame rate: a
// stream as some cameras and encoders write it, which a reader must time
// by a rate it is given. x264 always writes VUI timing; the SPS is
// rewritten without it.
func MakeRawWithoutVUI(t testing.TB, name string, n, rate int) string {
	t.Helper()
	path := Make(t, name, n, rate, "-c:v", "libx264", "-profile:v", "baseline", "-pix_fmt", "yuv420p")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for _, nal := range bytes.Split(data, []byte{0, 0, 1}) {
		if len(nal) > 0 && nal[0]&0x1f == byte(h264.NALUTypeSPS) {
			nal, err = withoutVUI(bytes.TrimRight(nal, "\x00"))
			if err != nil {
				t.Fatal(err)
			}
		}
		if len(nal) > 0 {
			out = append(append(out, 0, 0, 0, 1), bytes.TrimRight(nal, "\x00")...)
		}
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// withoutVUI returns a baseline SPS NAL unit with its
// vui_parameters_present_flag, the last element before the trailing bits,
// cleared and the VUI dropped.
func withoutVUI(nal []byte) ([]byte, error) {
	rbsp := h264.RemoveEmulationPrevention(nal[1:])
	if len(rbsp) < 4 || rbsp[0] != 66 {
		return nil, fmt.Errorf("testclip: an SPS of profile %v, want baseline (66)", rbsp[:1])
	}
	r := &spsReader{r: h264.NewBitReader(rbsp[3:])}
	r.ue(2)          // seq_parameter_set_id, log2_max_frame_num_minus4
	switch r.ue(1) { // pic_order_cnt_type
	case 0:
		r.ue(1) // log2_max_pic_order_cnt_lsb_minus4
	case 1:
		return nil, errors.New("testclip: an SPS of pic_order_cnt_type 1")
	}
	r.ue(1)  // max_num_ref_frames
	r.flag() // gaps_in_frame_num_value_allowed_flag
	r.ue(2)  // pic_width_in_mbs_minus1, pic_height_in_map_units_minus1
	if !r.flag() {
		r.flag() // mb_adaptive_frame_field_flag
	}
	r.flag() // direct_8x8_inference_flag
	if r.flag() {
		r.ue(4) // frame_crop_*_offset
	}
	if r.err != nil {
		return nil, fmt.Errorf("testclip: SPS: %w", r.err)
	}
	// The bits before vui_parameters_present_flag, the flag (0), the stop
	// bit, zeros to the byte's end.
	at := 24 + len(rbsp[3:])*8 - r.r.BitsLeft()
	out := make([]byte, (at+2+7)/8)
	for i := range at {
		out[i/8] |= rbsp[i/8] & (0x80 >> (i % 8))
	}
	out[(at+1)/8] |= 0x80 >> ((at + 1) % 8)
	return append([]byte{nal[0]}, addEmulationPrevention(out)...), nil
}

// spsReader reads exp-Golomb values and flags, keeping the first error.
type spsReader struct {
	r   *h264.BitReader
	err error
}

// ue reads k values and returns the last.
func (s *spsReader) ue(k int) uint32 {
	var v uint32
	for range k {
		var err error
		if v, err = s.r.ReadUE(); err != nil && s.err == nil {
			s.err = err
		}
	}
	return v
}

func (s *spsReader) flag() bool {
	f, err := s.r.ReadFlag()
	if err != nil && s.err == nil {
		s.err = err
	}
	return f
}

// addEmulationPrevention escapes an RBSP: 0x03 after two zeros before a
// byte of at most 3.
func addEmulationPrevention(rbsp []byte) []byte {
	var out []byte
	zeros := 0
	for _, b := range rbsp {
		if zeros >= 2 && b <= 3 {
			out = append(out, 3)
			zeros = 0
		}
		out = append(out, b)
		if b == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return out
}
