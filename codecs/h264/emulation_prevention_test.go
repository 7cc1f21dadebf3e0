package h264

import (
	"bytes"
	"testing"
)

// emulationPreventionCases are NAL unit payloads and their RBSPs. The same
// table checks RemoveEmulationPrevention and seeds its fuzz test.
var emulationPreventionCases = []struct {
	name    string
	payload []byte
	rbsp    []byte
}{
	{"nothing to remove", []byte{0x64, 0x00, 0x1f, 0xac}, []byte{0x64, 0x00, 0x1f, 0xac}},
	{"empty", []byte{}, []byte{}},
	{"protects 00 00 00", []byte{0, 0, 3, 0}, []byte{0, 0, 0}},
	{"protects 00 00 01", []byte{0x10, 0, 0, 3, 1, 0x20}, []byte{0x10, 0, 0, 1, 0x20}},
	{"protects 00 00 03 itself", []byte{0, 0, 3, 3, 0xc0}, []byte{0, 0, 3, 0xc0}},
	{"two in a row", []byte{0, 0, 3, 0, 0, 3, 0}, []byte{0, 0, 0, 0, 0}},
	{"after a preceding run of zeros", []byte{0x10, 0, 0, 3, 0, 0x10, 0, 0, 3, 3, 0xc0}, []byte{0x10, 0, 0, 0, 0x10, 0, 0, 3, 0xc0}},
	{"at the very end, after cabac_zero_words", []byte{0x80, 0, 0, 3}, []byte{0x80, 0, 0}},
	{"03 after one zero is data", []byte{0, 3, 0, 3}, []byte{0, 3, 0, 3}},
}

func TestRemoveEmulationPreventionDropsEachThreeByte(t *testing.T) {
	for _, tt := range emulationPreventionCases {
		t.Run(tt.name, func(t *testing.T) {
			input := bytes.Clone(tt.payload)
			got := RemoveEmulationPrevention(input)
			if !bytes.Equal(got, tt.rbsp) {
				t.Errorf("RemoveEmulationPrevention(% x) = % x, want % x", tt.payload, got, tt.rbsp)
			}
			if !bytes.Equal(input, tt.payload) {
				t.Errorf("input modified: % x", input)
			}
		})
	}
}

func TestRemoveEmulationPreventionReturnsItsInputWhenNothingToRemove(t *testing.T) {
	payload := []byte{0x64, 0x00, 0x1f, 0xac, 0xd9}
	got := RemoveEmulationPrevention(payload)
	if &got[0] != &payload[0] {
		t.Error("a copy was made although there was nothing to remove")
	}
}

func TestRemoveEmulationPreventionUndoesInsertion(t *testing.T) {
	rbsps := [][]byte{
		{0, 0, 0, 0, 0, 0},
		{0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 4},
		{0x67, 0, 0, 0, 1, 0, 0},
		bytes.Repeat([]byte{0, 0, 3}, 10),
	}
	for _, rbsp := range rbsps {
		payload := addEmulationPrevention(rbsp)
		if got := RemoveEmulationPrevention(payload); !bytes.Equal(got, rbsp) {
			t.Errorf("remove(add(% x)) = % x", rbsp, got)
		}
	}
}

func FuzzRemoveEmulationPrevention(f *testing.F) {
	for _, tc := range emulationPreventionCases {
		f.Add(tc.payload)
		f.Add(tc.rbsp)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		input := bytes.Clone(payload)
		rbsp := RemoveEmulationPrevention(payload)
		if !bytes.Equal(payload, input) {
			t.Fatal("RemoveEmulationPrevention modified its input")
		}
		removed := len(payload) - len(rbsp)
		if hasThreeByte := bytes.Contains(payload, []byte{0, 0, 3}); removed < 0 || hasThreeByte != (removed > 0) {
			t.Fatalf("% x: %d bytes removed", payload, removed)
		}
		if removed == 0 && len(rbsp) > 0 && &rbsp[0] != &payload[0] {
			t.Fatal("a copy was made although there was nothing to remove")
		}
		// Only bytes of 03 are dropped, and each needs two zeros before it.
		if !bytes.Equal(withoutThrees(rbsp), withoutThrees(payload)) || 3*removed > len(payload) {
			t.Fatalf("RemoveEmulationPrevention(% x) = % x", payload, rbsp)
		}
		// Any byte sequence is a possible RBSP: adding emulation prevention
		// and removing it again gives it back.
		if got := RemoveEmulationPrevention(addEmulationPrevention(payload)); !bytes.Equal(got, payload) {
			t.Fatalf("remove(add(% x)) = % x", payload, got)
		}
	})
}

func withoutThrees(b []byte) []byte {
	return bytes.ReplaceAll(b, []byte{3}, nil)
}
