#!/usr/bin/env bash
# Times one encode job in gst-launch-1.0 and in gopline: 600 frames of a
# 640x480 test source through libx264 (veryfast, zero latency, an IDR every
# 30 frames, no B-frames) into a fake sink, by wall clock, start-up included,
# alternating the two tools. Then each source alone, and from the difference
# an encode-only estimate (which also leaves out the start-up). The same
# comparison as `go test -run '^$' -bench EncodeVsGStreamer ./actors/`.
#
# The sources differ (GStreamer's ball, gopline's pattern with fine detail),
# and so does rate control (x264enc: 2048 kbit/s CBR; gopline: CRF 23): the
# ratios compare the two jobs as written, not libx264 against itself.
#
# Usage: scripts/bench-gst.sh [RUNS]    RUNS per job, default 5.
# GOPLINE=path/to/gopline uses that binary instead of building one.
set -euo pipefail

runs=${1:-5}
if ! [[ $runs =~ ^[1-9][0-9]*$ ]]; then
	echo "usage: $0 [RUNS]" >&2
	exit 2
fi
frames=600
caps="video/x-raw,format=I420,width=640,height=480,framerate=30/1"
gst_encode="videotestsrc num-buffers=$frames pattern=ball ! $caps ! x264enc speed-preset=veryfast tune=zerolatency key-int-max=30 bframes=0 ! fakesink sync=false"
gst_source="videotestsrc num-buffers=$frames pattern=ball ! $caps ! fakesink sync=false"
gopline_encode="testsrc size=640x480 rate=30 num-frames=$frames is-live=false ! h264enc gop=30 preset=veryfast ! fakesink"
gopline_source="testsrc size=640x480 rate=30 num-frames=$frames is-live=false ! fakesink"
packages=(gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-ugly)

# gst-launch-1.0 comes with -tools, videotestsrc with -base, x264enc with -ugly.
have_gst() {
	command -v gst-launch-1.0 >/dev/null 2>&1 && gst-inspect-1.0 x264enc >/dev/null 2>&1 &&
		gst-inspect-1.0 videotestsrc >/dev/null 2>&1
}

if ! have_gst; then
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		echo "bench-gst: GStreamer with x264enc is missing. Install it with:" >&2
		echo "  sudo apt-get install -y ${packages[*]}" >&2
		exit 1
	fi
	echo "bench-gst: installing ${packages[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${packages[@]}"
	if ! have_gst; then
		echo "bench-gst: installed, but gst-launch-1.0 still has no x264enc or videotestsrc" >&2
		exit 1
	fi
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

read -ra gst_encode_words <<<"$gst_encode"
read -ra gst_source_words <<<"$gst_source"
run_gst_encode() { gst-launch-1.0 -q "${gst_encode_words[@]}"; }
run_gst_source() { gst-launch-1.0 -q "${gst_source_words[@]}"; }
run_gopline_encode() { "$gopline" run "$gopline_encode"; }
run_gopline_source() { "$gopline" run "$gopline_source"; }
jobs=(gst_encode gopline_encode gst_source gopline_source)

# seconds JOB runs JOB once and prints its wall-clock time in seconds.
seconds() {
	local start end
	start=$(date +%s.%N)
	if ! "run_$1" >"$tmp/out" 2>&1; then
		echo "bench-gst: $1 failed:" >&2
		cat "$tmp/out" >&2
		exit 1
	fi
	end=$(date +%s.%N)
	awk -v s="$start" -v e="$end" 'BEGIN { printf "%.6f", e - s }'
}

# One untimed run of each: GStreamer builds its plugin registry on its first
# start.
for job in "${jobs[@]}"; do
	seconds "$job" >/dev/null
done

declare -A total
for job in "${jobs[@]}"; do
	total[$job]=0
done
echo "bench-gst: $runs runs of each job, $frames frames at 640x480" >&2
for ((i = 0; i < runs; i++)); do
	order=("${jobs[@]}")
	if ((i % 2 == 1)); then # alternate which tool goes first
		order=(gopline_encode gst_encode gopline_source gst_source)
	fi
	for job in "${order[@]}"; do
		t=$(seconds "$job")
		total[$job]=$(awk -v a="${total[$job]}" -v b="$t" 'BEGIN { printf "%.6f", a + b }')
	done
done

awk -v n="$((runs * frames))" -v ge="${total[gst_encode]}" -v pe="${total[gopline_encode]}" \
	-v gs="${total[gst_source]}" -v ps="${total[gopline_source]}" '
function row(name, g, p) {
	printf "%-24s %12.0f %12.0f %12.2f\n", name, n / g, n / p, g / p
}
BEGIN {
	printf "%-24s %12s %12s %12s\n", "frames/s (wall clock)", "gst-launch", "gopline", "gopline/gst"
	row("source + x264", ge, pe)
	row("source alone", gs, ps)
	if (ge - gs > ge / 4 && pe - ps > pe / 4)
		row("x264 only (estimate)", ge - gs, pe - ps)
	else
		print "x264 only: no estimate, the source alone takes most of a run"
}'
