#!/usr/bin/env bash
# Makes sure of what gopline needs to build and test on Debian 12: Go, a C
# compiler, pkg-config, FFmpeg's -dev packages (libx264 comes with Debian's
# libavcodec) and the ffmpeg/ffprobe commands the tests compare against.
# Installs with apt-get only what is missing; safe to run again.
# With --bench it also makes sure of GStreamer with x264enc, which the
# benchmarks compare gopline against, and of valgrind, which counts both's
# instructions; with --test, of Debian's chromium,
# firefox-esr and WebKitGTK (its WebDriver, run on an Xvfb display, and
# GStreamer's libav plugin, whose avdec_h264 its WebCodecs decode H.264
# with), in which the browser viewer's tests run, and of gst-launch-1.0
# with x264enc, jpegenc and the RTP payloaders, which the tests send RTP
# from as a GStreamer user does.
set -euo pipefail

pc_modules=(libavcodec libavformat libavutil libswscale libavdevice libavfilter libswresample)
packages=(pkg-config libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libavdevice-dev libavfilter-dev libswresample-dev ffmpeg)
bench=false
browser=false
case "${1:-}" in
--bench)
	bench=true
	packages+=(gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-ugly valgrind)
	;;
--test)
	browser=true
	packages+=(chromium firefox-esr webkit2gtk-driver xvfb gstreamer1.0-libav
		gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly)
	;;
esac

# check fills lacking with what is still missing, in words for the messages.
lacking=()
check() {
	lacking=()
	command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || lacking+=("a C compiler (gcc)")
	if ! command -v pkg-config >/dev/null 2>&1; then
		lacking+=("pkg-config")
	elif ! pkg-config --exists "${pc_modules[@]}"; then
		lacking+=("FFmpeg development files (pkg-config cannot find ${pc_modules[*]})")
	fi
	command -v ffmpeg >/dev/null 2>&1 || lacking+=("the ffmpeg command")
	command -v ffprobe >/dev/null 2>&1 || lacking+=("the ffprobe command")
	if $browser && ! command -v chromium >/dev/null 2>&1; then
		lacking+=("chromium (the browser viewer's tests)")
	fi
	if $browser && ! command -v firefox-esr >/dev/null 2>&1 && ! command -v firefox >/dev/null 2>&1; then
		lacking+=("firefox-esr (the browser viewer's tests)")
	fi
	if $browser && ! command -v WebKitWebDriver >/dev/null 2>&1; then
		lacking+=("WebKitGTK's WebKitWebDriver (the browser viewer's tests)")
	fi
	if $browser && ! command -v Xvfb >/dev/null 2>&1; then
		lacking+=("Xvfb (the browser viewer's WebKitGTK tests)")
	fi
	# WebKitGTK recommends it, and apt-get here installs no recommends.
	if $browser && ! compgen -G "/usr/lib/*/gstreamer-1.0/libgstlibav.so" >/dev/null; then
		lacking+=("GStreamer's libav plugin (WebKitGTK's H.264 in the browser viewer's tests)")
	fi
	if $browser; then
		if ! command -v gst-launch-1.0 >/dev/null 2>&1; then
			lacking+=("GStreamer (gst-launch-1.0: the RTP senders of the tests)")
		else
			for e in x264enc jpegenc rtph264pay rtpjpegpay udpsink videotestsrc; do
				gst-inspect-1.0 "$e" >/dev/null 2>&1 || lacking+=("GStreamer's $e (the RTP senders of the tests)")
			done
		fi
	fi
	if $bench; then
		if ! command -v gst-launch-1.0 >/dev/null 2>&1; then
			lacking+=("GStreamer (gst-launch-1.0)")
		elif ! gst-inspect-1.0 x264enc >/dev/null 2>&1; then
			lacking+=("GStreamer's x264enc")
		fi
		if ! command -v valgrind >/dev/null 2>&1; then
			lacking+=("valgrind")
		fi
	fi
}

# lacking_list prints lacking as one line: "a, b, c".
lacking_list() {
	local IFS=';'
	local s="${lacking[*]}"
	echo "${s//;/, }"
}

if ! command -v go >/dev/null 2>&1; then
	echo "deps: the go command is not on PATH; install Go 1.25 or newer (https://go.dev/dl) and run make again" >&2
	exit 1
fi
check
if [ ${#lacking[@]} -eq 0 ]; then
	exit 0
fi
if ! command -v cc >/dev/null 2>&1 && ! command -v gcc >/dev/null 2>&1; then
	packages+=(gcc libc6-dev)
fi

if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: missing $(lacking_list); this is not a Debian-like system." >&2
	echo "deps: install a C compiler, pkg-config and FFmpeg 5.1 (libavcodec, libavformat, libavutil, libswscale," >&2
	echo "deps: libavdevice, libavfilter, libswresample) with its headers, its commands and libx264, then run make again." >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing $(lacking_list); installing needs root. Run:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y ${packages[*]}" >&2
	echo "deps: then run make again." >&2
	exit 1
fi
echo "deps: missing $(lacking_list); installing ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${packages[@]}"
check
if [ ${#lacking[@]} -gt 0 ]; then
	echo "deps: installed, but still missing $(lacking_list)" >&2
	exit 1
fi
