// Package latejoin measures how long a viewer that joins a live camera
// topic waits for its first picture, and what it costs the stream.
//
// A run (Run) publishes a live test pattern (a bench.Camera: 640x480, 30
// frames/s, an IDR every 30 frames) on one topic of a gopline.Node, in one
// process, and lets viewers (bench.Viewer: subscribe ! gate ! h264dec)
// join it one after another at random moments (bench.JoinAtRandom), so that they meet every phase of the GOP. Each viewer stops as
// soon as its decoder has emitted a picture. Three modes compare the ways a
// late joiner can get its first picture:
//
//   - Cache: the topic is durable (qos.DurableVideo) and replays its latest
//     GOP, keyframe first; the decoder decodes it and shows only the newest
//     picture.
//   - Volatile: the topic keeps nothing (qos.SensorData); the viewer waits
//     for the next regular keyframe, half a GOP on average.
//   - KeyframeRequest: the topic keeps nothing, and each viewer asks for a
//     keyframe as it joins, as a WebRTC receiver sends a PLI; the encoder
//     forces an IDR, which every other subscriber pays for in bytes.
//
// Every first picture is checked, not only timed: its frame number, burned
// into the test pattern, must read back as the frame the packet encoded,
// and it must be at least as new as the newest packet published when the
// viewer subscribed. WriteTable prints the results, as `gopline bench
// latejoin` does.
//
// The package is part of gopline's measuring harness (internal/bench); it
// starts and stops a node of its own per run.
package latejoin
