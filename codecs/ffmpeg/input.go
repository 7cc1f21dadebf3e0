package ffmpeg

import (
	"errors"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"

	"github.com/asticode/go-astiav"
)

// openInput opens r.fc on the input with the caller's options (and the
// I/O timeout's), refusing those that FFmpeg leaves unused.
func (r *Reader) openInput() error {
	var inFmt *astiav.InputFormat
	if r.cfg.inputFormat != "" {
		if inFmt = astiav.FindInputFormat(r.cfg.inputFormat); inFmt == nil {
			return fmt.Errorf("%w %q: %w: unknown input format %q", ErrOpen, r.url, ErrBadOption, r.cfg.inputFormat)
		}
	}
	if readsSessionFile(r.url, r.cfg.inputFormat) {
		if err := checkSessionFile(r.url); err != nil {
			return err
		}
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
				return fmt.Errorf("%w %q: option %s=%s: %w", ErrOpen, r.url, k, v, err)
			}
		}
	}
	if r.fc = astiav.AllocFormatContext(); r.fc == nil {
		return fmt.Errorf("%w %q: allocating format context failed", ErrOpen, r.url)
	}
	r.fcAt = r.logs.bind(r.fc)
	if path != "" {
		if r.pipe, err = openPipeInput(path, named); err != nil {
			return fmt.Errorf("%w %q: %w", ErrOpen, r.url, err)
		}
		r.fc.SetPb(r.pipe.io)
	}
	r.interruptOnStop()
	if err := r.demuxing(func() error { return r.fc.OpenInput(url, inFmt, dict) }); err != nil {
		r.fc.Free() // avformat_open_input frees the context on failure; Free on nil is safe
		r.fc = nil
		r.logs.unbind(r.fcAt)
		if errors.Is(err, astiav.ErrProtocolNotFound) {
			return missingProtocol(r.url, err)
		}
		if readsSessionFile(r.url, r.cfg.inputFormat) && errors.Is(err, astiav.ErrInvaliddata) {
			return fmt.Errorf("%w %q: FFmpeg's sdp demuxer cannot read it: %w", ErrSessionFile, r.url, err)
		}
		if r.cfg.inputFormat == "rawvideo" && r.cfg.inputOptions["video_size"] == "" {
			// A raw file says nothing of its pictures, and FFmpeg's error
			// says nothing of what is missing.
			return fmt.Errorf("%w %q: %w (a raw input needs its pictures' size: options=video_size=WxH,pixel_format=yuv420p,framerate=30)",
				ErrOpen, r.url, err)
		}
		return fmt.Errorf("%w %q: %w", ErrOpen, r.url, err)
	}
	if unknown := unusedOptions(dict, r.cfg.inputOptions); len(unknown) > 0 {
		return fmt.Errorf("%w %q: %w: the %s input has no option %s (ffmpeg -h demuxer=NAME and -h protocol=NAME list the options)",
			ErrOpen, r.url, ErrBadOption, r.fc.InputFormat().Name(), strings.Join(unknown, ", "))
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
// pipe, end once the stop of WithStop closes. An rtp:// input gets the
// interrupter without a stop too: its probe is cut short by it (see
// findStreamInfo).
func (r *Reader) interruptOnStop() {
	if r.cfg.stop == nil && r.rtp == nil {
		return
	}
	interrupter := r.fc.SetInterruptCallback()
	r.interrupt = interrupter
	r.closed = make(chan struct{})
	r.interrupter.Add(1)
	go func() {
		defer r.interrupter.Done()
		select {
		case <-r.cfg.stop:
			interrupter.Interrupt()
			if r.pipe != nil {
				r.pipe.stop() // FFmpeg does not ask its callback in a read
			}
		case <-r.closed:
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
