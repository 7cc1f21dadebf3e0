package ffmpeg

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gopline/gopline/internal/testclip"
)

// An MPEG-TS file cut short (a camera's or dashcam's recording stopped by a
// power loss, a copy not finished) reads to the cut: the demuxer gives what
// it held of the last picture, which the decoder refuses, and that picture
// (with the B-frames the decoder dropped for it) is counted cut short by
// the end, not as damage. A picture the decoder refuses inside the file is
// damage, as before.
func TestAnMPEGTSCutShortCountsItsLastPictureTruncated(t *testing.T) {
	for _, bf := range []string{"0", "2"} {
		clip := testclip.Make(t, "whole.ts", 75, 25, "-c:v", "libx264", "-bf", bf, "-g", "25", "-pix_fmt", "yuv420p")
		whole, err := os.ReadFile(clip)
		if err != nil {
			t.Fatal(err)
		}
		// Cut anywhere: some cuts fall between pictures, or leave the
		// last one whole enough to decode; the others cut one.
		cutShort := 0
		for at := len(whole) / 5; at < len(whole)*4/5; at += 2500 {
			cut := filepath.Join(t.TempDir(), "cut.ts")
			if err := os.WriteFile(cut, whole[:at], 0o644); err != nil {
				t.Fatal(err)
			}
			r := mustReader(t, cut)
			frames := readAllFrames(t, r)
			st := r.Stats()
			if len(frames) < 10 || st.Damage() != st.Truncated || st.Truncated > 3 {
				t.Errorf("-bf %s cut at byte %d: %d pictures, %s; want those before the cut, and only the cut counted, cut short by the end", bf, at, len(frames), st)
			}
			if st.Truncated > 0 {
				cutShort++
			}
		}
		if cutShort == 0 {
			t.Errorf("-bf %s: no cut counted a picture cut short", bf)
		}

		// Garbage in the payloads of packets a third of the way in that
		// go on a PES begun before them (their headers, and the PES
		// headers, kept), so that the demuxer reads on and the decoder
		// gets the garbage.
		for at := len(whole) / 3 / 188 * 188; at < len(whole)/3/188*188+188*20; at += 188 {
			if whole[at] != 0x47 || whole[at+1]&0x40 != 0 || whole[at+3]&0x20 != 0 {
				continue // not a packet of payload only that goes on a PES
			}
			for i := at + 4; i < at+188; i++ {
				whole[i] = byte(i * 7)
			}
		}
		damaged := filepath.Join(t.TempDir(), "damaged.ts")
		if err := os.WriteFile(damaged, whole, 0o644); err != nil {
			t.Fatal(err)
		}
		r := mustReader(t, damaged)
		readAllFrames(t, r)
		if st := r.Stats(); st.Undecodable+st.Damaged == 0 || st.Truncated != 0 {
			t.Errorf("-bf %s damaged inside: %s; want damage counted, nothing cut short", bf, st)
		}
	}
}
