package ffmpeg

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/gopline/gopline/internal/credentials"
)

// open opens the input, finds its video stream and readies the timeline
// and the decoder (or the passthrough) for it.
func (r *Reader) open() error {
	if err := r.openInput(); err != nil {
		if expired := r.finishOpening(); expired != nil {
			return expired
		}
		return err
	}
	// A raw input's options say all there is to know of it: probing it
	// would only estimate its length from a bitrate, with a warning.
	if !r.rawvideo() {
		if err := r.demuxing(r.findStreamInfo); err != nil {
			if expired := r.finishOpening(); expired != nil {
				return expired
			}
			return fmt.Errorf("%w %q: reading stream info: %w", ErrOpen, r.shown, err)
		}
	}
	if err := r.finishOpening(); err != nil {
		return err
	}
	if err := r.chooseStream(); err != nil {
		return err
	}
	if err := r.probedSessionFile(); err != nil {
		return err
	}
	if err := r.probedRTP(); err != nil {
		return err
	}
	par := r.stream.CodecParameters()
	r.describe(par)
	r.joinSlices(par)
	r.watchLoss()
	r.pkt = astiav.AllocPacket()
	if r.rawvideo() && r.rawSize > 0 {
		var err error
		if r.raw, err = newRawPictures(r.fc, r.rawSize); err != nil {
			return err
		}
	}
	// A file's first picture is due once it is open; a live input read as
	// it is made is timed from the reading of its first packet (see
	// timeline.packetRead): neither a camera's session set-up nor its wait
	// for a keyframe nor a listener's wait for its sender is part of its
	// stream.
	r.times = newTimeline(r.cfg.now(), r.timeBase.Num(), r.timeBase.Den(), r.info.FrameRate)
	if f := r.fc.InputFormat(); f != nil && f.Flags().Has(astiav.IOFormatFlagTsDiscont) {
		r.times.mayRestart() // its clock may restart (MPEG-TS, HLS)
	}
	if r.info.Duration == 0 { // a live input: an outage stays a gap
		r.times.live(r.cfg.now)
	}
	if r.readAsMade() {
		r.times.notAhead()
	}
	if f := r.fc.InputFormat(); r.info.Duration == 0 && f != nil && f.Flags().Has(astiav.IOFormatFlagNotimestamps) {
		// A live stream without timestamps: FFmpeg's are made up.
		r.times.arriving(r.cfg.now)
		r.info.FrameRate = 0
	}
	if r.cfg.passthrough {
		return r.openPassthrough(par)
	}
	return r.openDecoder(par)
}

// readAsMade reports whether the input is live and read as it is made: a
// pipe or FIFO, a network stream or a V4L2 camera without a duration, not
// a raw H.264 file (which has none either).
func (r *Reader) readAsMade() bool {
	if r.info.Duration > 0 {
		return false
	}
	f := r.fc.InputFormat()
	return r.pipe != nil || IsNetwork(r.url) || (f != nil && f.Name() == "video4linux2,v4l2")
}

// describe fills in r.timeBase and r.info from the stream's parameters.
func (r *Reader) describe(par *astiav.CodecParameters) {
	r.timeBase = r.stream.TimeBase()
	r.info = StreamInfo{Codec: par.CodecID().Name(), Width: par.Width(), Height: par.Height()}
	r.info.Rotation, _ = parseDisplayMatrix(r.stream.SideData(astiav.PacketSideDataTypeDisplaymatrix))
	sar := r.fc.GuessSampleAspectRatio(r.stream, nil)
	r.info.PixelAspect = aspectOf(sar)
	switch par.ColorTransferCharacteristic() {
	case astiav.ColorTransferCharacteristicAribStdB67:
		r.info.HDR = "HLG"
	case astiav.ColorTransferCharacteristicSmpte2084:
		r.info.HDR = "PQ"
	}
	r.info.Interlaced = fieldOrder(par)
	r.info.FrameRate = r.frameRate(par)
	if d := r.stream.Duration(); d > 0 && r.timeBase.Den() > 0 {
		r.info.Duration = time.Duration(float64(d) * r.timeBase.Float64() * float64(time.Second))
	} else if d := r.fc.Duration(); d > 0 {
		r.info.Duration = time.Duration(d) * time.Microsecond // AV_TIME_BASE
	}
	r.rawStream = par.CodecID() == astiav.CodecIDRawvideo
	if r.rawvideo() {
		r.rawSize = rawPictureSize(par.PixelFormat(), par.Width(), par.Height())
		r.info.Duration = rawDuration(r.fc, r.rawSize, r.info.FrameRate)
	}
}

// frameRate returns the stream's frame rate: for a raw H.264 stream, which
// has no container to state it, the one its SPS's VUI timing gives, else
// the configured one (WithAssumedFrameRate, AssumedFrameRate); for others the
// container's average rate, else its base rate, else 0.
func (r *Reader) frameRate(par *astiav.CodecParameters) float64 {
	if r.rawH264() {
		return rawFrameRate(par.ExtraData(), r.cfg.frameRate)
	}
	if r.rawvideo() && r.timeBase.Num() > 0 {
		return 1 / r.timeBase.Float64() // its time base is a frame
	}
	for _, fr := range []astiav.Rational{r.stream.AvgFrameRate(), r.stream.RFrameRate()} {
		if fr.Num() > 0 && fr.Den() > 0 {
			return fr.Float64()
		}
	}
	return 0
}

// openInput opens r.fc on the input with the caller's options (and the
// I/O timeout's), refusing those that FFmpeg leaves unused.
func (r *Reader) openInput() error {
	var inFmt *astiav.InputFormat
	if r.cfg.inputFormat == "" && v4l2Device(r.url) {
		r.cfg.inputFormat = "v4l2" // a camera opened as a file fails saying nothing of one
	}
	if r.cfg.inputFormat != "" {
		if inFmt = astiav.FindInputFormat(r.cfg.inputFormat); inFmt == nil {
			return fmt.Errorf("%w %q: %w: unknown input format %q", ErrOpen, r.shown, ErrBadOption, r.cfg.inputFormat)
		}
	}
	if readsSessionFile(r.url, r.cfg.inputFormat) {
		text, err := ReadSessionFile(r.url)
		if err != nil {
			return err
		}
		r.session = &sessionProbe{watch: sessionWatch(text)}
		// The sdp demuxer, not FFmpeg's probe: the probe takes a file for
		// a session description only by a c=IN IP line at a line's start,
		// which a description written by hand, indented, does not have,
		// while the demuxer reads it.
		inFmt = astiav.FindInputFormat("sdp")
	}
	options := r.cfg.inputOptions
	if name := ioTimeoutOption(r.url); name != "" && r.cfg.ioTimeout > 0 && options[name] == "" {
		options = maps.Clone(options)
		if options == nil {
			options = map[string]string{}
		}
		options[name] = strconv.FormatInt(r.cfg.ioTimeout.Microseconds(), 10)
	}
	options, err := r.hlsOptions(options)
	if err != nil {
		return err
	}
	url, inFmt, options, err := r.rtpInput(inputURL(r.url), inFmt, options)
	if err != nil {
		return err
	}
	options = liveProbeOptions(r.url, options, r.cfg.inputOptions)
	options = sessionFileOptions(r.url, r.cfg.inputFormat, options, r.cfg.inputOptions, r.cfg.ioTimeout)
	path, named := pipePath(r.url, inFmt)
	if path != "" && options["analyzeduration"] == "" {
		options = maps.Clone(options)
		if options == nil {
			options = map[string]string{}
		}
		options["analyzeduration"] = strconv.FormatInt(pipeAnalyzeDuration.Microseconds(), 10)
	}
	var dict *astiav.Dictionary
	if len(options) > 0 {
		dict = astiav.NewDictionary()
		defer dict.Free()
		for k, v := range options {
			if err := dict.Set(k, v, 0); err != nil {
				return fmt.Errorf("%w %q: option %s=%s: %w", ErrOpen, r.shown, k, v, err)
			}
		}
	}
	if r.fc = astiav.AllocFormatContext(); r.fc == nil {
		return fmt.Errorf("%w %q: allocating format context failed", ErrOpen, r.shown)
	}
	r.fcAt = r.logs.bind(r.fc)
	if path != "" {
		if r.pipe, err = openPipeInput(path, named); err != nil {
			return fmt.Errorf("%w %q: %w", ErrOpen, r.shown, err)
		}
		r.fc.SetPb(r.pipe.io)
	}
	r.interruptOnStop()
	if r.rtp != nil && r.rtp.front != nil {
		r.rtp.front.releasePair() // FFmpeg's receiver binds it now
		if r.cfg.beforeReceiverBinds != nil {
			r.cfg.beforeReceiverBinds(r.rtp.front.port)
		}
	}
	if err := r.demuxing(func() error { return r.fc.OpenInput(url, inFmt, dict) }); err != nil {
		r.fc.Free() // avformat_open_input frees the context on failure; Free on nil is safe
		r.fc = nil
		r.logs.unbind(r.fcAt)
		if taken := r.receiverPairTaken(err); taken != nil {
			return taken
		}
		if errors.Is(err, astiav.ErrProtocolNotFound) {
			return missingProtocol(r.shown, err)
		}
		if errors.Is(err, astiav.ErrHttpNotFound) {
			return fmt.Errorf("%w %q: %w (%s)", ErrOpen, r.shown, err, credentials.NotFoundHint)
		}
		if errors.Is(err, astiav.ErrHttpUnauthorized) || errors.Is(err, astiav.ErrHttpForbidden) {
			return fmt.Errorf("%w %q: %w: %w (%s)", ErrOpen, r.shown, ErrUnauthorized, err,
				credentials.Hint(r.url, errors.Is(err, astiav.ErrHttpForbidden)))
		}
		if readsSessionFile(r.url, r.cfg.inputFormat) && (errors.Is(err, astiav.ErrInvaliddata) || errors.Is(err, astiav.ErrEio)) {
			return fmt.Errorf("%w %q: FFmpeg's sdp demuxer cannot read it: %w", ErrSessionFile, r.shown, err)
		}
		if r.cfg.inputFormat == "rawvideo" && r.cfg.inputOptions["video_size"] == "" {
			// A raw file says nothing of its pictures, and FFmpeg's error
			// says nothing of what is missing.
			return fmt.Errorf("%w %q: %w (a raw input needs its pictures' size: options=video_size=WxH,pixel_format=yuv420p,framerate=30)",
				ErrOpen, r.shown, err)
		}
		if errors.Is(err, astiav.ErrInvaliddata) {
			if why := missingIndex(r.url); why != nil {
				return fmt.Errorf("%w %q: %w: %w", ErrOpen, r.shown, err, why)
			}
			if fi, serr := os.Stat(r.url); serr == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
				return fmt.Errorf("%w %q: it is empty: nothing was written in it (a recording that never began, a copy not begun)", ErrOpen, r.shown)
			}
			if r.pipe != nil {
				return fmt.Errorf("%w %q: %w%s", ErrOpen, r.shown, err, pipedMP4Hint)
			}
		}
		if errors.Is(err, astiav.Error(-int(syscall.ENOENT))) {
			if hint := sequenceHint(r.url, r.cfg.inputOptions); hint != "" {
				return fmt.Errorf("%w %q: %w (%s)", ErrOpen, r.shown, err, hint)
			}
		}
		if cameraPath(r.url, r.cfg.inputFormat) {
			if hint := cameraHint(r.url, err, videoDevices()); hint != "" {
				return fmt.Errorf("%w %q: %w (%s)", ErrOpen, r.shown, cameraUnavailable{err}, hint)
			}
		}
		return fmt.Errorf("%w %q: %w", ErrOpen, r.shown, err)
	}
	if unknown := unusedOptions(dict, r.cfg.inputOptions); len(unknown) > 0 {
		return fmt.Errorf("%w %q: %w: the %s input has no option %s (ffmpeg -h demuxer=NAME and -h protocol=NAME list the options)",
			ErrOpen, r.shown, ErrBadOption, r.fc.InputFormat().Name(), strings.Join(unknown, ", "))
	}
	return nil
}

// missingProtocol is the error of an input whose URL names a protocol the
// FFmpeg gopline links does not have (err is FFmpeg's "Protocol not
// found"): srt:// where FFmpeg was built without libsrt, or a misspelled
// scheme. Opening it again cannot help, so it is an ErrBadOption.
func missingProtocol(url string, err error) error {
	scheme, _, _ := strings.Cut(url, ":")
	return fmt.Errorf("%w %q: %w: %w: the FFmpeg %s gopline runs with has no %s protocol (is it spelled right? ffmpeg -protocols lists those of an FFmpeg; gopline uses the libavformat it was built against: install one that has %s, or send the stream over another protocol such as rtp:// or tcp://)",
		ErrOpen, url, ErrBadOption, err, Version(), scheme, scheme)
}

// unusedOptions returns the options of the caller's (given) that are left
// in dict after FFmpeg opened the input: the ones neither the demuxer nor
// the protocol knows, which FFmpeg would otherwise ignore (a misspelled
// framerate= gives a camera's default mode without a word). Options
// gopline added itself (the I/O timeout) are not the caller's.
func unusedOptions(dict *astiav.Dictionary, given map[string]string) []string {
	if dict == nil {
		return nil
	}
	var unknown []string
	for e := dict.Get("", nil, astiav.DictionaryFlags(astiav.DictionaryFlagIgnoreSuffix)); e != nil; e = dict.Get("", e, astiav.DictionaryFlags(astiav.DictionaryFlagIgnoreSuffix)) {
		if _, ok := given[e.Key()]; ok {
			unknown = append(unknown, e.Key())
		}
	}
	sort.Strings(unknown)
	return unknown
}

// inputURL is the URL FFmpeg opens for url: "-" is the standard input, as
// for the ffmpeg command.
func inputURL(url string) string {
	if url == "-" {
		return "pipe:0"
	}
	return url
}

// rawvideo reports whether the input is FFmpeg's rawvideo demuxer's: raw
// pictures of the size and pixel format its options give.
func (r *Reader) rawvideo() bool {
	f := r.fc.InputFormat()
	return f != nil && f.Name() == "rawvideo"
}

// interruptOnStop makes FFmpeg's blocking calls on r.fc, and reads of a
// pipe, end once the stop of WithStop closes, and those of an opening
// once its deadline (openLimit) passes. An rtp:// input or an .sdp
// file gets the interrupter without a stop too: its probe is cut short by
// it (see findStreamInfo).
func (r *Reader) interruptOnStop() {
	limit, _ := r.openLimit()
	if r.cfg.stop == nil && r.rtp == nil && r.session == nil && limit == 0 {
		return
	}
	interrupter := r.fc.SetInterruptCallback()
	r.interrupt = interrupter
	r.closed = make(chan struct{})
	r.interrupter.Add(1)
	go func() {
		defer r.interrupter.Done()
		var expire <-chan time.Time
		if limit > 0 {
			deadline := time.NewTimer(limit)
			defer deadline.Stop()
			expire = deadline.C
		}
		for {
			select {
			case <-r.cfg.stop:
				interrupter.Interrupt()
				if r.pipe != nil {
					r.pipe.stop() // FFmpeg does not ask its callback in a read
				}
				return
			case <-expire: // the opening's deadline (openLimit)
				expire = nil
				if r.expireOpening() {
					interrupter.Interrupt()
				}
			case <-r.closed:
				return
			}
		}
	}()
}

// stopped reports whether the stop of WithStop has closed.
func (r *Reader) stopped() bool {
	select {
	case <-r.cfg.stop:
		return true
	default:
		return false
	}
}
