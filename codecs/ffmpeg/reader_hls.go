package ffmpeg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// ErrPlaylistStalled means a live HLS playlist stopped growing: no new
// segment came for about the I/O timeout plus hlsStallTargets target
// durations (a camera that stopped, a server that froze), or a playlist
// opened again has no segment after the last one read before. Opening it
// again later may find the camera back.
var ErrPlaylistStalled = errors.New("ffmpeg: live playlist stopped growing")

// hlsStallTargets is how many target durations a live playlist may stay
// unchanged, beyond the I/O timeout, before it counts as stalled: a server
// publishes a segment once per target duration, a little late at times.
const hlsStallTargets = 3

// hlsAssumedTarget is the target duration of a live playlist that states
// none (RFC 8216 requires one): its recommended segment length.
const hlsAssumedTarget = 6 * time.Second

// liveHLS is what a Reader of a live HLS playlist keeps of it: the media
// playlist's URL, its target duration, and the media sequence number of
// its last segment as last seen.
type liveHLS struct {
	url     string
	target  time.Duration
	lastSeq int64
}

// WithPlaylistResume tells the Reader of a live HLS playlist that a Reader
// before it (the same source, before a reconnect) read the segments up to
// media sequence number seq: it starts at the segment after (FFmpeg's
// live_start_index), and fails to open with ErrPlaylistStalled while the
// playlist still ends at seq, rather than hand on its last segments again
// as if the camera were back. A playlist whose numbers restarted (its last
// segment before seq: a server that restarted) is read from FFmpeg's
// start. Other inputs ignore it.
func WithPlaylistResume(seq int64) ReaderOption {
	return func(c *readerConfig) error { c.resume, c.resumeSet = seq, true; return nil }
}

// PlaylistEnd returns the media sequence number of the last segment of the
// live HLS playlist the Reader read, as last seen (at its opening, or when
// it stalled), for WithPlaylistResume; false for other inputs.
func (r *Reader) PlaylistEnd() (int64, bool) {
	if r.hls == nil {
		return 0, false
	}
	return r.hls.lastSeq, true
}

// isHLS reports whether an input is an HLS playlist: the hls input format,
// or a URL or path ending in .m3u8 when the format is probed.
func isHLS(location, inputFormat string) bool {
	if inputFormat != "" {
		return inputFormat == "hls"
	}
	path := location
	if u, err := url.Parse(location); err == nil && u.Scheme != "" {
		path = u.Path
	}
	return strings.HasSuffix(strings.ToLower(path), ".m3u8")
}

// hlsOptions returns the input's options with those that make a live HLS
// playlist that stopped growing fail (see holdCounters), and that start a
// resumed one after its last segment read (WithPlaylistResume), where the
// caller did not give them. Other inputs, and recordings (VOD playlists),
// keep theirs. A playlist the Reader cannot read itself keeps FFmpeg's
// defaults, with a line in the log.
func (r *Reader) hlsOptions(options map[string]string) (map[string]string, error) {
	if !isHLS(r.url, r.cfg.inputFormat) {
		return options, nil
	}
	r.playlistHeader = playlistHeader(options)
	p, media, err := r.readPlaylist(r.url)
	if err != nil {
		if log := r.logger(); log != nil {
			log.Info().Err(err).Str("location", r.shown).Msg("cannot read the HLS playlist to watch it for a stop; FFmpeg's defaults apply")
		}
		return options, nil
	}
	if !p.Live() {
		return options, nil
	}
	r.hls = &liveHLS{url: media, target: p.Target, lastSeq: p.LastSeq()}
	options = maps.Clone(options)
	if options == nil {
		options = map[string]string{}
	}
	if r.cfg.resumeSet && p.LastSeq() == r.cfg.resume {
		return nil, fmt.Errorf("%w %q: %w: its last segment is still #%d, the last one read",
			ErrOpen, r.shown, ErrPlaylistStalled, r.cfg.resume)
	}
	if r.cfg.resumeSet && p.LastSeq() > r.cfg.resume && options["live_start_index"] == "" {
		options["live_start_index"] = strconv.FormatInt(max(r.cfg.resume+1-p.FirstSeq, 0), 10)
	}
	if n := holdCounters(r.cfg.ioTimeout, p.Target); n > 0 && options["m3u8_hold_counters"] == "" {
		options["m3u8_hold_counters"] = strconv.Itoa(n)
	}
	return options, nil
}

// holdCounters is FFmpeg's m3u8_hold_counters for a live playlist of
// target duration target: how many times it reloads the playlist without
// a new segment before it ends the stream. Its first reload comes a
// segment after the last one was read, the next ones half a target
// duration apart, so n reloads take target + (n-1)*target/2: n is chosen
// to make that timeout plus hlsStallTargets target durations. 0 (FFmpeg's
// default: 1000 reloads) when the timeout is 0, which waits for ever.
func holdCounters(timeout, target time.Duration) int {
	if timeout <= 0 {
		return 0
	}
	if target <= 0 {
		target = hlsAssumedTarget
	}
	return int((2*timeout+target-1)/target) + 2*hlsStallTargets - 1
}

// stalled returns the error that ends a live HLS playlist whose stream
// FFmpeg ended: ErrPlaylistStalled, with the last segment read, unless the
// playlist has ended since (#EXT-X-ENDLIST: the camera's stream is over),
// io.EOF then.
func (r *Reader) stalled() error {
	p, _, err := r.readPlaylist(r.hls.url)
	if err == nil && !p.Live() {
		return io.EOF
	}
	if err == nil {
		r.hls.lastSeq = p.LastSeq()
	}
	target := r.hls.target
	if target <= 0 {
		target = hlsAssumedTarget
	}
	return fmt.Errorf("%w: %q has had no new segment after #%d for about %v (timeout %v + %d target durations of %v)",
		ErrPlaylistStalled, r.shown, r.hls.lastSeq, r.cfg.ioTimeout+hlsStallTargets*target, r.cfg.ioTimeout, hlsStallTargets, target)
}

// readPlaylist reads the HLS playlist at location and, for a master
// playlist, its first variant's: the media playlist and its URL.
func (r *Reader) readPlaylist(location string) (hlsPlaylist, string, error) {
	p, err := r.fetchPlaylist(location)
	if err != nil || len(p.Variants) == 0 {
		return p, location, err
	}
	media := p.Variants[0]
	if base, err := url.Parse(location); err == nil {
		if ref, err := url.Parse(media); err == nil {
			media = base.ResolveReference(ref).String()
		}
	}
	p, err = r.fetchPlaylist(media)
	if err == nil && len(p.Variants) > 0 {
		err = fmt.Errorf("the variant %q is a master playlist too", media)
	}
	return p, media, err
}

// fetchPlaylist reads and parses the playlist at location: an http(s)
// URL, read within the I/O timeout and until the stop of WithStop, or a
// file.
func (r *Reader) fetchPlaylist(location string) (hlsPlaylist, error) {
	text, err := r.playlistText(location)
	if err != nil {
		return hlsPlaylist{}, err
	}
	return parseHLSPlaylist(text)
}

func (r *Reader) playlistText(location string) (string, error) {
	u, err := url.Parse(location)
	if err != nil || u.Scheme == "" || u.Scheme == "file" {
		path := location
		if err == nil && u.Scheme == "file" {
			path = u.Path
		}
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		defer f.Close()
		return readBounded(f)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("a playlist over %s", u.Scheme)
	}
	ctx, cancel := r.playlistContext()
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, location, nil)
	if err != nil {
		return "", err
	}
	for name, values := range r.playlistHeader {
		req.Header[name] = values
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", location, resp.Status)
	}
	return readBounded(resp.Body)
}

// playlistContext is the context of a playlist's request: done at the end
// of the I/O timeout, or when the stop of WithStop closes.
func (r *Reader) playlistContext() (context.Context, context.CancelFunc) {
	parent, cancelParent := context.WithCancel(context.Background())
	ctx, cancel := parent, context.CancelFunc(func() {})
	if r.cfg.ioTimeout > 0 {
		ctx, cancel = context.WithTimeout(parent, r.cfg.ioTimeout)
	}
	if r.cfg.stop != nil {
		go func() {
			select {
			case <-r.cfg.stop:
				cancelParent()
			case <-ctx.Done():
			}
		}()
	}
	return ctx, func() { cancel(); cancelParent() }
}

// readBounded reads a playlist of at most maxPlaylistBytes.
func readBounded(rd io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(rd, maxPlaylistBytes+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxPlaylistBytes {
		return "", fmt.Errorf("playlist larger than %d bytes", maxPlaylistBytes)
	}
	return string(b), nil
}
