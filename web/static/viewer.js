// gopline's browser viewer: WHEP (an SDP offer POSTed to /whep/<topic>)
// and a <video> that shows the topic, or the WebSocket viewer
// (wsviewer.js) for what WebRTC does not carry. Plain JavaScript, no build
// step.
"use strict";

const gopline = (() => {
  const params = new URLSearchParams(location.search);
  const token = params.get("token") || "";

  function headers(extra) {
    const h = Object.assign({}, extra || {});
    if (token) h["Authorization"] = "Bearer " + token;
    return h;
  }

  // playsH264 says whether the browser can receive H.264 over WebRTC, as
  // far as it tells: Firefox does only with its OpenH264 plugin, which it
  // downloads on its own but a browser without the network or run for
  // tests lacks. Such a browser offers only VP8, VP9 and AV1, and gopline
  // sends H.264 as it was encoded, never re-encoded.
  function playsH264() {
    const caps = window.RTCRtpReceiver && RTCRtpReceiver.getCapabilities && RTCRtpReceiver.getCapabilities("video");
    return !caps || caps.codecs.some((c) => c.mimeType.toLowerCase() === "video/h264");
  }
  const noH264 = "this browser cannot play H.264 over WebRTC, which gopline sends" +
    (/Firefox\//.test(navigator.userAgent) ? " (Firefox needs its OpenH264 plugin: about:addons, Plugins)" : "");

  const bFrames = "B-frames: WebRTC cannot carry them; playing over the WebSocket";
  const jpeg = "JPEG: WebRTC carries H.264 only; drawn from the WebSocket";

  // choose says how the page plays a topic, given what /api/topics says of
  // it (info: codec, reordered), as { transport, note }, note saying why
  // when it is not the browser's choice. ?transport= in the page's URL
  // forces either transport. A JPEG topic and an H.264 topic with B-frames
  // play over the WebSocket: WebRTC carries no JPEG, and browsers play
  // H.264 with B-frames over WebRTC at a few frames a second (the node
  // refuses it WHEP). Any other H.264 topic plays over WebRTC where the
  // browser receives H.264 with it, else over the WebSocket (WebCodecs)
  // where the browser has a VideoDecoder, else over WebRTC, whose view says
  // why it cannot.
  function choose(info) {
    info = info || {};
    const asked = params.get("transport");
    if (asked === "webrtc" || asked === "websocket") return { transport: asked, note: null };
    if (info.codec === "jpeg") return { transport: "websocket", note: jpeg };
    if (info.reordered) return { transport: "websocket", note: bFrames };
    if (window.RTCPeerConnection && playsH264()) return { transport: "webrtc", note: null };
    return { transport: goplineWebSocket.available("h264") ? "websocket" : "webrtc", note: null };
  }

  // view plays topic in el, a <video> (WebRTC) or a <canvas> (WebSocket),
  // and keeps stats, the object it returns: transport, firstFrameMs
  // (connect to first painted frame), framesPainted, lastFrameAt
  // (performance.now() of the last painted frame), fps, bitrate (bits/s
  // received), latencyMs (received to painted), error.
  // Over WebRTC, the join's timeline, in ms from connect: offerMs (the
  // offer made), answeredMs (the answer received), iceConnectedMs,
  // connectedMs (DTLS too), and of the first painted frame
  // firstFrameReceivedMs (its last packet received) and firstFrameDecodeMs
  // (its decode); startedAt is connect as ms since the epoch, session the
  // WHEP session's id. firstFrame is a promise, settled once the first
  // frame is painted or the viewer failed. note, set by tile, says why the
  // topic plays over the transport it does, when that is not the browser's
  // choice. stats, when given, is the object to keep them in
  // (goplineWebSocket.newStats).
  function view(el, topic, stats) {
    if (el instanceof HTMLCanvasElement) return goplineWebSocket.view(el, topic, token, "h264", stats);
    const video = el;
    stats = Object.assign(stats || goplineWebSocket.newStats(topic), { transport: "webrtc", offerMs: null, answeredMs: null,
      iceConnectedMs: null, connectedMs: null, firstFrameReceivedMs: null, firstFrameDecodeMs: null, startedAt: null, session: null });
    const settle = stats.settleFirstFrame;
    const fail = (err) => { stats.error = String(err.message || err); settle(); };
    if (!window.RTCPeerConnection) { // WebKitGTK as Debian builds it
      fail("this browser has no WebRTC (RTCPeerConnection), which the viewer needs");
      stats.close = () => {};
      return stats;
    }
    const started = performance.now();
    stats.startedAt = performance.timeOrigin + started;
    const pc = new RTCPeerConnection();
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addEventListener("connectionstatechange", () => {
      if (pc.connectionState === "connected" && stats.connectedMs === null) stats.connectedMs = performance.now() - started;
    });
    pc.addEventListener("iceconnectionstatechange", () => {
      const st = pc.iceConnectionState;
      if ((st === "connected" || st === "completed") && stats.iceConnectedMs === null) stats.iceConnectedMs = performance.now() - started;
    });
    pc.ontrack = (ev) => { video.srcObject = ev.streams[0] || new MediaStream([ev.track]); video.play().catch(() => {}); };
    let resource = null;
    const painted = [];
    const onFrame = (now, meta) => {
      stats.framesPainted++;
      stats.lastFrameAt = now;
      if (stats.firstFrameMs === null) {
        stats.firstFrameMs = now - started;
        if (meta && meta.receiveTime) stats.firstFrameReceivedMs = meta.receiveTime - started;
        if (meta && meta.processingDuration !== undefined) stats.firstFrameDecodeMs = 1000 * meta.processingDuration;
        settle();
      }
      if (meta && meta.receiveTime) stats.latencyMs = Math.max(0, meta.expectedDisplayTime - meta.receiveTime);
      painted.push(now);
      while (painted.length && now - painted[0] > 1000) painted.shift();
      stats.fps = painted.length;
      video.requestVideoFrameCallback(onFrame);
    };
    if ("requestVideoFrameCallback" in HTMLVideoElement.prototype) video.requestVideoFrameCallback(onFrame);
    let lastBytes = 0, lastAt = 0;
    const poll = setInterval(async () => {
      const report = await pc.getStats().catch(() => null);
      if (!report) return;
      report.forEach((r) => {
        if (r.type !== "inbound-rtp" || r.kind !== "video") return;
        // Two reports of one moment (a page whose clock stood still) give no rate.
        if (lastAt && r.timestamp > lastAt) stats.bitrate = (8 * (r.bytesReceived - lastBytes)) / ((r.timestamp - lastAt) / 1000);
        lastBytes = r.bytesReceived; lastAt = r.timestamp;
        if (!("requestVideoFrameCallback" in HTMLVideoElement.prototype) && r.framesDecoded) {
          if (stats.firstFrameMs === null) { stats.firstFrameMs = performance.now() - started; settle(); }
          stats.framesPainted = r.framesDecoded; stats.lastFrameAt = performance.now();
        }
      });
    }, 1000);
    (async () => {
      if (!playsH264()) throw new Error(noH264);
      await pc.setLocalDescription(await pc.createOffer());
      stats.offerMs = performance.now() - started;
      // The offer goes at once, without waiting for the browser's ICE
      // candidates: gopline's ICE agent learns the browser's address from
      // its connectivity checks (a browser hides its host addresses behind
      // mDNS names anyway), and candidates take the browser up to 100 ms.
      const path = "/whep/" + topic.replace(/^\//, "").split("/").map(encodeURIComponent).join("/");
      const res = await fetch(path, { method: "POST", headers: headers({ "Content-Type": "application/sdp" }), body: pc.localDescription.sdp });
      const body = await res.text();
      if (res.status !== 201) throw new Error(res.status + ": " + body.trim());
      resource = res.headers.get("Location");
      stats.session = resource && resource.split("/").pop();
      stats.answeredMs = performance.now() - started;
      await pc.setRemoteDescription({ type: "answer", sdp: body });
    })().catch(fail);
    stats.close = () => {
      clearInterval(poll);
      pc.close();
      if (resource) fetch(resource, { method: "DELETE", headers: headers(), keepalive: true }).catch(() => {});
    };
    addEventListener("pagehide", stats.close);
    return stats;
  }

  function human(bits) {
    if (!Number.isFinite(bits)) return "– bit/s";
    if (bits >= 1e6) return (bits / 1e6).toFixed(1) + " Mbit/s";
    if (bits >= 1e3) return (bits / 1e3).toFixed(0) + " kbit/s";
    return bits.toFixed(0) + " bit/s";
  }

  // tile makes a viewer of topic in parent, or in place of the tile
  // replaced (a tile's stats): a video (or, over the WebSocket, a canvas)
  // and a line of stats. info is what /api/topics says of the topic, or a
  // promise of it: the tile's stats, which it returns at once, are filled
  // once it is known and the viewer started. stats.close ends the viewer,
  // stats.remove the tile too.
  function tile(parent, topic, info, replaced) {
    const box = document.createElement("figure");
    box.className = "tile";
    const caption = document.createElement("figcaption");
    box.append(caption);
    if (replaced && replaced.box && replaced.box.parentNode) {
      replaced.close();
      replaced.box.replaceWith(box);
    } else parent.append(box);
    const stats = goplineWebSocket.newStats(topic);
    let closed = false, stopView = () => {};
    const start = (ti) => {
      if (closed) return;
      ti = ti || {};
      const how = choose(ti);
      stats.note = how.note;
      let picture;
      if (how.transport === "websocket") picture = document.createElement("canvas");
      else {
        picture = document.createElement("video");
        picture.muted = true; picture.autoplay = true; picture.playsInline = true;
      }
      box.prepend(picture);
      if (how.transport === "websocket") goplineWebSocket.view(picture, topic, token, ti.codec === "jpeg" ? "jpeg" : "h264", stats);
      else view(picture, topic, stats);
      stopView = stats.close;
      stats.close = close;
      show();
    };
    const close = () => {
      closed = true;
      clearInterval(stats.timer);
      stopView();
    };
    stats.close = close;
    Object.defineProperty(stats, "box", { value: box, enumerable: false });
    stats.remove = () => { close(); box.remove(); };
    Promise.resolve(info).then(start, () => start({}));
    const show = () => {
      const latency = stats.latencyMs === null ? "–" : stats.latencyMs.toFixed(0) + " ms";
      const note = stats.note ? " · " + stats.note : "";
      caption.className = stats.error ? "error" : "";
      caption.textContent = (stats.error ? topic + ": " + stats.error
        : topic + " · " + stats.fps + " fps · " + human(stats.bitrate) + " · latency " + latency) + note;
    };
    show();
    stats.timer = setInterval(show, 500);
    return stats;
  }

  // retile returns the tile to show topic with, given what /api/topics now
  // says of it: stats's own, or a new one in its place when the topic
  // turned out to have B-frames while it played over WebRTC.
  function retile(stats, info) {
    if (!info || stats.transport !== "webrtc" || choose(info).transport === "webrtc") return stats;
    return tile(null, stats.topic, info, stats);
  }

  async function topics() {
    const res = await fetch("/api/topics", { headers: headers() });
    if (!res.ok) throw new Error(res.status + ": " + (await res.text()).trim());
    return res.json();
  }

  // topic returns what /api/topics/NAME says of one topic.
  async function topic(name) {
    const res = await fetch("/api/topics/" + name.replace(/^\//, "").split("/").map(encodeURIComponent).join("/"), { headers: headers() });
    if (!res.ok) throw new Error(res.status + ": " + (await res.text()).trim());
    return res.json();
  }

  return { view, tile, retile, topics, topic, human, token, choose };
})();
