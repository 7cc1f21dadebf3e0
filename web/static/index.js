// The node's page: its topics, refreshed live, and a tile for each H.264,
// JPEG or raw topic (a robot has several cameras), up to maxTiles. A tile
// playing over WebRTC a topic found to have B-frames is replaced by one
// over the WebSocket; the tile of a topic gone from the node is removed,
// and its place goes to the next topic without one.
"use strict";

(() => {
  const maxTiles = 9;
  const tiles = new Map();
  window.goplineTiles = tiles;

  function cell(row, text, href) {
    const td = row.insertCell();
    if (href) {
      const a = document.createElement("a");
      a.href = href; a.textContent = text;
      td.append(a);
    } else td.textContent = text;
  }

  // forget removes the tiles of topics the node no longer has, or that no
  // longer have a stream, freeing their places for new ones. (A tile of a
  // topic without a stream shows nothing, and its viewer's subscription
  // would keep the topic on the node.)
  function forget(list) {
    const names = new Set(list.filter(gopline.live).map((t) => t.name));
    for (const [name, stats] of tiles) {
      if (names.has(name)) continue;
      stats.remove();
      tiles.delete(name);
      if (window.goplineStats === stats) window.goplineStats = tiles.values().next().value;
    }
  }

  function render(list) {
    forget(list);
    const body = document.getElementById("topics");
    body.replaceChildren();
    for (const t of list) {
      const row = body.insertRow();
      const q = new URLSearchParams({ topic: t.name });
      if (gopline.token) q.set("token", gopline.token);
      cell(row, t.name, "/view?" + q);
      cell(row, t.codec || "–");
      cell(row, t.width ? t.width + "×" + t.height : "–");
      cell(row, t.fps.toFixed(1));
      cell(row, gopline.human(t.bitrate));
      cell(row, t.qos || "–");
      cell(row, String(t.publishers));
      cell(row, String(t.subscribers));
      const shown = tiles.get(t.name);
      if (shown) {
        const now = gopline.retile(shown, t);
        if (now !== shown) {
          tiles.set(t.name, now);
          if (window.goplineStats === shown) window.goplineStats = now;
        }
      } else if ((t.codec === "h264" || t.codec === "jpeg" || t.codec === "raw") && gopline.live(t) && tiles.size < maxTiles) {
        const stats = gopline.tile(document.getElementById("grid"), t.name, t);
        tiles.set(t.name, stats);
        if (!window.goplineStats) window.goplineStats = stats;
      }
    }
  }

  async function refresh() {
    const status = document.getElementById("status");
    try {
      render(await gopline.topics());
      status.textContent = "";
    } catch (err) {
      status.textContent = "topics: " + err.message;
    }
  }
  refresh();
  setInterval(refresh, 2000);
})();
