package ffmpeg

import (
	"bufio"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// hlsPlaylist is what a Reader needs of an HLS playlist to tell a live one
// that stopped growing: its segments' target duration, the media sequence
// numbers of its segments, and whether it has ended. A master playlist
// lists variants instead of segments.
type hlsPlaylist struct {
	// Target is the playlist's #EXT-X-TARGETDURATION, 0 when it gives none.
	Target time.Duration
	// FirstSeq is the media sequence number of the first segment
	// (#EXT-X-MEDIA-SEQUENCE, 0 by default); Segments is their count.
	FirstSeq int64
	Segments int
	// Ended is true for a recording: #EXT-X-ENDLIST, or a VOD playlist.
	Ended bool
	// Variants are the URIs of a master playlist's media playlists
	// (#EXT-X-STREAM-INF), as written.
	Variants []string
}

// LastSeq is the media sequence number of the playlist's last segment,
// FirstSeq-1 when it has none.
func (p hlsPlaylist) LastSeq() int64 { return p.FirstSeq + int64(p.Segments) - 1 }

// Live reports whether the playlist is a live media playlist: one that
// grows until it ends.
func (p hlsPlaylist) Live() bool { return !p.Ended && len(p.Variants) == 0 }

// maxPlaylistBytes bounds the playlist a Reader reads itself: a live
// playlist holds a few segments (a camera's, a few hundred bytes each), an
// event playlist of a day at 2 s segments under a megabyte.
const maxPlaylistBytes = 1 << 20

// parseHLSPlaylist reads an HLS playlist (RFC 8216). It knows only the tags
// hlsPlaylist holds; the others are left to FFmpeg.
func parseHLSPlaylist(text string) (hlsPlaylist, error) {
	var p hlsPlaylist
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 4096), maxPlaylistBytes)
	first, variant := true, false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if first {
			if line != "#EXTM3U" {
				return p, fmt.Errorf("not an HLS playlist: it starts with %.40q, not #EXTM3U", line)
			}
			first = false
			continue
		}
		switch {
		case line == "":
		case strings.HasPrefix(line, "#EXT-X-TARGETDURATION:"):
			secs, err := strconv.ParseFloat(strings.TrimPrefix(line, "#EXT-X-TARGETDURATION:"), 64)
			if err != nil || !(secs > 0 && secs < math.MaxInt32) {
				return p, fmt.Errorf("bad %s", line)
			}
			p.Target = time.Duration(secs * float64(time.Second))
		case strings.HasPrefix(line, "#EXT-X-MEDIA-SEQUENCE:"):
			seq, err := strconv.ParseInt(strings.TrimPrefix(line, "#EXT-X-MEDIA-SEQUENCE:"), 10, 64)
			if err != nil || seq < 0 || seq > math.MaxInt64/2 {
				return p, fmt.Errorf("bad %s", line)
			}
			p.FirstSeq = seq
		case line == "#EXT-X-ENDLIST", line == "#EXT-X-PLAYLIST-TYPE:VOD":
			p.Ended = true
		case strings.HasPrefix(line, "#EXT-X-STREAM-INF:"):
			variant = true
		case strings.HasPrefix(line, "#"):
		case variant:
			p.Variants = append(p.Variants, line)
			variant = false
		default:
			p.Segments++
		}
	}
	if err := sc.Err(); err != nil {
		return p, err
	}
	if first {
		return p, fmt.Errorf("not an HLS playlist: it is empty")
	}
	return p, nil
}
