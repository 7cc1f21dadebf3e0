package elements

// videoSrcDoc is `gopline elements videosrc`'s description: paragraphs,
// split at blank lines and wrapped by the command, the common cases first
// and each kind of input's details in a paragraph of its own.
const videoSrcDoc = `Reads a video file, a camera or a network stream (anything FFmpeg opens) and decodes it to frames, or with passthrough=true hands on its own H.264 (or an MJPEG stream's JPEG) without re-encoding. The common cases:

- a file: videosrc location=clip.mp4 (is-live=true plays it at its own rate)
- a V4L2 camera: videosrc location=/dev/video0 (input-format=v4l2, which a V4L2 device implies; its mode is options=video_size=1280x720,framerate=30)
- an RTSP camera: videosrc location=rtsp://HOST/PATH, read by gopline's own RTSP client, reconnected when it drops
- RTP sent to a port: videosrc location=rtp://IP:PORT, no SDP file needed
- an HLS playlist or an HTTP stream: videosrc location=http://...

rate= is only the frame rate of a raw H.264 file whose SPS states none: any other input keeps its own rate, and a rate= given for one is warned of, naming the stream's (gopline converts no frame rates; a camera's is set with options=framerate=N).

Cameras: one that does not open says why: none there (naming those there are), no permission, or busy. One that drops while it streams, unplugged or reset, is opened again at its path as retries= says.

RTSP: a camera's H.264 is received by gopline's own RTSP client, each picture handed on at its last RTP packet, not a frame later when the next begins, its RTP over the RTSP connection (TCP). Another codec, a camera that refuses TCP, input-format=rtsp, conceal=true, stream= or options other than rtsp_transport=tcp (rtsp_transport=udp among them) read it through FFmpeg's.

RTP: rtp://IP:PORT is the port an RTP sender such as GStreamer's rtph264pay config-interval=-1 ! udpsink sends to, received without an SDP file as payload= and encoding= say; its H.264 by gopline's own reader, as an RTSP camera's and an .sdp file's; H.265, JPEG and options= through FFmpeg. A port's or multicast group's stream is its first sender's: another sender is left out, named once and counted (other_streams); rtp://IP:PORT?sources=IP[,IP...] takes the senders named alone, block=IP[,IP...] never those named, as FFmpeg's rtp:// URLs do. A silent port fails at timeout= saying nothing arrived, and an H.264 or H.265 stream whose keyframes come without SPS and PPS fails at its third keyframe saying to set config-interval=-1 on the sender.

Decoding: frames are turned upright as the stream's display matrix asks (a phone's clip tagged rotate=90: 480x640 frames of a 640x480 stream; autorotate=false keeps them as coded; angles other than quarter turns, and mirrors, are warned of and left as coded). Decoding starts at the stream's first keyframe: the packets before it (a live stream joined part-way) are counted (skipped: before_keyframe), not damage. Decoding is strict, as h264dec's: after damage it leaves pictures out until the next keyframe, counted in the node's stats (skipped: undecodable, damaged) and warned of; conceal=true hands on FFmpeg's concealed pictures instead, marked concealed and counted (skipped: concealed).

Passthrough: passthrough=true hands on the stream's own H.264 access units as coded, SPS and PPS in front of every IDR (or an MJPEG stream's JPEG pictures); another codec, such as an HEVC camera's, fails at once: decode it instead. H.264 that browsers and Foxglove do not decode (High 4:4:4, High 4:2:2, High 10) is recorded and warned of once, naming its format, and a stream meant to be shown turned is warned of, since the packets and their recording do not keep the turn. After a packet the demuxer found damaged (an MPEG-TS with lost packets), each access unit is decoded before it is handed on until the next keyframe, and one that does not decode is left out with those after it until the next keyframe, counted as damage.

Reconnecting and failing: a network stream (the RTP stream an .sdp file describes too: a file that is missing or not a session description fails at once) that drops or is down is opened again (retries=), as a new stream that resumes at its first keyframe, each reopening a restart in the node's stats. One that never opened before the pipeline stopped fails the source (stream never opened), and so does one that opened but delivered no frame (stream delivered nothing), as does a file or device that delivers none before its end or the stop, so that a run whose camera never answered, or never sent a picture, does not pass for one that ran. A live HLS playlist that stops growing fails after about timeout= plus 3 target durations, and is reopened after the last segment read, not replayed. A recording over the network (a known duration or size, as an HTTP server's Content-Length) is read once, and a failure part-way fails the source instead of reading it again from its beginning.`
