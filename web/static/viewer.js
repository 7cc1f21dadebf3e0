// gopline's browser viewer: WHEP (an SDP offer POSTed to /whep/<topic>)
// and a <video> that shows the topic. Plain JavaScript, no build step.
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

  // transport says how the page plays a topic: "webrtc" where the browser
  // receives H.264 over WebRTC, else "websocket" (the node's Foxglove
  // WebSocket and WebCodecs, wsviewer.js) where it has a VideoDecoder, else
  // "webrtc", whose view says why it cannot. ?transport= in the page's URL
  // forces either.
  function transport() {
    const asked = params.get("transport");
    if (asked === "webrtc" || asked === "websocket") return asked;
    if (window.RTCPeerConnection && playsH264()) return "webrtc";
    return goplineWebSocket.available() ? "websocket" : "webrtc";
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
  // frame is painted or the viewer failed.
  function view(el, topic) {
    if (el instanceof HTMLCanvasElement) return goplineWebSocket.view(el, topic, token);
    const video = el;
    const stats = { topic, transport: "webrtc", firstFrameMs: null, framesPainted: 0, lastFrameAt: null, fps: 0, bitrate: 0,
      latencyMs: null, error: null, offerMs: null, answeredMs: null, iceConnectedMs: null, connectedMs: null,
      firstFrameReceivedMs: null, firstFrameDecodeMs: null, startedAt: null, session: null };
    let settle;
    stats.firstFrame = new Promise((resolve) => { settle = resolve; });
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

  // tile makes a viewer of topic in parent: a video (or, over the
  // WebSocket, a canvas) and a line of stats.
  function tile(parent, topic) {
    const box = document.createElement("figure");
    box.className = "tile";
    let picture;
    if (transport() === "websocket") picture = document.createElement("canvas");
    else {
      picture = document.createElement("video");
      picture.muted = true; picture.autoplay = true; picture.playsInline = true;
    }
    const caption = document.createElement("figcaption");
    box.append(picture, caption);
    parent.append(box);
    const stats = view(picture, topic);
    const show = () => {
      const latency = stats.latencyMs === null ? "–" : stats.latencyMs.toFixed(0) + " ms";
      caption.className = stats.error ? "error" : "";
      caption.textContent = stats.error ? topic + ": " + stats.error
        : topic + " · " + stats.fps + " fps · " + human(stats.bitrate) + " · latency " + latency;
    };
    show();
    stats.timer = setInterval(show, 500);
    return stats;
  }

  async function topics() {
    const res = await fetch("/api/topics", { headers: headers() });
    if (!res.ok) throw new Error(res.status + ": " + (await res.text()).trim());
    return res.json();
  }

  return { view, tile, topics, human, token, transport };
})();
