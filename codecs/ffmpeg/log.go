package ffmpeg

/*
#cgo pkg-config: libavutil
#include <stdarg.h>
#include <string.h>
#include <libavutil/log.h>

#include <stdint.h>

extern void goplineFFmpegLog(void *avcl, int level, char *line);

// A line FFmpeg logs in parts ("Packet corrupt (stream = 0, dts = 3)",
// then "."), kept per thread until its end comes: the parts of one line
// come from one thread, one call after another. prefix says whether the
// next part starts a line (and gets the context's "[name @ 0x...]").
static __thread char gp_pending[1024];
static __thread size_t gp_pending_len;
static __thread void *gp_pending_avcl;
static __thread int gp_pending_level;
static __thread int gp_prefix = 1;

// gp_log_flush hands the kept start of a line to Go, as it is.
static void gp_log_flush(void) {
	if (gp_pending_len == 0) return;
	goplineFFmpegLog(gp_pending_avcl, gp_pending_level, gp_pending);
	gp_pending_len = 0;
	gp_pending[0] = 0;
}

// goplineLogCallback formats an FFmpeg log line into a bounded buffer and
// hands it to Go, with the context that logged it; a line logged in parts
// goes as one, once its end comes. It runs on whichever thread FFmpeg logs
// from.
static void goplineLogCallback(void *avcl, int level, const char *fmt, va_list vl) {
	if (level > av_log_get_level()) return;
	char part[1024];
	if (gp_pending_len > 0 && avcl != gp_pending_avcl) {
		gp_log_flush(); // another context: the kept line ends unfinished
		gp_prefix = 1;
	}
	av_log_format_line2(avcl, level, fmt, vl, part, sizeof(part), &gp_prefix);
	size_t n = strlen(part);
	if (n == 0) return;
	if (gp_pending_len == 0 && part[n - 1] == '\n') {
		goplineFFmpegLog(avcl, level, part);
		return;
	}
	if (gp_pending_len == 0) {
		gp_pending_avcl = avcl;
		gp_pending_level = level;
	}
	if (level < gp_pending_level) gp_pending_level = level; // the most severe part's
	size_t room = sizeof(gp_pending) - 1 - gp_pending_len;
	if (n > room) n = room;
	memcpy(gp_pending + gp_pending_len, part, n);
	gp_pending_len += n;
	gp_pending[gp_pending_len] = 0;
	if (part[strlen(part) - 1] == '\n' || room == n) {
		gp_log_flush();
		gp_prefix = 1;
	}
}

static void goplineSetLogCallback(void) { av_log_set_callback(goplineLogCallback); }

// goplineLogParent returns the context a logging context names as its
// parent (AVClass.parent_log_context_offset, as av_log_format_line reads
// it), or NULL.
static void *goplineLogParent(void *avcl) {
	if (!avcl) return NULL;
	const AVClass *c = *(const AVClass **)avcl;
	if (!c || c->parent_log_context_offset <= 0) return NULL;
	return *(void **)((uint8_t *)avcl + c->parent_log_context_offset);
}
*/
import "C"

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/asticode/go-astiav"
	"github.com/rs/zerolog"

	"github.com/gopline/gopline/internal/credentials"
)

// ffmpegLogger is SetLogger's logger: the lines of contexts no gopline
// object owns, and of those whose owner has no logger of its own.
var ffmpegLogger atomic.Pointer[zerolog.Logger]

// levelSet is set once SetLogger chose FFmpeg's level.
var levelSet atomic.Bool

// contextLogs maps the FFmpeg contexts gopline's objects own (codec and
// format contexts), by address, to their owner's contextLog.
var contextLogs sync.Map // uintptr -> *contextLog

// maxLogParents bounds the walk from a logging context up its parents.
const maxLogParents = 4

// contextLog is where the FFmpeg log lines of one gopline object (an
// encoder, a decoder, a reader) go: the logger its owner gave it (a
// pipeline node's), or SetLogger's until it has one. It is the object's,
// bound to each context the object allocates and unbound as it frees it.
type contextLog struct {
	log atomic.Pointer[zerolog.Logger]
	// group, when not nil, is what the object's repeated lines are counted
	// by (WithReaderLogRepeats); set before the object binds a context.
	group any
}

// repeatGroup is what the lines of c, going to log, are counted by as
// repeats: c's group, else the logger.
func (c *contextLog) repeatGroup(log *zerolog.Logger) any {
	if c != nil && c.group != nil {
		return c.group
	}
	return log
}

// set sends the object's lines to log, with lib=ffmpeg.
func (c *contextLog) set(log zerolog.Logger) {
	log = log.With().Str("lib", "ffmpeg").Logger()
	c.log.Store(&log)
	installCallback.Do(installLogCallback)
}

// bind sends the lines of ctx, and of the contexts under it, to c, and
// returns ctx's address for unbind (0 when it has none).
func (c *contextLog) bind(ctx astiav.Classer) uintptr {
	addr := classAddress(ctx)
	if addr != 0 {
		contextLogs.Store(addr, c)
	}
	return addr
}

// unbind forgets the context at addr, unless another object bound a new
// context at the same address meanwhile. Call it after freeing the
// context, so that what FFmpeg logs as it closes (libx264's summary) is
// still the object's.
func (c *contextLog) unbind(addr uintptr) {
	if addr != 0 {
		contextLogs.CompareAndDelete(addr, c)
	}
}

// classAddress returns the address of the FFmpeg context behind c, which
// go-astiav v0.16 shows only in its Class's String ("... @ 0x7f...").
func classAddress(c astiav.Classer) uintptr {
	cl := c.Class()
	if cl == nil {
		return 0
	}
	s := cl.String()
	at := strings.LastIndex(s, "@ 0x")
	if at < 0 {
		return 0
	}
	addr, err := strconv.ParseUint(s[at+len("@ 0x"):], 16, 64)
	if err != nil {
		return 0
	}
	return uintptr(addr)
}

// contextLogOf returns the contextLog of the object that owns avcl or one
// of its parents, or nil.
func contextLogOf(avcl unsafe.Pointer) *contextLog {
	for i := 0; avcl != nil && i < maxLogParents; i++ {
		if c, ok := contextLogs.Load(uintptr(avcl)); ok {
			return c.(*contextLog)
		}
		avcl = C.goplineLogParent(avcl)
	}
	return nil
}

var installCallback sync.Once

// installLogCallback routes FFmpeg's log through gopline's callback. When
// SetLogger did not choose a level, FFmpeg's is lowered from its default
// (info) to warnings, gopline's commands' default: libx264 says a lot at
// info.
func installLogCallback() {
	if !levelSet.Load() {
		C.av_log_set_level(C.AV_LOG_WARNING)
	}
	C.goplineSetLogCallback()
}

// logRepeats holds back FFmpeg's repeated log lines.
var logRepeats repeats

// SetLogger routes FFmpeg's log, which is process-wide, into log. FFmpeg
// messages at or above level (one of zerolog's levels; warnings by default in
// gopline's commands) are passed on; finer ones are not even formatted.
// FFmpeg's errors and warnings both become zerolog warnings: a decoder's
// complaint about a damaged packet reaches the caller as an error value
// already, so the log line is context, not the report. A line that repeats
// (a camera that stays down, refusing each attempt) is passed on once per
// 30 s, with how many times it came ("repeats"), counted apart for each
// logger: two cameras that say the same each have their line (and the
// readers of one camera's openings, WithReaderLogRepeats, count as one).
//
// An encoder, decoder or reader given a logger of its own
// (WithEncoderLogger, WithDecoderLogger, WithReaderLogger; gopline's
// elements give theirs the node's) logs its FFmpeg lines there instead, so
// that a line says which camera it is about.
func SetLogger(log zerolog.Logger, level zerolog.Level) {
	log = log.With().Str("lib", "ffmpeg").Logger()
	ffmpegLogger.Store(&log)
	levelSet.Store(true)
	C.av_log_set_level(C.int(avLogLevel(level)))
	installCallback.Do(installLogCallback)
}

func avLogLevel(l zerolog.Level) int {
	switch {
	case l <= zerolog.TraceLevel:
		return C.AV_LOG_TRACE
	case l == zerolog.DebugLevel:
		return C.AV_LOG_DEBUG
	case l == zerolog.InfoLevel:
		return C.AV_LOG_INFO
	case l == zerolog.WarnLevel:
		return C.AV_LOG_WARNING
	case l == zerolog.ErrorLevel:
		return C.AV_LOG_ERROR
	case l == zerolog.Disabled:
		return C.AV_LOG_QUIET
	}
	return C.AV_LOG_FATAL
}

// swscaleJPEGRange is the warning swscale gives at each new context for a
// JPEG's full-range pixel format (yuvj420p: every MJPEG camera's). It
// converts such pictures right, with their range (pixel for pixel as the
// ffmpeg command does), so the line tells a gopline user nothing to do; it
// is left out. Giving swscale the plain format and the range instead needs
// a context set up option by option, which go-astiav does not make.
const swscaleJPEGRange = "deprecated pixel format used, make sure you did set range correctly"

//export goplineFFmpegLog
func goplineFFmpegLog(avcl unsafe.Pointer, level C.int, line *C.char) {
	msg := credentials.Redact(strings.TrimRight(C.GoString(line), "\n"))
	if msg == "" || strings.HasSuffix(msg, swscaleJPEGRange) {
		return
	}
	c := contextLogOf(avcl)
	if c == nil {
		c = demuxingLog() // a stream's parser, say
	}
	var log *zerolog.Logger
	if c != nil {
		log = c.log.Load()
	}
	if log == nil {
		log = ffmpegLogger.Load()
	}
	if log == nil {
		// Nobody asked for FFmpeg's lines: stderr, as FFmpeg's own
		// callback would.
		os.Stderr.WriteString(msg + "\n")
		return
	}
	ok, count := logRepeats.allow(c.repeatGroup(log), msg, time.Now())
	if !ok {
		return
	}
	var ev *zerolog.Event
	switch {
	case level <= C.AV_LOG_WARNING:
		ev = log.Warn()
	case level <= C.AV_LOG_INFO:
		ev = log.Info()
	case level <= C.AV_LOG_DEBUG:
		ev = log.Debug()
	default:
		ev = log.Trace()
	}
	if count > 1 {
		ev = ev.Uint64("repeats", count)
	}
	ev.Msg(msg)
}
