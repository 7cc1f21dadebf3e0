// Package mcapimport makes a gopline recording of the pictures in a ROS 2
// bag (its rosbag2 directory, or one of its files: MCAP, the default since
// Iron, or SQLite before it), a ROS 1 bag, or another MCAP file: a ROS 1
// bag converted to MCAP, a Foxglove recording, or what gopline export
// wrote.
// Once imported, the pictures play (gopline play), export to MP4, and reach
// viewers and late joiners as a recording's do.
//
//	res, err := mcapimport.ImportFile(ctx, "robot_bag", "robot.gopline", mcapimport.Options{})
//
// Each topic of pictures becomes a stream named as the topic: compressed
// pictures (sensor_msgs/CompressedImage, foxglove CompressedImage: JPEG as
// it is, PNG decoded to raw), compressed video (foxglove CompressedVideo
// and ffmpeg_image_transport's packets: H.264 as it is, from its first
// keyframe) and raw pictures (sensor_msgs/Image, foxglove RawImage: RGB,
// BGR and Bayer of 8 or 16 bits, grey, YUV 4:2:2 and 4:2:0), with depth
// and thermal pictures (16UC1, 32FC1, mono16, compressedDepth) shown in
// grey. ROS 2 (CDR), ROS 1, JSON and protobuf messages are read by their
// schema's fields, not by a list of types.
// Topics of anything else are listed in the Result with why they were not
// taken. See ImportFile for the rules.
//
// An MCAP file is read in its order, record by record, without its index:
// a bag a recorder left without its footer (killed, a power cut) imports
// up to its cut, and a damaged chunk loses only its own messages. Records
// and chunks are bounded (256 MiB); schemas and messages are parsed
// without trusting their lengths. A SQLite file is read in the order its
// messages were written, with github.com/alicebob/sqlittle (pure Go,
// read-only). A ROS 1 bag is read as an MCAP file is, chunk by chunk
// without its index (ros1bag.go). A file compressed whole (zstd, gzip,
// bzip2, lz4: compressed.go) is read through its decompressor. Each
// topic's pictures are stored in the order of their log times, as ros2 bag
// play gives them, whatever order the file stores them in, through a
// bounded window (reorder.go).
package mcapimport
