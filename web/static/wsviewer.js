// gopline's WebSocket viewer, for what WebRTC does not carry to this
// browser: H.264 when its WebRTC receives none, H.264 with B-frames, JPEG,
// raw pictures. It subscribes to the topic over the node's Foxglove
// WebSocket (/foxglove), decodes each H.264 access unit with WebCodecs'
// VideoDecoder, each JPEG with createImageBitmap, turns each raw picture
// (rgb8, mono8, uyvy) into RGBA, and paints the newest picture on a
// <canvas>. Plain JavaScript, no build step; viewer.js chooses it.
"use strict";

const goplineWebSocket = (() => {
  const subprotocol = "foxglove.websocket.v1";
  const opMessageData = 0x01;
  const messageDataHeader = 1 + 4 + 8; // opcode, subscription id, receive time
  // Reconnect after a lost socket: the first wait, the longest.
  const backoffFirstMs = 250;
  const backoffMaxMs = 5000;
  // maxDecodeQueue bounds the live access units waiting in the decoder:
  // beyond it the page skips to the next keyframe rather than fall behind.
  // The cached GOP a subscription starts with is not a backlog: each of
  // its pictures needs the ones before it, and the newest is the one to
  // show, so the page decodes it whole, up to maxReplay access units (the
  // node's cache holds at most 600 packets) beyond maxDecodeQueue. The
  // node marks the replayed pictures (/foxglove?replay=marked).
  const maxDecodeQueue = 60;
  const maxReplay = 600;
  // Decoder errors in a row, with no picture between, before the page says
  // so; a single one is recovered from at the next keyframe.
  const errorsToTell = 3;
  // Until a subscription's first picture is painted, a decoded picture more
  // than burstUs older than the newest access unit given to the decoder,
  // while newer ones are still being decoded, is one of the cached GOP the
  // subscription starts with, which decodes in a burst: the page waits for
  // the newer ones rather than paint it, for at most holdFrames animation
  // frames.
  const burstUs = 100000;
  const holdFrames = 10;
  // How long after the node's greeting a topic it has not advertised is
  // said to be missing (the node advertises new topics every 2 s).
  const topicWaitMs = 3000;
  // JPEG or raw pictures being decoded at once: beyond it a picture is
  // skipped (each stands alone), so that a slow page paints the newest.
  const maxImageDecodes = 2;
  // A subscription that paints no picture for stallMs (or stallGaps times
  // its mean time between pictures, for a slow stream), or none
  // joinWaitMs after it starts, says so, as viewer.js's WebRTC view does;
  // the next picture takes it back.
  const stallMs = 3000;
  const stallGaps = 4;
  const joinWaitMs = 10000;

  // describe returns what the node's /api/topics/NAME says of one topic;
  // token is the node's, when it has one.
  async function describe(name, token) {
    const res = await fetch("/api/topics/" + name.replace(/^\//, "").split("/").map(encodeURIComponent).join("/"),
      { headers: token ? { Authorization: "Bearer " + token } : {} });
    if (!res.ok) throw new Error(res.status + ": " + (await res.text()).trim());
    return res.json();
  }

  // live says whether a topic, as /api/topics describes it, has a stream:
  // a publisher, or packets arriving.
  function live(info) {
    return info.publishers > 0 || info.fps > 0;
  }

  // stalled says whether a topic, as /api/topics describes it, has a
  // publisher that sends nothing: the node measures no packet rate (none
  // for two seconds).
  function stalled(info) {
    return info.publishers > 0 && !(info.fps > 0);
  }

  // noPacket is what a view of topic, over either transport, says when
  // the node has had no packet of it for secs seconds from a publisher it
  // still has.
  function noPacket(topic, secs) {
    return "no packet for " + secs + " s from " + topic + ": its publisher sends nothing" +
      " (a topic relayed from another node: that node's stream stalled)";
  }

  // newStats returns the stats a view keeps (viewer.js's view describes
  // them), with firstFrame, a promise settled at the first painted picture
  // or an error, and settleFirstFrame, which settles it.
  function newStats(topic) {
    const stats = { topic, transport: null, note: null, firstFrameMs: null, framesPainted: 0, lastFrameAt: null, fps: 0,
      bitrate: 0, latencyMs: null, error: null, close: () => {} };
    let settle;
    stats.firstFrame = new Promise((resolve) => { settle = resolve; });
    Object.defineProperty(stats, "settleFirstFrame", { value: () => settle(), enumerable: false });
    return stats;
  }

  // newCatchUp follows the node's word that a subscription fell behind and
  // goes on at the newest keyframe (a status message sent just before that
  // keyframe). The page is live again once it paints a picture that
  // arrived after the word: the next picture it paints may be one that
  // arrived before, still waiting in its decoder. said(message, at) takes
  // a status message that arrived at at and says whether it is that word;
  // painted(at) takes a painted picture's arrival and says whether the
  // page is live again by it (once after each word); reset() forgets the
  // word (a new subscription).
  function newCatchUp() {
    let since = null;
    return {
      said(message, at) {
        if (!/ fell behind and skips /.test(message)) return false;
        since = at;
        return true;
      },
      painted(at) {
        if (since === null || at < since) return false;
        since = null;
        return true;
      },
      reset() { since = null; },
    };
  }

  // available says whether the browser has what the viewer needs for a
  // codec ("h264", the default, "jpeg" or "raw"): a WebSocket, and
  // WebCodecs' VideoDecoder for H.264 or createImageBitmap for the others.
  function available(codec) {
    if (typeof WebSocket !== "function") return false;
    if (codec === "jpeg" || codec === "raw") return typeof createImageBitmap === "function";
    return typeof VideoDecoder === "function" && typeof VideoDecoder.isConfigSupported === "function" &&
      typeof EncodedVideoChunk === "function";
  }

  // nalUnits returns the types of the NAL units of an Annex B access unit,
  // each with the offset of its header byte.
  function nalUnits(au) {
    const units = [];
    for (let i = 0; i + 2 < au.length; i++) {
      if (au[i] === 0 && au[i + 1] === 0 && au[i + 2] === 1) {
        if (i + 3 < au.length) units.push({ type: au[i + 3] & 0x1f, at: i + 3 });
        i += 2;
      }
    }
    return units;
  }

  const hex = (b) => b.toString(16).padStart(2, "0");

  // codecOf returns the WebCodecs codec string of the access unit's SPS,
  // avc1.PPCCLL (profile_idc, constraint flags, level_idc), or "" when it
  // holds no SPS.
  function codecOf(au) {
    for (const u of nalUnits(au)) {
      if (u.type === 7 && u.at + 3 < au.length) return "avc1." + hex(au[u.at + 1]) + hex(au[u.at + 2]) + hex(au[u.at + 3]);
    }
    return "";
  }

  // isKeyframe says whether the access unit holds an IDR picture.
  function isKeyframe(au) {
    return nalUnits(au).some((u) => u.type === 5);
  }

  // parseMessageData reads a binary Message Data of the Foxglove protocol:
  // its subscription id and its payload, null for another opcode or a
  // short frame.
  function parseMessageData(buf) {
    if (buf.byteLength < messageDataHeader) return null;
    const dv = new DataView(buf);
    if (dv.getUint8(0) !== opMessageData) return null;
    return { subscription: dv.getUint32(1, true), payload: new Uint8Array(buf, messageDataHeader) };
  }

  // The field the node adds, for a client that asks, to the message of a
  // picture replayed from its cache (web.replayedField).
  const replayedField = 16;

  // The field numbers of the schemas the node serves, in protobuf; a
  // RawImage's encoding is read as its format.
  const pictureFields = {
    "foxglove.CompressedVideo": { timestamp: 1, frameId: 2, data: 3, format: 4 },
    "foxglove.CompressedImage": { timestamp: 1, data: 2, format: 3, frameId: 4 },
    "foxglove.RawImage": { timestamp: 1, width: 2, height: 3, format: 4, step: 5, data: 6, frameId: 7 },
  };

  // readVarint returns the varint at pos of b and the position after it.
  function readVarint(b, pos) {
    let value = 0;
    for (let scale = 1; pos < b.length; scale *= 128) {
      const c = b[pos++];
      value += (c & 0x7f) * scale;
      if (c < 0x80) return [value, pos];
    }
    throw new Error("a varint runs past the message");
  }

  // protoFields calls field(number, wireType, value) for each field of a
  // protobuf message: value is a number (varint, fixed32) or a view of the
  // bytes (length-delimited); fixed64 is skipped.
  function protoFields(b, field) {
    for (let pos = 0; pos < b.length;) {
      let key, n;
      [key, pos] = readVarint(b, pos);
      const number = Math.floor(key / 8), type = key & 7;
      switch (type) {
        case 0: [n, pos] = readVarint(b, pos); field(number, type, n); break;
        case 1: pos += 8; break;
        case 2:
          [n, pos] = readVarint(b, pos);
          if (pos + n > b.length) throw new Error("a field runs past the message");
          field(number, type, b.subarray(pos, pos + n));
          pos += n;
          break;
        case 5:
          if (pos + 4 > b.length) throw new Error("a field runs past the message");
          field(number, type, (b[pos] | b[pos + 1] << 8 | b[pos + 2] << 16 | b[pos + 3] << 24) >>> 0);
          pos += 4;
          break;
        default: throw new Error("wire type " + type);
      }
    }
  }

  // decodePicture reads a CompressedVideo, CompressedImage or RawImage
  // message: its format (a RawImage's encoding), data (a view of b),
  // capture time in microseconds, and a RawImage's width, height and step.
  const utf8 = new TextDecoder();
  function decodePicture(b, schema) {
    const f = pictureFields[schema];
    const m = { format: "", data: new Uint8Array(0), capturedUs: 0, replayed: false, width: 0, height: 0, step: 0 };
    protoFields(b, (number, type, value) => {
      if (type === 0 && number === replayedField) m.replayed = value === 1;
      if (type === 5 && number === f.width) m.width = value;
      else if (type === 5 && number === f.height) m.height = value;
      else if (type === 5 && number === f.step) m.step = value;
      if (type !== 2) return;
      if (number === f.format) m.format = utf8.decode(value);
      else if (number === f.data) m.data = value;
      else if (number === f.timestamp) {
        let sec = 0, nsec = 0;
        protoFields(value, (n, t, v) => {
          if (t === 0 && n === 1) sec = v;
          else if (t === 0 && n === 2) nsec = v;
        });
        m.capturedUs = Math.floor(sec * 1e6 + nsec / 1e3);
      }
    });
    return m;
  }

  // rawToImageData returns a RawImage message's picture (m: decodePicture's)
  // as ImageData, or null when its encoding is not one the node sends
  // (rgb8, mono8, uyvy: 4:2:2, BT.601 limited range) or its data is too
  // short for its size.
  function rawToImageData(m) {
    const w = m.width, h = m.height, bytes = { rgb8: 3, mono8: 1, uyvy: 2, yuv422: 2 }[m.format];
    if (!bytes || w === 0 || h === 0 || (m.format !== "rgb8" && m.format !== "mono8" && w % 2 !== 0)) return null;
    const step = m.step || w * bytes, d = m.data;
    if (step < w * bytes || d.length < step * (h - 1) + w * bytes) return null;
    const out = new ImageData(w, h), px = out.data;
    const clamp = (v) => (v < 0 ? 0 : v > 255 ? 255 : v);
    for (let y = 0; y < h; y++) {
      let i = y * step, o = y * w * 4;
      for (let x = 0; x < w;) {
        if (bytes === 3) {
          px[o] = d[i]; px[o + 1] = d[i + 1]; px[o + 2] = d[i + 2]; px[o + 3] = 255;
          i += 3; o += 4; x++;
        } else if (bytes === 1) {
          px[o] = px[o + 1] = px[o + 2] = d[i]; px[o + 3] = 255;
          i += 1; o += 4; x++;
        } else {
          const u = d[i] - 128, v = d[i + 2] - 128;
          const r = 409 * v + 128, g = -100 * u - 208 * v + 128, b = 516 * u + 128;
          for (let k = 1; k <= 3; k += 2) { // the pair's two lumas, at i+1 and i+3
            const c = 298 * (d[i + k] - 16);
            px[o] = clamp((c + r) >> 8);
            px[o + 1] = clamp((c + g) >> 8);
            px[o + 2] = clamp((c + b) >> 8);
            px[o + 3] = 255;
            o += 4;
          }
          i += 4; x += 2;
        }
      }
    }
    return out;
  }

  // view plays topic on canvas and keeps stats (newStats's, or a new one),
  // the object it returns, as viewer.js's view does (transport
  // "websocket"); token is the node's, when it has one, and kind the
  // topic's codec ("h264", "jpeg" or "raw") as far as the page knows. It paints only the
  // newest decoded picture, on the next animation frame: the cached GOP a
  // subscription starts with decodes in a burst, and the newest of it shows
  // at once.
  function view(canvas, topic, token, kind, stats) {
    stats = Object.assign(stats || newStats(topic), { transport: "websocket", connectedMs: null });
    if (!available(kind)) {
      stats.error = kind === "jpeg" || kind === "raw" ? "this browser has no createImageBitmap, which the viewer draws " + kind.toUpperCase() + " pictures with"
        : "this browser has no WebCodecs (VideoDecoder), which the WebSocket viewer needs";
      stats.close = () => {};
      stats.settleFirstFrame();
      return stats;
    }
    const started = performance.now();
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/foxglove?replay=marked" +
      (token ? "&token=" + encodeURIComponent(token) : "");
    const paint = canvas.getContext("2d");
    let closed = false, ws = null, backoff = backoffFirstMs, retry = null, topicTimer = null;
    let channel = null, schema = null, subscription = 0, nextSubscription = 1;
    let decoder = null, codec = "", needKeyframe = true, errorsInARow = 0;
    let lastTimestamp = 0; // the newest capture time (µs) given to the decoder
    // The newest capture times (µs) of a replayed access unit given to the
    // decoder and of a picture it gave back: while the first is the newer,
    // the decoder still holds some of the replay.
    let replayedUpTo = -Infinity, decodedUpTo = -Infinity;
    // Since the last painted picture (or the subscription): the messages of
    // the subscription that arrived, the access units given to the decoder,
    // and whether the page skipped to the next keyframe; the keyframes
    // since the subscription. The stall note says from them why nothing
    // is painted.
    let arrived = 0, given = 0, skipped = false, keyframes = 0;
    const receivedAt = new Map(); // chunk timestamp -> performance.now() of its arrival
    // What stats.error is about: "socket", "topic", "decoder", "codec", "stall", "node" (a warning of the
    // node's) or "behind" (the node's word that the subscription fell behind, until it is live again).
    let errorKind = "";
    const catchUp = newCatchUp();
    let newest = null, newestReceived = 0, drawing = false, held = 0, joining = true;
    const painted = [];
    let bytes = 0, bytesSince = started;
    let subscribedAt = 0, watchedSince = started, gap = 0; // for the stall note; gap: the mean time between pictures
    let imagesDecoding = 0, imageSeq = 0, imageShown = 0; // JPEG or raw pictures being decoded, given, the newest shown
    // What the node said of the topic when asked, while nothing of it
    // arrived: "stalled" (its publisher sends nothing), "gone" (it has no
    // publisher) or "" (packets arrive, or the node did not answer). round
    // counts the pictures and subscriptions, so that an answer to a
    // question asked before the last of them is not taken; asking is set
    // while a question is under way.
    let silence = "", round = 0, asking = false;
    const supported = new Map(); // codec -> Promise of VideoDecoder.isConfigSupported's answer
    let chain = Promise.resolve(); // access units, in order, across the asynchronous configure

    function say(kind, msg) { errorKind = kind; stats.error = msg; stats.settleFirstFrame(); }
    function unsay(kind) { if (errorKind === kind) { errorKind = ""; stats.error = null; } }

    const config = (c) => ({ codec: c, optimizeForLatency: true }); // Annex B: no description

    function draw() {
      drawing = false;
      if (!newest || closed) return;
      if (joining && receivedAt.size > 0 && lastTimestamp - newest.timestamp > burstUs && held < holdFrames) {
        held++;
        drawing = true;
        requestAnimationFrame(draw);
        return;
      }
      held = 0;
      joining = false;
      const f = newest;
      newest = null;
      const w = f.displayWidth || f.width, h = f.displayHeight || f.height; // a VideoFrame or an ImageBitmap
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w; canvas.height = h;
      }
      paint.drawImage(f, 0, 0, canvas.width, canvas.height);
      f.close();
      const now = performance.now();
      if (stats.lastFrameAt !== null && errorKind !== "stall" && errorKind !== "behind") {
        const d = now - stats.lastFrameAt;
        gap = gap === 0 ? d : gap + (d - gap) / 8;
      }
      stats.framesPainted++;
      stats.lastFrameAt = now;
      if (stats.firstFrameMs === null) {
        stats.firstFrameMs = now - started;
        stats.settleFirstFrame();
      }
      stats.latencyMs = Math.max(0, now - newestReceived);
      painted.push(now);
      stats.fps = rate(painted, gap, now, now);
      arrived = 0; given = 0; skipped = false;
      silence = ""; round++;
      errorsInARow = 0;
      unsay("decoder");
      unsay("node");
      if (catchUp.painted(newestReceived)) unsay("behind");
      unsay("stall");
    }

    // show takes a decoded picture to paint at the next animation frame,
    // in place of any older one not painted yet; received is when its
    // message arrived.
    function show(picture, received) {
      if (closed) { picture.close(); return; }
      if (newest) newest.close(); // an older picture of a burst: never shown
      newest = picture;
      newestReceived = received;
      if (!drawing) { drawing = true; requestAnimationFrame(draw); }
    }

    // showImage makes a bitmap of one picture that stands alone (a JPEG,
    // from its bytes; a raw one, from its ImageData) and shows it unless a
    // newer one was shown first.
    function showImage(source, what, received) {
      if (imagesDecoding >= maxImageDecodes) return; // the page falls behind: skip, the next one stands alone
      const seq = ++imageSeq;
      imagesDecoding++;
      createImageBitmap(source).then((bitmap) => {
        imagesDecoding--;
        if (seq < imageShown) { bitmap.close(); return; }
        imageShown = seq;
        errorsInARow = 0;
        show(bitmap, received);
      }, (err) => {
        imagesDecoding--;
        if (++errorsInARow >= errorsToTell) say("decoder", "this browser could not decode the topic's " + what + " pictures: " + (err.message || err));
      });
    }

    function output(frame) {
      // Pictures come out in presentation order: a chunk captured before
      // this picture that gave none (a decoder may drop one) is forgotten
      // with it.
      decodedUpTo = Math.max(decodedUpTo, frame.timestamp);
      const at = receivedAt.get(frame.timestamp);
      for (const t of receivedAt.keys()) {
        if (t <= frame.timestamp) receivedAt.delete(t);
      }
      show(frame, at === undefined ? performance.now() : at);
    }

    function dropDecoder() {
      if (decoder && decoder.state !== "closed") decoder.close();
      decoder = null;
      needKeyframe = true;
      receivedAt.clear();
      replayedUpTo = decodedUpTo = -Infinity;
    }

    function decodeError(err) {
      // The picture is lost until the next keyframe, which a new decoder
      // starts from; nothing is painted from the broken chain.
      dropDecoder();
      if (++errorsInARow >= errorsToTell) say("decoder", "WebCodecs could not decode " + codec + ": " + (err.message || err));
    }

    // decode passes one access unit to the decoder, configuring one at a
    // keyframe when there is none or the stream's codec changed; replayed
    // says that the node replayed it from its cache, arrivedAt
    // (performance.now()) when its message arrived.
    async function decode(au, captured, replayed, arrivedAt) {
      const key = isKeyframe(au);
      if (key) keyframes++;
      if (!key && (needKeyframe || !decoder)) return; // a chain without its start: wait for the next keyframe
      if (key) {
        const c = codecOf(au);
        if (!decoder || (c && c !== codec)) {
          if (!c) return; // a keyframe without SPS cannot start a decoder
          if (!supported.has(c)) supported.set(c, VideoDecoder.isConfigSupported(config(c)).then((r) => r.supported, () => false));
          const ok = await supported.get(c);
          if (closed) return;
          if (!ok) {
            say("codec", "this browser plays H.264 neither over WebRTC nor with WebCodecs (its VideoDecoder refuses " + c + ")");
            return;
          }
          unsay("codec");
          if (decoder) dropDecoder();
          const d = new VideoDecoder({ output, error: (err) => { if (d === decoder) decodeError(err); } });
          d.configure(config(c));
          decoder = d;
          codec = c;
        }
        needKeyframe = false;
      }
      // A live backlog is skipped, to the next keyframe; the replay is not.
      const replaying = replayed || decodedUpTo < replayedUpTo;
      if (decoder.decodeQueueSize > maxDecodeQueue + (replaying ? maxReplay : 0)) {
        needKeyframe = true;
        skipped = true;
        return;
      }
      if (replayed) replayedUpTo = Math.max(replayedUpTo, captured);
      given++;
      lastTimestamp = Math.max(lastTimestamp, captured);
      receivedAt.set(captured, arrivedAt);
      decoder.decode(new EncodedVideoChunk({ type: key ? "key" : "delta", timestamp: captured, data: au }));
    }

    function subscribe() {
      subscription = nextSubscription++;
      subscribedAt = performance.now();
      arrived = 0; given = 0; skipped = false; keyframes = 0;
      silence = ""; round++;
      catchUp.reset();
      unsay("behind");
      ws.send(JSON.stringify({ op: "subscribe", subscriptions: [{ id: subscription, channelId: channel }] }));
    }

    function onText(m) {
      switch (m.op) {
        case "serverInfo":
          stats.connectedMs = performance.now() - started;
          clearTimeout(topicTimer);
          topicTimer = setTimeout(() => {
            if (channel === null) say("topic", "the node has no H.264, JPEG or raw topic " + topic);
          }, topicWaitMs);
          break;
        case "advertise":
          for (const c of m.channels || []) {
            const picture = c.encoding === "protobuf" && pictureFields[c.schemaName] !== undefined;
            if (c.topic === topic && picture && channel === null) {
              channel = c.id;
              schema = c.schemaName;
              unsay("topic");
              subscribe();
            }
          }
          break;
        case "unadvertise":
          if ((m.channelIds || []).includes(channel)) {
            // The unadvertise ended the subscription: nothing to unsubscribe.
            channel = null;
            needKeyframe = true;
            say("topic", "the node has no H.264, JPEG or raw topic " + topic + " any more");
          }
          break;
        case "status":
          // The node's word that the topic went silent (for Foxglove) the
          // page says in its own, from its own watch (watch, askNode).
          if (typeof m.id === "string" && m.id.startsWith("gopline.stale.")) break;
          if (m.level >= 1 && catchUp.said(m.message, performance.now())) say("behind", "the node says: " + m.message + " (the page waits for it)");
          else if (m.level >= 1) say("node", "the node says: " + m.message);
          break;
      }
    }

    function onBinary(buf) {
      bytes += buf.byteLength;
      const d = parseMessageData(buf);
      if (!d || d.subscription !== subscription) return;
      arrived++;
      let m;
      try {
        m = decodePicture(d.payload, schema);
      } catch (err) {
        say("node", "a message the page cannot read: " + err.message);
        return;
      }
      if (m.format === "jpeg") {
        showImage(new Blob([m.data], { type: "image/jpeg" }), "JPEG", performance.now());
        return;
      }
      if (schema === "foxglove.RawImage") {
        const rgba = rawToImageData(m);
        if (rgba) showImage(rgba, "raw", performance.now());
        else say("codec", "a raw picture the page cannot draw: " + m.width + "×" + m.height + " " + m.format + " in " + m.data.length + " bytes");
        return;
      }
      if (m.format !== "h264") return;
      const au = m.data, arrivedAt = performance.now();
      chain = chain.then(() => decode(au, m.capturedUs, m.replayed, arrivedAt)).catch((err) => decodeError(err));
    }

    function connect() {
      retry = null;
      if (closed) return;
      channel = null;
      needKeyframe = true; // a new subscription starts at its cached GOP's keyframe
      lastTimestamp = 0;
      receivedAt.clear();
      joining = true;
      ws = new WebSocket(url, subprotocol);
      ws.binaryType = "arraybuffer";
      let greeted = false;
      ws.onmessage = (ev) => {
        try {
          if (typeof ev.data === "string") {
            const m = JSON.parse(ev.data);
            if (m.op === "serverInfo") { greeted = true; backoff = backoffFirstMs; unsay("socket"); }
            onText(m);
          } else onBinary(ev.data);
        } catch (err) {
          say("node", "bad message from the node: " + (err.message || err));
        }
      };
      ws.onclose = (ev) => {
        clearTimeout(topicTimer);
        if (closed) return;
        if (ev.code === 1008) {
          // A policy violation (no token, or a wrong one) is the user's to
          // mend: trying again would only be refused again.
          say("socket", "the node refused the WebSocket: " + (ev.reason || ev.code) + "; reload the page with the right ?token=");
          return;
        }
        say("socket", (greeted ? "the WebSocket to the node closed" : "cannot open the WebSocket to the node") +
          " (" + ev.code + (ev.reason ? ": " + ev.reason : "") + "), retrying in " + (backoff / 1000).toFixed(1) + " s");
        retry = setTimeout(connect, backoff);
        backoff = Math.min(2 * backoff, backoffMaxMs);
      };
    }

    const poll = setInterval(() => {
      const now = performance.now();
      stats.bitrate = (8 * bytes) / ((now - bytesSince) / 1000); // what crosses the socket, framing included
      bytes = 0; bytesSince = now;
      stats.fps = rate(painted, gap, stats.lastFrameAt, now);
      watch(now);
    }, 1000);

    // watch says so when the subscription painted nothing for too long (a
    // hidden page paints nothing, and is not watched).
    function watch(now) {
      if (document.hidden) watchedSince = now;
      if (channel === null || (errorKind !== "" && errorKind !== "stall")) return;
      const joined = stats.lastFrameAt !== null && stats.lastFrameAt > subscribedAt;
      const since = Math.max(joined ? stats.lastFrameAt : subscribedAt, watchedSince);
      if (now - since <= (joined ? Math.max(stallMs, stallGaps * gap) : joinWaitMs)) return;
      const secs = ((now - since) / 1000).toFixed(0);
      if (arrived === 0) askNode();
      if (arrived === 0 && silence === "stalled") say("stall", noPacket(topic, secs));
      else if (arrived === 0 && silence === "gone") say("stall", "no picture for " + secs + " s: the topic has no publisher");
      else say("stall", (joined ? "no picture for " + secs + " s" : "no picture " + secs + " s after subscribing") + ": " + whyNoPicture(joined));
    }

    // askNode asks the node whether the topic's publisher sends nothing,
    // or is gone, which the page cannot tell from the silence of its
    // subscription; the answer holds until the next picture.
    function askNode() {
      if (asking) return;
      asking = true;
      const question = round;
      describe(topic, token).then((info) => {
        if (question === round) silence = stalled(info) ? "stalled" : live(info) ? "" : "gone";
      }, () => {}).finally(() => { asking = false; });
    }

    // whyNoPicture says why the subscription paints nothing, from what
    // arrived since its last picture: nothing at all, or pictures that
    // this page could not show.
    function whyNoPicture(joined) {
      const pictures = arrived + (arrived === 1 ? " picture" : " pictures");
      if (arrived === 0) return joined ? "the stream stopped or the node went away" : "nothing arrived";
      if (kind === "jpeg" || kind === "raw") return pictures + " arrived, and none was drawn";
      if (needKeyframe && skipped) {
        return "this page fell behind decoding the stream, and waits for its next keyframe (IDR) to catch up (" + pictures + " arrived meanwhile)";
      }
      if (needKeyframe && keyframes === 0) {
        return pictures + " arrived, but no keyframe (IDR) to start decoding from: the topic's keyframes are not IDR pictures" +
          " (intra refresh, or an open GOP's recovery points), which this viewer cannot start from";
      }
      if (needKeyframe) return pictures + " arrived; the page waits for the next keyframe (IDR) to decode from";
      if (given > 0) return "the browser's decoder took " + given + " of the " + pictures + " that arrived and gave none back";
      return pictures + " arrived, and none was decoded";
    }

    connect();
    stats.close = () => {
      if (closed) return;
      closed = true;
      clearInterval(poll);
      clearTimeout(retry);
      clearTimeout(topicTimer);
      if (ws) ws.close();
      dropDecoder();
      if (newest) newest.close();
      newest = null;
    };
    addEventListener("pagehide", stats.close);
    return stats;
  }

  // rate is the frame rate to show at now: the pictures painted in the last
  // second (painted holds their times; older ones are dropped), or, for a
  // stream slower than one picture a second, one over the mean gap between
  // its pictures, or over the time since the last when that is longer.
  function rate(painted, meanGap, lastFrameAt, now) {
    while (painted.length && now - painted[0] > 1000) painted.shift();
    if (painted.length > 1 || !(meanGap >= 1000) || lastFrameAt === null) return painted.length;
    return Math.round(10000 / Math.max(meanGap, now - lastFrameAt)) / 10;
  }

  return { available, view, codecOf, isKeyframe, newStats, rate, newCatchUp, describe, live, stalled, noPacket };
})();
