// Writes the bags of storage/mcapimport's tests with the serializers
// Foxglove's tools use (not gopline's code), so that the tests read bytes
// gopline did not lay out itself:
//
//	rosbag2_split/        a rosbag2 directory, split in two files, as
//	                      ros2 bag record --storage mcap -b leaves it
//	ros1_compressed.mcap  a ROS 1 bag converted to MCAP
//	humble/humble_0.db3   a rosbag2 file in SQLite as Humble writes it (no
//	                      definitions; ffmpeg_image_transport packets among
//	                      its topics), written by the sqlite3 tool
//	jazzy/jazzy_0.db3     the same as Jazzy writes it, with a table of
//	                      definitions and a type only it defines
//	bags.json             what the tests expect of them
//
// Run from a directory with @foxglove/rosmsg, @foxglove/rosmsg2-serialization,
// @foxglove/rosmsg-serialization and @mcap/core installed, and the pictures
// made with ffmpeg:
//
//	ffmpeg -f lavfi -i testsrc=size=64x48:rate=10 -frames:v 6 -q:v 5 j%d.jpg
//	ffmpeg -f lavfi -i testsrc=size=64x48:rate=10 -frames:v 10 -c:v libx264 -bf 0 \
//	    -x264-params aud=1:keyint=5:min-keyint=5:scenecut=0 -pix_fmt yuv420p v.h264
//	node make-bags.mjs OUTDIR
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { parse } from "@foxglove/rosmsg";
import { MessageWriter as Ros2Writer } from "@foxglove/rosmsg2-serialization";
import { MessageWriter as Ros1Writer } from "@foxglove/rosmsg-serialization";
import { McapWriter } from "@mcap/core";

const out = process.argv[2];
const sep = "\n================================================================================\n";
const header2 = sep + "MSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id\n" +
  sep + "MSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n";
const schemas = {
  "sensor_msgs/msg/CompressedImage": "std_msgs/Header header # acquisition time\nstring format # jpeg or png\nuint8[] data\n" + header2,
  "sensor_msgs/msg/Image": "std_msgs/Header header\nuint32 height\nuint32 width\nstring encoding\nuint8 is_bigendian\nuint32 step\nuint8[] data\n" + header2,
  "foxglove_msgs/msg/CompressedVideo": "builtin_interfaces/Time timestamp\nstring frame_id\nuint8[] data\nstring format\n" +
    sep + "MSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n",
  "ffmpeg_image_transport_msgs/msg/FFMPEGPacket": "std_msgs/Header header\nint32 width\nint32 height\nstring encoding\nuint64 pts\n" +
    "uint8 flags\nbool is_bigendian\nuint8[] data\n" + header2,
  "sensor_msgs/msg/Imu": "std_msgs/Header header\nfloat64[9] orientation_covariance\nfloat64 x\n" + header2,
};
const t0 = 1740821400n; // 2025-03-01 09:30:00 UTC
const stampOf = (n) => ({ sec: Number(t0) + Math.floor(n / 10), nanosec: (n % 10) * 100_000_000 });
const nanos = (s) => BigInt(s.sec) * 1_000_000_000n + BigInt(s.nanosec);
const sha = (b) => createHash("sha256").update(b).digest("hex");

class Memory {
  chunks = [];
  size = 0n;
  async write(b) { this.chunks.push(Buffer.from(b)); this.size += BigInt(b.byteLength); }
  position() { return this.size; }
  bytes() { return Buffer.concat(this.chunks); }
}

async function bag(profile, encoding, schemaEncoding, topics) {
  const mem = new Memory();
  const w = new McapWriter({ writable: mem, useChunks: true, chunkSize: 4096 });
  await w.start({ profile, library: "make-bags" });
  const ids = {};
  for (const t of topics) {
    const schemaId = await w.registerSchema({ name: t.type, encoding: schemaEncoding, data: new TextEncoder().encode(t.schema) });
    ids[t.topic] = await w.registerChannel({ topic: t.topic, schemaId, messageEncoding: encoding, metadata: new Map() });
  }
  const most = Math.max(...topics.map((t) => t.messages.length));
  for (let n = 0; n < most; n++) {
    for (const t of topics) {
      if (n >= t.messages.length) continue;
      const m = t.messages[n];
      const time = nanos(m.stamp) + 5_000_000n;
      await w.addMessage({ channelId: ids[t.topic], sequence: n, logTime: time, publishTime: time, data: m.data });
    }
  }
  await w.end();
  return mem.bytes();
}

const ros2 = (type, message) => new Ros2Writer(parse(schemas[type], { ros2: true })).writeMessage(message);
const jpegs = [1, 2, 3, 4, 5, 6].map((i) => readFileSync(`j${i}.jpg`));
const h264 = readFileSync("v.h264");
// access units: split where an access unit delimiter (type 9) starts
const starts = [];
for (let i = 0; i + 4 < h264.length; i++) {
  if (h264[i] === 0 && h264[i + 1] === 0 && h264[i + 2] === 0 && h264[i + 3] === 1 && (h264[i + 4] & 0x1f) === 9) starts.push(i);
}
const aus = starts.map((s, i) => h264.subarray(s, starts[i + 1] ?? h264.length));

// raw: a 6x4 bgr8 picture, rows padded to 20 bytes, pixel (x, y) = (b 10x, g 20y, r x+y)
const raw = Buffer.alloc(20 * 4);
for (let y = 0; y < 4; y++) for (let x = 0; x < 6; x++) raw.set([10 * x, 20 * y, x + y], y * 20 + 3 * x);

const expect = {};
function split(parts, topic, type, messages, extra = {}) {
  expect[topic] = { type, count: messages.length, stamps: messages.map((m) => nanos(m.stamp).toString()), ...extra };
  const half = Math.ceil(messages.length / 2);
  parts[0].push({ topic, type, schema: schemas[type], messages: messages.slice(0, half) });
  parts[1].push({ topic, type, schema: schemas[type], messages: messages.slice(half) });
}
const parts = [[], []];
split(parts, "/camera/image_raw/compressed", "sensor_msgs/msg/CompressedImage",
  jpegs.map((j, n) => ({ stamp: stampOf(n), data: ros2("sensor_msgs/msg/CompressedImage",
    { header: { stamp: stampOf(n), frame_id: "camera_optical_frame" }, format: "rgb8; jpeg compressed bgr8", data: j }) })),
  { sha256: jpegs.map(sha), width: 64, height: 48 });
split(parts, "/camera/h264", "foxglove_msgs/msg/CompressedVideo",
  aus.map((au, n) => ({ stamp: stampOf(n), data: ros2("foxglove_msgs/msg/CompressedVideo",
    { timestamp: stampOf(n), frame_id: "camera", data: au, format: "h264" }) })),
  { width: 64, height: 48, keyframes: aus.map((_, n) => n % 5 === 0) });
split(parts, "/camera/image_raw", "sensor_msgs/msg/Image",
  [0, 1].map((n) => ({ stamp: stampOf(n), data: ros2("sensor_msgs/msg/Image",
    { header: { stamp: stampOf(n), frame_id: "camera" }, height: 4, width: 6, encoding: "bgr8", is_bigendian: 0, step: 20, data: raw }) })),
  { width: 6, height: 4 });
split(parts, "/imu", "sensor_msgs/msg/Imu",
  [0, 1].map((n) => ({ stamp: stampOf(n), data: ros2("sensor_msgs/msg/Imu",
    { header: { stamp: stampOf(n), frame_id: "imu" }, orientation_covariance: new Float64Array(9), x: 1.5 }) })));

mkdirSync(join(out, "rosbag2_split"), { recursive: true });
for (let i = 0; i < 2; i++) {
  writeFileSync(join(out, "rosbag2_split", `rosbag2_split_${i}.mcap`), await bag("ros2", "cdr", "ros2msg", parts[i]));
}
writeFileSync(join(out, "rosbag2_split", "metadata.yaml"), `rosbag2_bagfile_information:
  version: 5
  storage_identifier: mcap
  duration:
    nanoseconds: 500000000
  starting_time:
    nanoseconds_since_epoch: ${nanos(stampOf(0))}
  message_count: ${Object.values(expect).reduce((n, t) => n + t.count, 0)}
  topics_with_message_count: []
  compression_format: ""
  compression_mode: ""
  relative_file_paths:
    - rosbag2_split_0.mcap
    - rosbag2_split_1.mcap
  files:
    - path: rosbag2_split_0.mcap
    - path: rosbag2_split_1.mcap
`);

// ROS 1: Header has a seq, time is a primitive, strings have no NUL.
const ros1Schema = "Header header\nstring format\nuint8[] data\n" + sep +
  "MSG: std_msgs/Header\nuint32 seq\ntime stamp\nstring frame_id\n";
const ros1Writer = new Ros1Writer(parse(ros1Schema));
const ros1 = jpegs.slice(0, 3).map((j, n) => ({ stamp: stampOf(n), data: ros1Writer.writeMessage({
  header: { seq: n, stamp: { sec: stampOf(n).sec, nsec: stampOf(n).nanosec }, frame_id: "usb_cam" }, format: "jpeg", data: j }) }));
writeFileSync(join(out, "ros1_compressed.mcap"), await bag("ros1", "ros1", "ros1msg",
  [{ topic: "/usb_cam/image_raw/compressed", type: "sensor_msgs/CompressedImage", schema: ros1Schema, messages: ros1 }]));
expect["/usb_cam/image_raw/compressed"] = { type: "sensor_msgs/CompressedImage", count: 3, stamps: ros1.map((m) => nanos(m.stamp).toString()),
  sha256: jpegs.slice(0, 3).map(sha), width: 64, height: 48 };
writeFileSync(join(out, "bags.json"), JSON.stringify(expect, null, 1) + "\n");

// rosbag2 in SQLite: Humble's tables, and Jazzy's with message_definitions.
function db3(path, jazzy, topics) {
  const hex = (b) => "X'" + Buffer.from(b).toString("hex") + "'";
  const q = (s) => "'" + s.replaceAll("'", "''") + "'";
  let sql = "CREATE TABLE schema(schema_version INTEGER PRIMARY KEY,ros_distro TEXT NOT NULL);\n" +
    `INSERT INTO schema VALUES(${jazzy ? 4 : 3},${q(jazzy ? "jazzy" : "humble")});\n` +
    "CREATE TABLE metadata(id INTEGER PRIMARY KEY,metadata_version INTEGER NOT NULL,metadata TEXT NOT NULL);\n" +
    "CREATE TABLE topics(id INTEGER PRIMARY KEY,name TEXT NOT NULL,type TEXT NOT NULL,serialization_format TEXT NOT NULL," +
    "offered_qos_profiles TEXT NOT NULL" + (jazzy ? ",type_description_hash TEXT NOT NULL" : "") + ");\n" +
    "CREATE TABLE messages(id INTEGER PRIMARY KEY,topic_id INTEGER NOT NULL,timestamp INTEGER NOT NULL,data BLOB NOT NULL);\n" +
    "CREATE INDEX timestamp_idx ON messages (timestamp ASC);\n";
  if (jazzy) {
    sql += "CREATE TABLE message_definitions(id INTEGER PRIMARY KEY,topic_type TEXT NOT NULL,encoding TEXT NOT NULL," +
      "encoded_message_definition TEXT NOT NULL,type_description_hash TEXT NOT NULL);\n";
  }
  topics.forEach((t, i) => {
    sql += `INSERT INTO topics VALUES(${i + 1},${q(t.topic)},${q(t.type)},'cdr',''${jazzy ? ",'RIHS01_00'" : ""});\n`;
    if (jazzy) sql += `INSERT INTO message_definitions VALUES(${i + 1},${q(t.type)},'ros2msg',${q(t.schema)},'RIHS01_00');\n`;
  });
  let id = 1;
  const most = Math.max(...topics.map((t) => t.messages.length));
  for (let n = 0; n < most; n++) {
    topics.forEach((t, i) => {
      if (n < t.messages.length) {
        sql += `INSERT INTO messages VALUES(${id++},${i + 1},${nanos(t.messages[n].stamp) + 5_000_000n},${hex(t.messages[n].data)});\n`;
      }
    });
  }
  execFileSync("sqlite3", [path], { input: sql });
}

mkdirSync(join(out, "humble"), { recursive: true });
mkdirSync(join(out, "jazzy"), { recursive: true });
// A 64x48 rgb8 picture of 9,216 bytes: more than a SQLite page, so its row goes on in overflow pages.
const rgb = Buffer.alloc(64 * 48 * 3);
for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 7) % 251;
const rgbMessages = [0, 1, 2].map((n) => ({ stamp: stampOf(n), data: ros2("sensor_msgs/msg/Image",
  { header: { stamp: stampOf(n), frame_id: "camera" }, height: 48, width: 64, encoding: "rgb8", is_bigendian: 0, step: 192, data: rgb }) }));
// ffmpeg_image_transport's packets, named by the encoder as its Humble release names them.
const ffmpegType = "ffmpeg_image_transport_msgs/msg/FFMPEGPacket";
const ffmpegMessages = aus.map((au, n) => ({ stamp: stampOf(n), data: ros2(ffmpegType,
  { header: { stamp: stampOf(n), frame_id: "camera" }, width: 64, height: 48, encoding: "libx264", pts: BigInt(n),
    flags: n % 5 === 0 ? 1 : 0, is_bigendian: false, data: au }) }));
const humbleTopics = [parts[0][0], parts[0][2], parts[0][3], // compressed, raw, imu
  { topic: "/camera/rgb", type: "sensor_msgs/msg/Image", schema: schemas["sensor_msgs/msg/Image"], messages: rgbMessages },
  { topic: "/camera/image_raw/ffmpeg", type: ffmpegType, schema: schemas[ffmpegType], messages: ffmpegMessages }];
db3(join(out, "humble", "humble_0.db3"), false, humbleTopics);
expect["/camera/rgb"] = { type: "sensor_msgs/msg/Image", count: 3, stamps: rgbMessages.map((m) => nanos(m.stamp).toString()),
  sha256: [rgb, rgb, rgb].map(sha), width: 64, height: 48 };
expect["/camera/image_raw/ffmpeg"] = { type: ffmpegType, count: aus.length, stamps: ffmpegMessages.map((m) => nanos(m.stamp).toString()),
  width: 64, height: 48, keyframes: aus.map((_, n) => n % 5 === 0) };
// Jazzy: a camera of a type only the file defines (an exposure after the data).
const frameType = "camera_msgs/msg/Frame";
const frameSchema = "std_msgs/Header header\nstring format\nuint8[] data\nfloat32 exposure\n" + header2;
const frames = jpegs.slice(0, 4).map((j, n) => ({ stamp: stampOf(n), data: new Ros2Writer(parse(frameSchema, { ros2: true })).writeMessage(
  { header: { stamp: stampOf(n), frame_id: "camera" }, format: "jpeg", data: j, exposure: 0.01 }) }));
db3(join(out, "jazzy", "jazzy_0.db3"), true, [{ topic: "/camera/frame", type: frameType, schema: frameSchema, messages: frames }]);
expect["/camera/frame"] = { type: frameType, count: 4, stamps: frames.map((m) => nanos(m.stamp).toString()),
  sha256: jpegs.slice(0, 4).map(sha), width: 64, height: 48 };
writeFileSync(join(out, "bags.json"), JSON.stringify(expect, null, 1) + "\n");
