#!/usr/bin/env bash
# Times one encode job in gst-launch-1.0 and in gopline: 600 frames of
# gopline's 640x480 test pattern, read as raw I420 from one file, through
# libx264 into a fake sink, by wall clock, start-up included, alternating the
# two tools. x264enc gets what gopline's h264enc sets on libx264 (veryfast,
# zerolatency, CRF 23 without a VBV cap, an IDR every 30 frames and none at
# scene cuts, no B-frames, SPS and PPS before each IDR, Annex B without access
# unit delimiters); the bytes per frame of both streams show that the work is
# the same. Then each tool reads the file alone, and from the difference comes
# an encode-only estimate (which also leaves out the start-up). The same
# comparison as `go test -run '^$' -bench EncodeVsGStreamer ./elements/`.
#
# Usage: scripts/bench-gst.sh [RUNS]    RUNS per job, default 5.
# GOPLINE=path/to/gopline uses that binary instead of building one. The go
# command is needed either way: it writes the clip (about 280 MB, in a
# temporary directory).
set -euo pipefail

runs=${1:-5}
if ! [[ $runs =~ ^[1-9][0-9]*$ ]]; then
	echo "usage: $0 [RUNS]" >&2
	exit 2
fi
frames=600
width=640
height=480
# pass=qual is CRF capped by a VBV at bitrate (2048 kbit/s by default);
# vbv-buf-capacity=0 takes the cap away. min-keyint=30 ends up as 16 on both
# sides: libx264 caps it at half the GOP plus one.
gst_x264="x264enc speed-preset=veryfast tune=zerolatency key-int-max=30 bframes=0 pass=qual quantizer=23"
gst_x264+=" vbv-buf-capacity=0 byte-stream=true aud=false option-string=scenecut=0:min-keyint=30:repeat-headers=1"
gst_parse="rawvideoparse width=$width height=$height format=i420 framerate=30/1"
# gopline's defaults, spelled out so that the two jobs stay equal.
gopline_x264="h264enc gop=30 preset=veryfast tune=zerolatency crf=23"
packages=(gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-ugly)

# gst-launch-1.0 comes with -tools, rawvideoparse with -base, x264enc with -ugly.
have_gst() {
	command -v gst-launch-1.0 >/dev/null 2>&1 && gst-inspect-1.0 x264enc >/dev/null 2>&1 &&
		gst-inspect-1.0 rawvideoparse >/dev/null 2>&1
}

if ! have_gst; then
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		echo "bench-gst: GStreamer with rawvideoparse and x264enc is missing. Install it with:" >&2
		echo "  sudo apt-get install -y ${packages[*]}" >&2
		exit 1
	fi
	echo "bench-gst: installing ${packages[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${packages[@]}"
	if ! have_gst; then
		echo "bench-gst: installed, but gst-launch-1.0 still has no x264enc or rawvideoparse" >&2
		exit 1
	fi
fi
if ! command -v go >/dev/null 2>&1; then
	echo "bench-gst: the go command is not on PATH; it builds gopline and writes the test clip" >&2
	exit 1
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gopline=${GOPLINE:-}
if [ -z "$gopline" ]; then
	echo "bench-gst: building gopline" >&2
	(cd "$root" && go build -o "$tmp/gopline" ./cmd/gopline)
	gopline=$tmp/gopline
fi

# The clip: frames 0 to N-1 of media/testsrc's pattern, packed I420, one
# picture after another. A program named on go run's command line builds in
# the module of the directory it runs in, so it can import gopline.
clip=$tmp/testsrc.i420
mkdir "$tmp/clip"
cat >"$tmp/clip/main.go" <<'EOF'
// Command clip writes frames of gopline's test pattern as raw I420.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"

	"github.com/gopline/gopline/media"
	"github.com/gopline/gopline/media/testsrc"
)

func main() {
	if err := write(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "clip:", err)
		os.Exit(1)
	}
}

// write takes PATH WIDTH HEIGHT FRAMES.
func write(args []string) error {
	if len(args) != 4 {
		return fmt.Errorf("want PATH WIDTH HEIGHT FRAMES, got %q", args)
	}
	var n [3]int
	for i := range n {
		v, err := strconv.Atoi(args[i+1])
		if err != nil {
			return err
		}
		n[i] = v
	}
	w, h, frames := n[0], n[1], n[2]
	pat, err := testsrc.New(w, h)
	if err != nil {
		return err
	}
	f, err := media.NewFrame(media.YUV420P, w, h)
	if err != nil {
		return err
	}
	file, err := os.Create(args[0])
	if err != nil {
		return err
	}
	defer file.Close()
	out := bufio.NewWriterSize(file, 1<<20)
	for i := range frames {
		if err := pat.FrameInto(f, uint64(i)); err != nil {
			return err
		}
		for _, plane := range f.Planes[:3] { // NewFrame packs the planes
			if _, err := out.Write(plane); err != nil {
				return err
			}
		}
	}
	if err := out.Flush(); err != nil {
		return err
	}
	return file.Close()
}
EOF
echo "bench-gst: writing $frames frames of the test pattern" >&2
(cd "$root" && go run "$tmp/clip/main.go" "$clip" "$width" "$height" "$frames")

gopline_read="videosrc location=$clip input-format=rawvideo options=video_size=${width}x$height,pixel_format=yuv420p,framerate=30"
read -ra gst_encode_words <<<"$gst_parse ! $gst_x264 ! fakesink"
read -ra gst_read_words <<<"$gst_parse ! fakesink"
read -ra gst_file_words <<<"$gst_parse ! $gst_x264 ! filesink"
run_gst_encode() { gst-launch-1.0 -q filesrc location="$clip" ! "${gst_encode_words[@]}"; }
run_gst_read() { gst-launch-1.0 -q filesrc location="$clip" ! "${gst_read_words[@]}"; }
run_gopline_encode() { "$gopline" run --json "$gopline_read ! $gopline_x264 ! fakesink"; }
run_gopline_read() { "$gopline" run --json "$gopline_read ! fakesink"; }
jobs=(gst_encode gopline_encode gst_read gopline_read)

# seconds JOB runs JOB once and prints its wall-clock time in seconds. The
# job's standard output stays in $tmp/out.
seconds() {
	local start end
	start=$(date +%s.%N)
	if ! "run_$1" >"$tmp/out" 2>"$tmp/err"; then
		echo "bench-gst: $1 failed:" >&2
		cat "$tmp/out" "$tmp/err" >&2
		exit 1
	fi
	end=$(date +%s.%N)
	awk -v s="$start" -v e="$end" 'BEGIN { printf "%.6f", e - s }'
}

# json_field ELEMENT FIELD prints FIELD of the first node of ELEMENT in the
# stats of gopline run --json in $tmp/out.
json_field() {
	awk -v element="\"element\": \"$1\"" -v field="\"$2\":" '
	index($0, element) { found = 1 }
	found && index($0, field) { gsub(/[^0-9]/, ""); print; exit }' "$tmp/out"
}

# One untimed run of each (GStreamer builds its plugin registry on its first
# start), and the check that both encoders did the same work: the sizes of
# their streams.
for job in "${jobs[@]}"; do
	seconds "$job" >/dev/null
	if [[ $job == gopline_* ]] && [ "$(json_field fakesink in)" != "$frames" ]; then
		echo "bench-gst: $job: the sink did not get all $frames frames:" >&2
		cat "$tmp/out" >&2
		exit 1
	fi
	if [ "$job" = gopline_encode ]; then
		gopline_bytes=$(json_field h264enc bytes)
	fi
done
gst-launch-1.0 -q filesrc location="$clip" ! "${gst_file_words[@]}" location="$tmp/gst.h264"
gst_bytes=$(wc -c <"$tmp/gst.h264")

declare -A total
for job in "${jobs[@]}"; do
	total[$job]=0
done
echo "bench-gst: $runs runs of each job, $frames frames at ${width}x$height" >&2
for ((i = 0; i < runs; i++)); do
	order=("${jobs[@]}")
	if ((i % 2 == 1)); then # alternate which tool goes first
		order=(gopline_encode gst_encode gopline_read gst_read)
	fi
	for job in "${order[@]}"; do
		t=$(seconds "$job")
		total[$job]=$(awk -v a="${total[$job]}" -v b="$t" 'BEGIN { printf "%.6f", a + b }')
	done
done

awk -v n="$((runs * frames))" -v frames="$frames" -v ge="${total[gst_encode]}" -v pe="${total[gopline_encode]}" \
	-v gr="${total[gst_read]}" -v pr="${total[gopline_read]}" -v gb="$gst_bytes" -v pb="$gopline_bytes" '
function row(name, g, p) {
	printf "%-24s %12.0f %12.0f %12.2f\n", name, n / g, n / p, g / p
}
BEGIN {
	printf "%-24s %12s %12s %12s\n", "frames/s (wall clock)", "gst-launch", "gopline", "gopline/gst"
	row("read + x264", ge, pe)
	row("read alone", gr, pr)
	if (ge - gr > ge / 4 && pe - pr > pe / 4)
		row("x264 only (estimate)", ge - gr, pe - pr)
	else
		print "x264 only: no estimate, reading takes most of a run"
	printf "%-24s %12.0f %12.0f %12.2f\n", "bytes/frame", gb / frames, pb / frames, pb / gb
	if (pb / gb > 1.05 || pb / gb < 0.95) {
		print "bench-gst: the encoded streams differ by more than 5%: the two jobs are not the same work" > "/dev/stderr"
		exit 1
	}
}'
