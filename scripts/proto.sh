#!/usr/bin/env bash
# Regenerates the Go code of gopline's wire messages (transport/wire) with
# pinned tools: protoc from Debian 12's protobuf-compiler, and protoc-gen-go
# at the version of the protobuf runtime in go.mod, built into bin/tools.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v protoc >/dev/null 2>&1; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "proto: protoc is missing; run: sudo apt-get install -y protobuf-compiler" >&2
		exit 1
	fi
	apt-get update -qq && apt-get install -y -qq protobuf-compiler >/dev/null
fi
version=$(go list -m -f '{{.Version}}' google.golang.org/protobuf)
tools=$PWD/bin/tools
if [ "$("$tools/protoc-gen-go" --version 2>/dev/null)" != "protoc-gen-go $version" ]; then
	GOBIN=$tools go install "google.golang.org/protobuf/cmd/protoc-gen-go@$version"
fi
PATH=$tools:$PATH protoc --go_out=. --go_opt=paths=source_relative transport/wire/wire.proto
echo "proto: transport/wire/wire.pb.go from $(protoc --version), protoc-gen-go $version"
