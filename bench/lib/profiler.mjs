// CPU profiles of every isolate in a workerd (the Worker, and Miniflare's D1, R2, cache, queue and
// asset simulators) through the V8 inspector (Miniflare's inspectorPort): which step dominates.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function connect(wsUrl) {
  const ws = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let id = 0;
  const pending = new Map();
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.id && pending.has(m.id) && ("result" in m || "error" in m)) {
      pending.get(m.id)(m);
      pending.delete(m.id);
    }
  };
  const send = (method, params = {}) =>
    new Promise((resolve) => {
      const i = ++id;
      pending.set(i, resolve);
      ws.send(JSON.stringify({ id: i, method, params }));
    });
  return { ws, send };
}

/** Starts sampling every isolate (interval µs); returns stop() → per-isolate summaries. */
export async function startProfiles(inspectorPort, { interval = 500 } = {}) {
  const list = await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json();
  const sessions = [];
  const within = (p, ms = 3000) => Promise.race([p, sleep(ms).then(() => Promise.reject(new Error("inspector timeout")))]);
  await Promise.all(
    list.map(async (t) => {
      let s;
      try {
        s = await within(connect(t.webSocketDebuggerUrl));
        // workerd's inspector does not always answer these; Profiler.stop's answer is what counts.
        s.send("Profiler.enable");
        s.send("Profiler.setSamplingInterval", { interval });
        s.send("Profiler.start");
        sessions.push({ id: t.id, ...s });
      } catch {
        s?.ws.close();
      }
    }),
  );
  await sleep(200);
  return {
    targets: list.map((t) => t.id),
    async stop() {
      const out = [];
      for (const s of sessions) {
        const res = await Promise.race([s.send("Profiler.stop"), sleep(15_000).then(() => ({}))]);
        s.ws.close();
        const p = res.result?.profile;
        if (p) out.push({ id: s.id, ...summarizeProfile(p) });
      }
      return out.sort((a, b) => b.activeMs - a.activeMs);
    },
  };
}

/** Self time per function (ms), from samples × time deltas; idle excluded from activeMs. */
export function summarizeProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((nodeId, i) => {
    const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    const n = byId.get(nodeId);
    const cf = n.callFrame;
    const name = cf.functionName || "(anonymous)";
    const where = cf.url?.startsWith("wasm://") ? "wasm" : cf.url ? cf.url.split("/").pop() : "";
    // Anonymous functions keep their place (file:line:column), so "(anonymous)" is not one bucket.
    const named = !name.startsWith("(") || (name === "(anonymous)" && where);
    const key =
      where === "wasm"
        ? `${name} [wasm]`
        : !named
          ? name
          : `${name}${where ? ` (${where}:${cf.lineNumber + 1}${name === "(anonymous)" ? `:${cf.columnNumber + 1}` : ""})` : ""}`;
    total += dt;
    if (name === "(idle)") idle += dt;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const top = [...self].filter(([k]) => k !== "(idle)").sort((a, b) => b[1] - a[1]);
  const wasmMs = top.filter(([k]) => k.endsWith("[wasm]")).reduce((s, [, v]) => s + v, 0);
  return { wallMs: total, activeMs: total - idle, wasmMs, top };
}

/** A compact text report: each busy isolate's active time and its top functions. */
export function profileReport(profiles, { topN = 12, minMs = 50 } = {}) {
  const lines = [];
  const busy = profiles.filter((p) => p.activeMs >= minMs);
  const sum = busy.reduce((s, p) => s + p.activeMs, 0);
  for (const p of busy) {
    lines.push(
      `  isolate ${p.id}: ${(p.activeMs / 1000).toFixed(2)} s on CPU (${((100 * p.activeMs) / sum).toFixed(0)}% of profiled JS/wasm time)${p.wasmMs ? `, wasm ${(p.wasmMs / 1000).toFixed(2)} s` : ""}`,
    );
    for (const [k, ms] of p.top.slice(0, topN)) lines.push(`      ${((100 * ms) / p.activeMs).toFixed(1).padStart(5)}%  ${k}`);
  }
  return lines.join("\n");
}
