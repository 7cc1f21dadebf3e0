// Package web serves a node's topics to people: a page that lists the
// topics and shows several at once, a single-topic viewer, WebRTC over WHEP
// (POST an SDP offer to /whep/<topic>, DELETE the Location to end) and a
// Foxglove WebSocket endpoint at /foxglove. A browser that cannot receive
// H.264 over WebRTC (Firefox without its OpenH264 plugin, a WebKit built
// without WebRTC) plays the topic from /foxglove with WebCodecs instead, as
// every browser does a topic whose H.264 has B-frames (which WebRTC cannot
// carry: WHEP refuses it) and draws a JPEG topic's pictures.
//
// Every viewer is a subscriber of its topic through transport.Subscriber,
// with the topic's own QoS unless Config.ViewerQoS says otherwise: on a
// durable topic it is sent the cached GOP first, keyframe first, and shows
// the newest picture at once. H.264 goes out as it was encoded, one encode
// for every viewer. A viewer slower than the stream holds its window full
// and loses whole GOPs; the publisher and the other viewers never wait for
// it. A WebRTC viewer's writes are paced to its link's bandwidth, estimated
// from its transport-wide congestion control feedback, and one whose
// estimate stays below the stream's bitrate is sent keyframes only. A
// Foxglove client is written no more than it reads (pings), and one
// that stops reading and comes back goes on at the newest GOP. See
// docs/viewer.md.
//
// The files are embedded: no build step, nothing fetched from elsewhere.
package web
