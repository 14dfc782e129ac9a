// What the terminal shows while things run: sizes, durations and the progress bar.

export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return "--:--";
  const s = Math.round(ms / 1000);
  if (s < 60) return `0:${String(s).padStart(2, "0")}`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${r}` : `${m}:${r}`;
}

export const seconds = (ms) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);
export const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * A progress display. TTY: one line redrawn in place (bar, count, MB, rate, ETA), at most ~10
 * times a second. Otherwise: a line at every 10 % step (log files stay short).
 *   const p = createProgress({ out, tty, label: "Uploading", total: 500, unit: "files", totalBytes });
 *   p.update(done, doneBytes); p.note("a line above the bar"); p.finish();
 */
export function createProgress({ out, tty, label, total, unit = "files", totalBytes = null, now = () => Date.now(), start }) {
  const t0 = start ?? now();
  let done = 0;
  let bytes = 0;
  let extra = "";
  let lastDraw = 0;
  let lastStep = -1;
  let drawn = false;
  const width = () => Math.max(40, Math.min(out.columns || 100, 140));

  function line() {
    const elapsed = now() - t0;
    const bytesOnly = unit === "bytes";
    const finished = bytesOnly ? bytes >= totalBytes : done >= total;
    const frac = bytesOnly ? (totalBytes > 0 ? Math.min(1, bytes / totalBytes) : 1) : total > 0 ? Math.min(1, done / total) : 1;
    const rate = elapsed > 0 ? ((bytesOnly ? bytes / 1048576 : done) * 1000) / elapsed : 0;
    let eta = NaN;
    if (finished) eta = 0;
    else if (totalBytes && bytes > 0) eta = (elapsed * (totalBytes - bytes)) / bytes;
    else if (done > 0) eta = (elapsed * (total - done)) / done;
    const parts = [`${String(Math.floor(frac * 100)).padStart(3)}%`];
    if (!bytesOnly) parts.push(`${done}/${total} ${unit}`);
    if (totalBytes) parts.push(`${(bytes / 1048576).toFixed(1)}/${(totalBytes / 1048576).toFixed(1)} MB`);
    parts.push(`${rate.toFixed(1)} ${bytesOnly ? "MB" : unit}/s`, finished ? `${formatDuration(elapsed)} elapsed` : `ETA ${formatDuration(eta)}`);
    if (extra) parts.push(extra);
    const barWidth = tty ? Math.max(10, Math.min(30, width() - 80)) : 20;
    const filled = Math.round(frac * barWidth);
    const bar = tty ? "█".repeat(filled) + "░".repeat(barWidth - filled) : "#".repeat(filled) + "-".repeat(barWidth - filled);
    const text = `${label.padEnd(11)} [${bar}] ${parts.join("  ")}`;
    return tty ? text.slice(0, width() - 1) : text;
  }

  function draw(force = false) {
    if (tty) {
      const t = now();
      if (!force && t - lastDraw < 100) return;
      lastDraw = t;
      out.write(`\r\x1b[2K${line()}`);
      drawn = true;
    } else {
      const step =
        unit === "bytes"
          ? totalBytes > 0
            ? Math.floor((Math.min(bytes, totalBytes) / totalBytes) * 10)
            : 10
          : total > 0
            ? Math.floor((Math.min(done, total) / total) * 10)
            : 10;
      if (step > lastStep || force) {
        if (step > lastStep) lastStep = step;
        out.write(`${line()}\n`);
      }
    }
  }

  return {
    update(d, b = bytes, x = extra) {
      done = d;
      bytes = b;
      extra = x;
      draw();
    },
    setTotal(t) {
      total = t;
    },
    /** Prints a line without breaking the bar. */
    note(text) {
      if (tty && drawn) out.write("\r\x1b[2K");
      out.write(`${text}\n`);
      if (tty && drawn) out.write(line());
    },
    finish() {
      if (tty) {
        out.write(`\r\x1b[2K${line()}\n`);
      } else if (lastStep < 10) {
        out.write(`${line()}\n`);
      }
      drawn = false;
    },
    elapsed: () => now() - t0,
  };
}
