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
  const raw = "raw pictures: WebRTC carries H.264 only; drawn from the WebSocket";

  // webrtcMaxMacroblocks is the largest picture, in 16x16 macroblocks,
  // that Chromium's WebRTC was seen to decode: 4096x2304 (H.264 level
  // 5.1's largest frame) plays, 4112x2304 and anything larger up to
  // 8192x4320 arrive and are never painted, silently. Its WebCodecs
  // decoder plays them, so a larger topic plays over the WebSocket.
  const webrtcMaxMacroblocks = 36864;
  const macroblocks = (w, h) => Math.ceil(w / 16) * Math.ceil(h / 16);
  const tooLarge = (info) => "a picture of " + info.width + "×" + info.height +
    " is larger than this browser's WebRTC decodes (4096×2304 at most); playing over the WebSocket";

  // choose says how the page plays a topic, given what /api/topics says of
  // it (info: codec, reordered, width, height), as { transport, note,
  // forced }, note saying why when it is not the browser's choice, forced
  // when ?transport= in the page's URL chose (either transport). A JPEG or
  // raw topic, an H.264 topic with B-frames and one larger than WebRTC decodes
  // play over the WebSocket: WebRTC carries no JPEG, browsers play H.264
  // with B-frames over WebRTC at a few frames a second (the node refuses it
  // WHEP), and paint nothing of a picture too large. Any other H.264 topic
  // plays over WebRTC where the browser receives H.264 with it, else over
  // the WebSocket (WebCodecs) where the browser has a VideoDecoder, else
  // over WebRTC, whose view says why it cannot.
  function choose(info) {
    info = info || {};
    const asked = params.get("transport");
    if (asked === "webrtc" || asked === "websocket") return { transport: asked, note: null, forced: true };
    if (info.codec === "jpeg") return { transport: "websocket", note: jpeg };
    if (info.codec === "raw") return { transport: "websocket", note: raw };
    if (info.reordered) return { transport: "websocket", note: bFrames };
    const webSocket = goplineWebSocket.available("h264");
    if (webSocket && info.width > 0 && info.height > 0 && macroblocks(info.width, info.height) > webrtcMaxMacroblocks) {
      return { transport: "websocket", note: tooLarge(info) };
    }
    if (window.RTCPeerConnection && playsH264()) return { transport: "webrtc", note: null };
    return { transport: webSocket ? "websocket" : "webrtc", note: null };
  }

  // How the WebRTC view watches its picture. A session that paints no
  // picture for stallMs (longer for a slow stream: stallIntervals of its
  // frame interval, the longest of the last gapsKept or the one its topic's
  // rate says), or none joinWaitMs after it connects, has lost it:
  // the topic's stream stopped or the node went away. So has one whose peer
  // connection fails, disconnects or closes. The view says so, shows 0 fps
  // and 0 bit/s, and makes a new WHEP session, waiting backoffFirstMs
  // first, twice as long after each failed one, backoffMaxMs at most.
  const stallMs = 3000;
  const stallIntervals = 4;
  const gapsKept = 8;
  const joinWaitMs = 10000;
  // A session that receives the stream for undecodedMs without painting a
  // picture of it has a stream this browser's WebRTC does not decode
  // (pictures larger than it takes, or keyframes that are not IDR
  // pictures, or pictures of more bytes than its receiver assembles): the
  // tile plays it over the WebSocket instead, which decodes more and says
  // why when it cannot either.
  const undecodedMs = 5000;
  const backoffFirstMs = 500;
  const backoffMaxMs = 5000;
  // Refusals of an offer that another offer would not change: a bad offer
  // or topic name, the token, an offer too large, and this browser's
  // address holding all the places the node gives one address, unless the
  // node says when to try again (Retry-After: a view of the node may have
  // closed by then, or the views still connecting connected).
  const refusedForGood = new Set([400, 401, 413, 429]);

  // frameLatency returns a painted picture's latency in ms, from
  // requestVideoFrameCallback's metadata: from the arrival of its last
  // packet (receiveTime) to its hand-over to the compositor
  // (presentationTime), which shows it at the next display refresh; null
  // unless the browser gives both. Not expectedDisplayTime: Chromium
  // puts it a frame interval after the hand-over, so at one picture a
  // second a picture shown at once would count as a second late. Nor the
  // capture: the browser gives no captureTime for gopline's stream.
  function frameLatency(meta) {
    if (!meta || !(meta.receiveTime > 0) || !(meta.presentationTime > 0)) return null;
    return Math.max(0, meta.presentationTime - meta.receiveTime);
  }

  // view plays topic in el, a <video> (WebRTC) or a <canvas> (WebSocket),
  // and keeps stats, the object it returns: transport, firstFrameMs
  // (connect to first painted frame), framesPainted, lastFrameAt
  // (performance.now() of the last painted frame), fps, bitrate (bits/s
  // received), latencyMs (received to painted: frameLatency), error.
  // Over WebRTC, the first join's timeline, in ms from connect: offerMs
  // (the offer made), answeredMs (the answer received), iceConnectedMs,
  // connectedMs (DTLS too), and of the first painted frame
  // firstFrameReceivedMs (its last packet received) and firstFrameDecodeMs
  // (its decode); startedAt is connect as ms since the epoch, session the
  // newest WHEP session's id and reconnects how many sessions followed the
  // first (a view that loses its picture says so in error and makes
  // another: see stallMs). firstFrame is a promise, settled once the first
  // frame is painted or the viewer failed. note, set by tile, says why the
  // topic plays over the transport it does, when that is not the browser's
  // choice. stats, when given, is the object to keep them in
  // (goplineWebSocket.newStats); info, when given, is what /api/topics
  // said of the topic. undecodable, when given, is called (once, with the
  // reason) instead of a reconnect when a session receives the stream and
  // decodes none of it (undecodedMs); the caller then stops the view.
  function view(el, topic, stats, info, undecodable) {
    if (el instanceof HTMLCanvasElement) return goplineWebSocket.view(el, topic, token, "h264", stats);
    const video = el;
    stats = Object.assign(stats || goplineWebSocket.newStats(topic), { transport: "webrtc", offerMs: null, answeredMs: null,
      iceConnectedMs: null, connectedMs: null, firstFrameReceivedMs: null, firstFrameDecodeMs: null, startedAt: null, session: null,
      reconnects: 0, linkEstimate: null, thinned: null });
    const settle = stats.settleFirstFrame;
    let closed = false, session = null, retry = null, backoff = backoffFirstMs, frameHandle = null;
    const painted = []; // performance.now() of the frames painted in the last second
    const gaps = []; // ms between the last pictures painted
    const meanGap = () => gaps.length ? gaps.reduce((a, b) => a + b, 0) / gaps.length : 0;
    let rateInterval = 0; // ms between pictures at the topic's rate
    const expect = (ti) => { rateInterval = ti && ti.fps > 0 ? 1000 / ti.fps : 0; };
    expect(info);
    // Chromium shows a WebRTC stream's pictures as coded, whatever shape of
    // pixels its SPS states (pixel_aspect): the view scales them into that
    // shape, shrinking the side that comes out too long.
    const reshape = (ti) => {
      const [w, h] = ((ti && ti.pixel_aspect) || "").split(":").map(Number);
      const s = w > 0 && h > 0 ? w / h : 1;
      video.style.transform = s === 1 ? "" : s > 1 ? "scaleY(" + (1 / s) + ")" : "scaleX(" + s + ")";
    };
    reshape(info);
    let visibleSince = performance.now(); // a hidden page paints nothing
    // fail says why the view cannot play, for good.
    const fail = (err) => { stats.error = String(err.message || err); stats.fps = 0; stats.bitrate = 0; settle(); };
    if (!window.RTCPeerConnection) { // WebKitGTK as Debian builds it
      fail("this browser has no WebRTC (RTCPeerConnection), which the viewer needs");
      stats.close = () => {};
      return stats;
    }
    const rvfc = "requestVideoFrameCallback" in HTMLVideoElement.prototype;
    const onVisibility = () => { if (!document.hidden) visibleSince = performance.now(); };
    document.addEventListener("visibilitychange", onVisibility);

    // end ends a session: its peer connection and, on the node, its WHEP
    // resource.
    function end(s) {
      s.pc.close();
      if (s.resource) fetch(s.resource, { method: "DELETE", headers: headers(), keepalive: true }).catch(() => {});
      s.resource = null;
    }

    // lost ends session s, which lost its picture for reason, says so and
    // makes another after the backoff, or after waitMs if the node asked
    // for longer.
    function lost(s, reason, waitMs) {
      if (closed || session !== s) return;
      session = null;
      end(s);
      const wait = Math.max(backoff, waitMs || 0);
      stats.error = reason + "; reconnecting in " + (wait / 1000).toFixed(1) + " s";
      stats.fps = 0; stats.bitrate = 0; stats.latencyMs = null; painted.length = 0; gaps.length = 0;
      stats.linkEstimate = null; stats.thinned = null;
      video.classList.add("stale");
      settle();
      retry = setTimeout(connect, wait);
      backoff = Math.min(2 * backoff, backoffMaxMs);
    }

    // pictured records a picture painted at now by session s.
    function pictured(s, now) {
      if (s.lastPictureAt !== null) {
        gaps.push(now - s.lastPictureAt);
        if (gaps.length > gapsKept) gaps.shift();
      }
      s.lastPictureAt = now;
      stats.lastFrameAt = now;
      painted.push(now);
      stats.fps = goplineWebSocket.rate(painted, meanGap(), now, now);
      if (stats.error !== null) { stats.error = null; video.classList.remove("stale"); }
      backoff = backoffFirstMs;
    }

    const onFrame = (now, meta) => {
      frameHandle = video.requestVideoFrameCallback(onFrame);
      const s = session;
      if (!s) return;
      stats.framesPainted++;
      if (stats.firstFrameMs === null) {
        stats.firstFrameMs = now - s.started;
        if (meta && meta.receiveTime) stats.firstFrameReceivedMs = meta.receiveTime - s.started;
        if (meta && meta.processingDuration !== undefined) stats.firstFrameDecodeMs = 1000 * meta.processingDuration;
        settle();
      }
      const latency = frameLatency(meta);
      if (latency !== null) stats.latencyMs = latency;
      pictured(s, now);
    };

    // watch ends session s when it has painted nothing for too long.
    function watch(s, now) {
      if (document.hidden) return;
      if (s.lastPictureAt === null && s.receivingSince !== null && now - Math.max(s.receivingSince, visibleSince) > undecodedMs) {
        const why = "this browser's WebRTC received " + Math.round(s.lastBytes / 1000) + " kB of the stream in " +
          ((now - s.receivingSince) / 1000).toFixed(0) + " s and decoded no picture of it" +
          " (pictures larger than it decodes, or keyframes that are not IDR pictures)";
        if (!undecodable) { lost(s, why); return; }
        session = null;
        end(s);
        const tell = undecodable;
        undecodable = null;
        tell(why);
        return;
      }
      const since = Math.max(s.lastPictureAt === null ? s.started : s.lastPictureAt, visibleSince);
      const limit = s.lastPictureAt === null ? joinWaitMs : Math.max(stallMs, stallIntervals * Math.max(rateInterval, ...gaps));
      if (now - since <= limit) return;
      const secs = ((now - since) / 1000).toFixed(0) + " s";
      lost(s, s.lastPictureAt === null ? "no picture " + secs + " after connecting" + (s.lastBytes > 0 ? "" : ": no video arrived")
        : "no picture for " + secs + ": the stream stopped or the node went away");
    }

    // measure reads session s's bitrate (and, in a browser without
    // requestVideoFrameCallback, its decoded frames) from its stats.
    async function measure(s) {
      const report = await s.pc.getStats().catch(() => null);
      if (!report || session !== s) return;
      report.forEach((r) => {
        if (r.type !== "inbound-rtp" || r.kind !== "video") return;
        // Two reports of one moment (a page whose clock stood still) give no rate.
        if (s.lastAt && r.timestamp > s.lastAt) stats.bitrate = (8 * (r.bytesReceived - s.lastBytes)) / ((r.timestamp - s.lastAt) / 1000);
        s.lastBytes = r.bytesReceived; s.lastAt = r.timestamp;
        if (r.bytesReceived > 0 && s.receivingSince === null) s.receivingSince = performance.now();
        if (!rvfc && r.framesDecoded > s.decoded) {
          const now = performance.now();
          if (stats.firstFrameMs === null) { stats.firstFrameMs = now - s.started; settle(); }
          stats.framesPainted += r.framesDecoded - s.decoded;
          s.decoded = r.framesDecoded;
          pictured(s, now);
        }
      });
    }

    // link reads what the node says of session s's link (/api/topics/NAME's
    // viewers): its estimated bandwidth, and whether the node sends it
    // keyframes only or drops the rest of GOPs for it.
    async function link(s) {
      const ti = await describe(topic).catch(() => null);
      if (!ti || session !== s) return;
      reshape(ti);
      const v = (ti.viewers || []).find((x) => x.session === stats.session);
      stats.linkEstimate = v && v.estimate > 0 ? v.estimate : null;
      stats.thinned = !v ? null : v.keyframes_only ? "keyframes only" : v.dropping ? "dropping" : null;
    }

    let ticks = 0;
    const poll = setInterval(() => {
      const now = performance.now();
      stats.fps = session ? goplineWebSocket.rate(painted, meanGap(), stats.lastFrameAt, now) : 0;
      const s = session;
      if (!s) return;
      watch(s, now);
      if (session === s && ++ticks % 2 === 0) measure(s);
      if (session === s && ticks % 4 === 0) link(s);
    }, 500);

    // connect makes a WHEP session and plays what it receives.
    function connect() {
      retry = null;
      if (closed) return;
      const first = stats.startedAt === null;
      if (!first) stats.reconnects++;
      const started = performance.now();
      if (first) stats.startedAt = performance.timeOrigin + started;
      const pc = new RTCPeerConnection();
      const s = { pc, started, resource: null, lastPictureAt: null, lastBytes: 0, lastAt: 0, decoded: 0, receivingSince: null };
      session = s;
      pc.addTransceiver("video", { direction: "recvonly" });
      pc.addEventListener("connectionstatechange", () => {
        const st = pc.connectionState;
        if (st === "connected" && first && stats.connectedMs === null) stats.connectedMs = performance.now() - started;
        if (st === "failed" || st === "disconnected" || st === "closed") lost(s, "the WebRTC connection to the node " + (st === "disconnected" ? "was lost" : st));
      });
      pc.addEventListener("iceconnectionstatechange", () => {
        const st = pc.iceConnectionState;
        if ((st === "connected" || st === "completed") && first && stats.iceConnectedMs === null) stats.iceConnectedMs = performance.now() - started;
      });
      pc.ontrack = (ev) => {
        if (session !== s) return;
        video.srcObject = ev.streams[0] || new MediaStream([ev.track]);
        video.play().catch(() => {});
      };
      if (rvfc) {
        if (frameHandle !== null) video.cancelVideoFrameCallback(frameHandle);
        frameHandle = video.requestVideoFrameCallback(onFrame);
      }
      (async () => {
        if (!playsH264()) throw Object.assign(new Error(noH264), { forGood: true });
        // A view that lost its picture offers again only once the topic
        // has a stream: a session of a topic without one would show
        // nothing, and its subscription would keep the ended topic on the
        // node.
        if (!first) {
          let now;
          try {
            now = await describe(topic);
          } catch (err) {
            throw new Error(err instanceof TypeError ? "cannot reach the node (" + err.message + ")" : err.message);
          }
          if (!live(now)) throw new Error("the topic has no publisher");
          // A publisher that sends nothing (a relayed topic whose upstream
          // stalled, a camera that hangs): a session now would replay the
          // node's cached GOP, pictures this view showed already, as if
          // new, then freeze. The view says so and offers once packets
          // flow again.
          if (stalled(now)) {
            const since = stats.lastFrameAt !== null ? stats.lastFrameAt : stats.startedAt - performance.timeOrigin;
            const secs = ((performance.now() - since) / 1000).toFixed(0);
            throw new Error(goplineWebSocket.noPacket(topic, secs));
          }
          expect(now);
          if (session !== s) return;
        }
        await pc.setLocalDescription(await pc.createOffer());
        if (first) stats.offerMs = performance.now() - started;
        // The offer goes at once, without waiting for the browser's ICE
        // candidates: gopline's ICE agent learns the browser's address from
        // its connectivity checks (a browser hides its host addresses behind
        // mDNS names anyway), and candidates take the browser up to 100 ms.
        const path = "/whep/" + topic.replace(/^\//, "").split("/").map(encodeURIComponent).join("/");
        let res;
        try {
          res = await fetch(path, { method: "POST", headers: headers({ "Content-Type": "application/sdp" }), body: pc.localDescription.sdp });
        } catch (err) {
          throw new Error("cannot reach the node (" + (err.message || err) + ")");
        }
        const body = await res.text();
        if (res.status !== 201) {
          const retryMs = 1000 * (Number(res.headers.get("Retry-After")) || 0);
          // Views still connecting (those of pages closed or reloaded a
          // moment ago among them, for up to 10 s) pass; views that play
          // must be closed.
          const hint = res.status !== 429 ? "" : body.includes("still connecting") ?
            " (views closed or reloaded a moment ago keep their places for up to 10 s)" :
            ": close another view of this node" + (retryMs > 0 ? "" : ", then reload this page");
          throw Object.assign(new Error(res.status + ": " + body.trim() + hint), { forGood: refusedForGood.has(res.status) && !(retryMs > 0), retryMs });
        }
        const resource = res.headers.get("Location");
        if (session !== s) { // ended meanwhile
          if (resource) fetch(resource, { method: "DELETE", headers: headers(), keepalive: true }).catch(() => {});
          return;
        }
        s.resource = resource;
        // The session's tag, which /api/topics lists it under: its id
        // up to the dot (the rest is the secret that ends it).
        stats.session = resource && resource.split("/").pop().split(".")[0];
        if (first) stats.answeredMs = performance.now() - started;
        await pc.setRemoteDescription({ type: "answer", sdp: body });
      })().catch((err) => {
        if (session !== s) return;
        if (!err.forGood) { lost(s, String(err.message || err), err.retryMs); return; }
        session = null;
        end(s);
        fail(err);
      });
    }

    connect();
    stats.close = () => {
      if (closed) return;
      closed = true;
      clearInterval(poll);
      clearTimeout(retry);
      document.removeEventListener("visibilitychange", onVisibility);
      if (rvfc && frameHandle !== null) video.cancelVideoFrameCallback(frameHandle);
      if (session) end(session);
      session = null;
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

  // linkText says what the node knows of a WebRTC view's link: its
  // estimated bandwidth, and why its picture stutters when the node thins
  // its stream.
  function linkText(stats) {
    const est = stats.linkEstimate ? "link ≈ " + human(stats.linkEstimate) : "";
    if (!stats.thinned) return est ? " · " + est : "";
    const why = est ? est + ", slower than the stream" : "the link loses much of the stream";
    return " · " + stats.thinned + " (" + why + ")";
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
    let closed = false, stopView = () => {}, picture = null;
    // overWebSocket plays the topic over the WebSocket in place of a
    // WebRTC view that decodes none of it, saying why.
    const overWebSocket = (why) => {
      if (closed) return;
      stopView();
      picture.remove();
      picture = document.createElement("canvas");
      box.prepend(picture);
      stats.note = why + "; playing over the WebSocket";
      stats.error = null;
      goplineWebSocket.view(picture, topic, token, "h264", stats);
      stopView = stats.close;
      stats.close = close;
      show();
    };
    const start = (ti) => {
      if (closed) return;
      ti = ti || {};
      // A stream no browser decodes (High 4:4:4, say) would play as a black
      // picture: the tile says why instead, and plays nothing.
      if (ti.undecodable) {
        Object.defineProperty(stats, "undecodable", { value: ti.undecodable, enumerable: false });
        stats.error = ti.undecodable;
        show();
        return;
      }
      const how = choose(ti);
      stats.note = how.note;
      if (how.transport === "websocket") picture = document.createElement("canvas");
      else {
        picture = document.createElement("video");
        picture.muted = true; picture.autoplay = true; picture.playsInline = true;
      }
      box.prepend(picture);
      if (how.transport === "websocket") goplineWebSocket.view(picture, topic, token, ti.codec === "jpeg" || ti.codec === "raw" ? ti.codec : "h264", stats);
      else view(picture, topic, stats, ti, how.forced || !goplineWebSocket.available("h264") ? null : overWebSocket);
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
        : topic + " · " + stats.fps + " fps · " + human(stats.bitrate) + " · latency " + latency + linkText(stats)) + note;
    };
    show();
    stats.timer = setInterval(show, 500);
    return stats;
  }

  // retile returns the tile to show topic with, given what /api/topics now
  // says of it: stats's own, or a new one in its place when the topic
  // turned out to have B-frames while it played over WebRTC, or whose
  // stream turned to a format browsers do not decode, or back.
  function retile(stats, info) {
    if (info && (info.undecodable || "") !== (stats.undecodable || "")) return tile(null, stats.topic, info, stats);
    if (!info || stats.transport !== "webrtc" || choose(info).transport === "webrtc") return stats;
    return tile(null, stats.topic, info, stats);
  }

  async function topics() {
    const res = await fetch("/api/topics", { headers: headers() });
    if (!res.ok) throw new Error(res.status + ": " + (await res.text()).trim());
    return res.json();
  }

  // describe returns what /api/topics/NAME says of one topic.
  const describe = (name) => goplineWebSocket.describe(name, token);
  const { live, stalled } = goplineWebSocket;

  return { view, tile, retile, topics, topic: describe, live, human, token, choose, frameLatency };
})();
