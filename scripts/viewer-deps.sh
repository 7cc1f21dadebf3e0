#!/usr/bin/env bash
# Makes sure of the Foxglove client that the viewer's tests drive from
# Node.js: @foxglove/ws-protocol and ws, and protobufjs to read its
# messages as Foxglove does, installed with npm into a cache
# outside the repository (GOPLINE_NPM, default ~/.cache/gopline/npm).
# Installs Node.js and npm with apt-get when they are missing. Safe to run
# again: it does nothing when the packages are there.
set -euo pipefail

dir="${GOPLINE_NPM:-${XDG_CACHE_HOME:-$HOME/.cache}/gopline/npm}"
want_protocol="0.8.0"
want_protobufjs="7.6.6"

installed() {
	[ -f "$dir/node_modules/@foxglove/ws-protocol/package.json" ] &&
		[ -f "$dir/node_modules/ws/package.json" ] &&
		grep -q "\"version\": \"$want_protobufjs\"" "$dir/node_modules/protobufjs/package.json" 2>/dev/null &&
		grep -q "\"version\": \"$want_protocol\"" "$dir/node_modules/@foxglove/ws-protocol/package.json"
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		echo "viewer-deps: Node.js and npm are missing; install them (Debian: apt-get install nodejs npm) and run make again" >&2
		exit 1
	fi
	echo "viewer-deps: installing nodejs and npm"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends nodejs npm
fi
if installed; then
	exit 0
fi
echo "viewer-deps: installing @foxglove/ws-protocol@$want_protocol, protobufjs@$want_protobufjs and ws into $dir"
mkdir -p "$dir"
npm install --silent --no-audit --no-fund --prefix "$dir" "@foxglove/ws-protocol@$want_protocol" "protobufjs@$want_protobufjs" ws
installed || { echo "viewer-deps: npm ran, but the packages are not in $dir" >&2; exit 1; }
