//go:build pins

// Package pins holds gopline's dependency versions in go.mod before the
// packages that use them are all written, so that go mod tidy keeps the
// versions gopline is built and tested against: protoactor-go has no tagged
// release and is pinned to a pseudo-version; go-astiav v0.16.0 is the newest
// release built for FFmpeg 5.1. The build tag keeps it out of every build.
package pins

import (
	_ "github.com/asticode/go-astiav"
	_ "github.com/asynkron/protoactor-go/actor"
	_ "github.com/rs/zerolog"
	_ "go.etcd.io/bbolt"
)
