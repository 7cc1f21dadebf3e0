package h264

import "testing"

func TestIsRandomAccessNeedsAnIDRSlice(t *testing.T) {
	tests := []struct {
		name  string
		nalus [][]byte
		want  bool
	}{
		{"nothing", nil, false},
		{"parameter sets and IDR", [][]byte{{0x67}, {0x68}, {0x65, 0x88}}, true},
		{"IDR after AUD and SEI", [][]byte{{0x09, 0xf0}, {0x06, 5}, {0x25, 0xb8}}, true},
		{"non-IDR slice", [][]byte{{0x41, 0x9a}}, false},
		{"parameter sets alone", [][]byte{{0x67}, {0x68}}, false},
		{"empty NAL units", [][]byte{{}, {}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsRandomAccess(tt.nalus); got != tt.want {
				t.Errorf("IsRandomAccess = %t, want %t", got, tt.want)
			}
		})
	}
}
