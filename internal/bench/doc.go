// Package bench is gopline's measuring harness: the pieces that its
// benchmarks share, and under it one package per study, each of which
// prints its own tables (cmd/gopline's `bench` subcommands only parse
// flags):
//
//   - latejoin: viewers join a live camera topic in one process, with the
//     topic's GOP cache, without it, and with keyframe requests;
//   - remotebench: a topic subscribed to from another process, packets'
//     MB/s and latency, and viewers that join the other process's camera;
//   - codecstudy: H.264 against JPEG on one clip, as packets and as
//     recordings.
//
// The shared pieces are a Camera (a live test pattern, encoded as gopline
// encodes by default, published on a topic), a Viewer (subscribe ! gate !
// h264dec and a sink that keeps its first picture, with the times of its
// Subscribe, its first delivery and its first picture), JoinAtRandom (a
// seeded schedule of joins), nearest-rank percentiles, and where the
// benchmark clip is (VTestPath). Everything runs on a gopline.Node.
//
// The packages are for gopline's own commands and tests.
package bench
