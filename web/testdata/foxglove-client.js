// A Foxglove client for gopline's tests: @foxglove/ws-protocol's
// FoxgloveClient subscribes to one topic and prints each message it gets,
// one JSON line each: {ms, format, frame_id, data} (data in base64, ms from
// the connection's start). It reads the messages as Foxglove does: protobuf,
// with protobufjs and the FileDescriptorSet the channel advertises.
// Usage: node foxglove-client.js URL TOPIC COUNT
"use strict";

const { FoxgloveClient } = require("@foxglove/ws-protocol");
const WebSocket = require("ws");
const protobufjs = require("protobufjs");
const { FileDescriptorSet } = require("protobufjs/ext/descriptor");

const [url, topic, count] = process.argv.slice(2);
const want = Number(count);
const started = Date.now();
const ws = new WebSocket(url, [FoxgloveClient.SUPPORTED_SUBPROTOCOL]);
const client = new FoxgloveClient({ ws });
const channels = new Map();
let got = 0;

const fail = (why) => {
  process.stderr.write("foxglove client: " + why + "\n");
  process.exit(1);
};
setTimeout(() => fail("timed out after " + got + " messages"), 20000);

client.on("advertise", (list) => {
  for (const ch of list) {
    if (ch.topic !== topic || channels.size > 0) continue;
    if (ch.schemaName !== "foxglove.CompressedVideo" || ch.encoding !== "protobuf" || ch.schemaEncoding !== "protobuf") {
      fail("channel " + JSON.stringify(ch));
    }
    const root = protobufjs.Root.fromDescriptor(FileDescriptorSet.decode(Buffer.from(ch.schema, "base64")));
    channels.set(client.subscribe(ch.id), root.lookupType(ch.schemaName));
  }
});
client.on("status", (s) => process.stderr.write("status: " + s.message + "\n"));
client.on("error", (err) => fail(String(err)));
client.on("close", () => { if (got < want) fail("closed after " + got + " messages"); });
client.on("message", ({ subscriptionId, data }) => {
  if (!channels.has(subscriptionId)) fail("message of unknown subscription " + subscriptionId);
  const type = channels.get(subscriptionId);
  const msg = type.toObject(type.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)), { bytes: String, longs: Number });
  process.stdout.write(JSON.stringify({ ms: Date.now() - started, format: msg.format, frame_id: msg.frame_id ?? msg.frameId, data: msg.data }) + "\n");
  if (++got === want) {
    client.close();
    process.exit(0);
  }
});
