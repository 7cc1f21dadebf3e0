package ffmpeg

/*
#cgo pkg-config: libavutil
#include <stdarg.h>
#include <libavutil/log.h>

extern void goplineFFmpegLog(int level, char *line);

// goplineLogCallback formats one FFmpeg log line into a bounded buffer and
// hands it to Go. It runs on whichever thread FFmpeg logs from.
static void goplineLogCallback(void *avcl, int level, const char *fmt, va_list vl) {
	if (level > av_log_get_level()) return;
	char line[1024];
	int prefix = 1;
	av_log_format_line2(avcl, level, fmt, vl, line, sizeof(line), &prefix);
	goplineFFmpegLog(level, line);
}

static void goplineSetLogCallback(void) { av_log_set_callback(goplineLogCallback); }
*/
import "C"

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

var ffmpegLogger atomic.Pointer[zerolog.Logger]

// logRepeats holds back FFmpeg's repeated log lines.
var logRepeats repeats

// SetLogger routes FFmpeg's log, which is process-wide, into log. FFmpeg
// messages at or above level (one of zerolog's levels; warnings by default in
// gopline's commands) are passed on; finer ones are not even formatted.
// FFmpeg's errors and warnings both become zerolog warnings: a decoder's
// complaint about a damaged packet reaches the caller as an error value
// already, so the log line is context, not the report. A line that repeats
// (a camera that stays down, refusing each attempt) is passed on once per
// 30 s, with how many times it came ("repeats").
func SetLogger(log zerolog.Logger, level zerolog.Level) {
	log = log.With().Str("lib", "ffmpeg").Logger()
	ffmpegLogger.Store(&log)
	C.av_log_set_level(C.int(avLogLevel(level)))
	C.goplineSetLogCallback()
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

//export goplineFFmpegLog
func goplineFFmpegLog(level C.int, line *C.char) {
	log := ffmpegLogger.Load()
	if log == nil {
		return
	}
	msg := strings.TrimRight(C.GoString(line), "\n")
	if msg == "" {
		return
	}
	ok, count := logRepeats.allow(msg, time.Now())
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
