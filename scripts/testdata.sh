#!/usr/bin/env bash
# Fetches the benchmark video, OpenCV's vtest.avi (768x576 people walking),
# from Debian's opencv-doc package into a cache folder outside the repository.
# Prints the file's path. Safe to run again: a cached copy is kept.
set -euo pipefail

dir="${GOPLINE_TESTDATA:-${XDG_CACHE_HOME:-$HOME/.cache}/gopline/testdata}"
out="$dir/vtest.avi"
installed=/usr/share/doc/opencv-doc/examples/data/vtest.avi

mkdir -p "$dir"
if [ -s "$out" ]; then
	echo "$out"
	exit 0
fi
if [ -s "$installed" ]; then
	cp "$installed" "$out"
	echo "$out"
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "testdata: needs apt-get (Debian) to download opencv-doc; or put vtest.avi at $out yourself" >&2
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(
	cd "$work"
	# apt-get download writes as the _apt user where it can; a private
	# folder of root's makes it warn and download as root, which is fine.
	if ! apt-get download opencv-doc >/dev/null 2>&1; then
		if [ "$(id -u)" -ne 0 ]; then
			echo "testdata: apt-get download opencv-doc failed; run 'sudo apt-get update' and try again" >&2
			exit 1
		fi
		if ! apt-get update -q >/dev/null || ! apt-get download opencv-doc >/dev/null 2>&1; then
			echo "testdata: apt-get download opencv-doc failed, also after apt-get update." >&2
			echo "testdata: check the network and that the apt sources include Debian's main component;" >&2
			echo "testdata: 'apt-get download opencv-doc' shows apt's own error. Or put vtest.avi at $out yourself." >&2
			exit 1
		fi
	fi
	dpkg-deb --fsys-tarfile opencv-doc_*.deb | tar -x ./usr/share/doc/opencv-doc/examples/data/vtest.avi
)
mv "$work/usr/share/doc/opencv-doc/examples/data/vtest.avi" "$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
