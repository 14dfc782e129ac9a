// The bulk-upload client behind `npm run upload`: sends a photographer's delivery (a folder or a
// zip) to passpix, shows the preview, submits it, follows processing and saves the report.
// Node 22.18+ (`npm run upload` uses the project's Node 24): what is junk, what is a photo and
// how a zip is read come from src/shared/delivery.ts, the server's own rules, imported as
// TypeScript through Node's type stripping (no build step).
//
//   import { runUpload, parseUploadArgs } from "./scripts/lib/uploader.mjs";
//   const code = await runUpload(parseUploadArgs(process.argv.slice(2)));
//
// Everything the admin sees is written to `out` (stdout); errors to `err` (stderr). runUpload
// never calls process.exit: it resolves to the exit code (0 ok, 1 failed, 2 bad arguments).
import { createReadStream, promises as fsp } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  classifyFileName,
  entriesToUnpack,
  extOf,
  findMappingInArchive,
  isJunkEntry,
  MAX_UNPACKED_ENTRY_BYTES,
  normalizeEntryName,
  UNPACK_AHEAD,
  unpackZip,
  ZIP_TAIL_BYTES,
  zipDirectoryLocation,
  zipDirectoryNames,
} from "../../src/shared/delivery.ts";
import { ApiError, ConnectionError, createClient } from "./http.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ───────────────────────────── arguments ─────────────────────────────

export const USAGE = `Usage: npm run upload -- <folder-or-zip> [mapping.csv] --url <service> --token <admin token>
                         [--concurrency 6] [--no-wait] [--enable] [--upload <id>]

  <folder-or-zip>  the photographer's delivery: a folder (searched recursively) or a .zip file
  [mapping.csv]    the mapping file (CSV/TSV: student email or school ID, photo file name) or a
                   PSPA INDEX.TXT/MASTER.TXT. Without it, an INDEX.TXT/MASTER.TXT or a single .csv
                   inside the delivery is used, else photos named after students (001234.jpg).
  --url            the passpix service, e.g. https://passpix.example.org (or $PASSPIX_URL)
  --token          an admin token for your school (or $PASSPIX_TOKEN)
  --concurrency    photos sent at once (default 6, 1-32)
  --no-wait        stop once the upload is submitted (processing continues on the server)
  --enable         turn photos on for teachers at the end, if every photo went through
  --upload <id>    continue an earlier draft upload (after some files could not be sent);
                   files it already holds (same name and size) are not sent again
  --help           this text

Exit codes: 0 completed (with or without row errors), 1 failed or an error, 2 bad arguments.`;

/** Bad command-line arguments: print the message and the usage, exit 2. */
export class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = "UsageError";
  }
}

/** A failure already explained to the admin in plain words: print the message, exit 1. */
export class UploadFailure extends Error {
  constructor(message, { code = 1, hint } = {}) {
    super(message);
    this.name = "UploadFailure";
    this.exitCode = code;
    this.hint = hint;
  }
}

/**
 * Parses and checks the command line (paths exist, the URL is a URL, …).
 * Returns { help } or { source, sourceKind: "folder"|"zip", mapping, url, token, concurrency, wait, enable, uploadId }.
 * Throws UsageError.
 */
export async function parseUploadArgs(argv, env = process.env) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: "string" },
        token: { type: "string" },
        concurrency: { type: "string", default: "6" },
        "no-wait": { type: "boolean", default: false },
        enable: { type: "boolean", default: false },
        upload: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    throw new UsageError(e.message.replace(/\. To specify a positional argument.*$/s, "."));
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  if (positionals.length === 0) throw new UsageError("Say which folder or .zip file to upload.");
  if (positionals.length > 2) throw new UsageError(`Too many arguments: ${positionals.slice(2).map((p) => JSON.stringify(p)).join(" ")}. Put quotes around paths with spaces.`);

  const url = values.url ?? env.PASSPIX_URL;
  const token = values.token ?? env.PASSPIX_TOKEN;
  if (!url) throw new UsageError("--url is required (the passpix service, e.g. https://passpix.example.org).");
  let base;
  try {
    base = new URL(url);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(url)} is not a web address (it should look like https://passpix.example.org).`);
  }
  if (!["http:", "https:"].includes(base.protocol)) throw new UsageError(`--url must start with https:// (or http:// for a local server); got ${JSON.stringify(url)}.`);
  if (!token) throw new UsageError("--token is required (an admin token for your school).");
  if (/\s/.test(token.trim()) || token.trim().split(".").length !== 3) {
    throw new UsageError("--token does not look like a token (three parts separated by dots). Copy it again, without quotes or line breaks.");
  }
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) throw new UsageError(`--concurrency must be a whole number from 1 to 32; got ${JSON.stringify(values.concurrency)}.`);
  if (values.upload !== undefined && !/^[a-z0-9]{8,40}$/.test(values.upload)) throw new UsageError(`--upload ${JSON.stringify(values.upload)} is not an upload id.`);

  const source = path.resolve(positionals[0]);
  const st = await fsp.stat(source).catch(() => null);
  if (!st) throw new UsageError(`${positionals[0]} does not exist.`);
  let sourceKind;
  if (st.isDirectory()) sourceKind = "folder";
  else if (st.isFile() && ((await isZipFile(source)) || /\.zip$/i.test(source))) sourceKind = "zip";
  else throw new UsageError(`${positionals[0]} is neither a folder nor a .zip file.`);

  let mapping = null;
  if (positionals[1] !== undefined) {
    mapping = path.resolve(positionals[1]);
    const ms = await fsp.stat(mapping).catch(() => null);
    if (!ms) throw new UsageError(`The mapping file ${positionals[1]} does not exist.`);
    if (!ms.isFile()) throw new UsageError(`The mapping file ${positionals[1]} is not a file.`);
    if (ms.size === 0) throw new UsageError(`The mapping file ${positionals[1]} is empty.`);
    if (/\.(xlsx|xls|numbers|ods)$/i.test(mapping)) throw new UsageError(`${positionals[1]} is a spreadsheet workbook; save it as CSV first (in Excel: File › Save As › CSV UTF-8).`);
  }
  return {
    help: false,
    source,
    sourceKind,
    mapping,
    url: base.toString().replace(/\/+$/, ""),
    token: token.trim(),
    concurrency,
    wait: !values["no-wait"],
    enable: values.enable,
    uploadId: values.upload ?? null,
  };
}

async function isZipFile(file) {
  const fh = await fsp.open(file, "r").catch(() => null);
  if (!fh) return false;
  try {
    const buf = Buffer.alloc(4);
    await fh.read(buf, 0, 4, 0);
    return buf[0] === 0x50 && buf[1] === 0x4b && (buf[2] === 3 || buf[2] === 5) && (buf[3] === 4 || buf[3] === 6);
  } finally {
    await fh.close();
  }
}

// ───────────────────────────── the delivery folder ─────────────────────────────

/** The mapping files the server looks for among received files (a PSPA index, a .csv or .tsv). */
export const isMappingCandidate = (rel) => findMappingInArchive([rel]) !== null;

const CONTENT_TYPES = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  jpe: "image/jpeg",
  jfif: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  heic: "image/heic",
  heif: "image/heif",
  gif: "image/gif",
  tif: "image/tiff",
  tiff: "image/tiff",
  bmp: "image/bmp",
  svg: "image/svg+xml",
  avif: "image/avif",
  csv: "text/csv",
  tsv: "text/tab-separated-values",
  txt: "text/plain",
};

export const contentTypeFor = (name) => CONTENT_TYPES[extOf(name)] ?? "application/octet-stream";

/**
 * Walks a delivery folder. Returns { files: [{ abs, rel, size, kind: "image"|"photo_like"|"mapping" }],
 * junk: [rel], other: [rel] } with `rel` using "/" whatever the OS; files sorted by rel.
 * Symbolic links are followed (each real folder once).
 */
export async function scanFolder(root) {
  const files = [];
  const junk = [];
  const other = [];
  const seen = new Set();
  async function walk(dir, prefix) {
    const real = await fsp.realpath(dir);
    if (seen.has(real)) return;
    seen.add(real);
    const entries = await fsp.readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      const abs = path.join(dir, e.name);
      if (isJunkEntry(rel)) {
        junk.push(rel);
        continue;
      }
      let st;
      try {
        st = await fsp.stat(abs);
      } catch {
        other.push(rel); // a broken link
        continue;
      }
      if (st.isDirectory()) {
        await walk(abs, rel);
        continue;
      }
      if (!st.isFile()) continue;
      const kind = classifyFileName(rel);
      if (kind === "image" && extOf(rel) !== "") files.push({ abs, rel, size: st.size, kind: "image" });
      else if (kind === "unsupported_image") files.push({ abs, rel, size: st.size, kind: "photo_like" });
      else if (isMappingCandidate(rel)) files.push({ abs, rel, size: st.size, kind: "mapping" });
      else other.push(rel);
    }
  }
  await walk(root, "");
  files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { files, junk, other };
}

// ───────────────────────────── output helpers ─────────────────────────────

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

const seconds = (ms) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

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
      const step = unit === "bytes" ? (totalBytes > 0 ? Math.floor((Math.min(bytes, totalBytes) / totalBytes) * 10) : 10) : total > 0 ? Math.floor((Math.min(done, total) / total) * 10) : 10;
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

// ───────────────────────────── problems in plain words ─────────────────────────────

/** Codes that do not stop anything (same list as the server's MAPPING_WARNING_CODES). */
export const WARNING_CODES = new Set(["leading_zeros_ignored", "file_extension_assumed", "grade_not_checked", "unreferenced_file", "opted_out", "duplicate_student", "not_a_student"]);

const PLAIN = {
  unknown_student: "no student in your roster has this email or school ID (import the roster first, or fix the mapping)",
  ambiguous_student: "more than one student could be meant, so none was picked",
  duplicate_student: "the same student is on more than one row; only the first row is used",
  duplicate_file: "the same photo is named for different students; none of them gets it",
  missing_file: "the mapping names a photo that was not received",
  unreferenced_file: "a photo was received but no mapping row uses it",
  unsupported_type: "not a JPEG, PNG or WebP photo",
  bad_row: "a row of the mapping file could not be read",
  bad_mapping: "the mapping file could not be read",
  leading_zeros_ignored: "the school ID matched only after ignoring leading zeros (check it is the right student)",
  file_extension_assumed: "the photo was found under a slightly different file name",
  image_unreadable: "the photo is damaged or could not be read",
  image_too_large: "the photo is larger than passpix accepts",
  opted_out: "the student opted out of photos, so the row is skipped",
  not_a_student: "a staff line in the photographer's index, skipped",
  grade_not_checked: "the grade could not be checked when matching by name",
};

export const plainWords = (code) => PLAIN[code] ?? code.replaceAll("_", " ");

/**
 * Problems grouped by code (needing attention first, then warnings; larger groups first), with
 * at most `limit` example lines in all. Returns the lines to print.
 */
export function describeProblems(problems, { limit = 15, truncated = false } = {}) {
  if (!problems.length) return ["  No problems found."];
  const groups = new Map();
  for (const p of problems) {
    if (!groups.has(p.code)) groups.set(p.code, []);
    groups.get(p.code).push(p);
  }
  const ordered = [...groups.entries()].sort(
    ([a, pa], [b, pb]) => Number(WARNING_CODES.has(a)) - Number(WARNING_CODES.has(b)) || pb.length - pa.length || (a < b ? -1 : 1),
  );
  const lines = [];
  let shown = 0;
  const perGroup = Math.max(2, Math.ceil(limit / ordered.length));
  for (const [code, list] of ordered) {
    const mark = WARNING_CODES.has(code) ? "!" : "✗";
    lines.push(`  ${mark} ${list.length}${truncated ? "+" : ""} × ${code}: ${plainWords(code)}`);
    // Warnings do not stop anything: a few examples are enough.
    const cap = WARNING_CODES.has(code) ? Math.min(3, perGroup) : perGroup;
    const examples = list.slice(0, Math.max(0, Math.min(cap, limit - shown)));
    for (const p of examples) {
      const where = [p.row != null ? `row ${p.row}` : null, p.file ? p.file : null].filter(Boolean).join(", ");
      lines.push(`      ${where ? `${where}: ` : ""}${p.message}`);
      shown++;
    }
    if (list.length > examples.length) lines.push(`      … and ${list.length - examples.length} more`);
  }
  return lines;
}

// ───────────────────────────── CSV (the report) ─────────────────────────────

/** RFC 4180 CSV → array of records (arrays of strings). */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = "";
  let quoted = false;
  const s = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"') {
        if (s[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && s[i + 1] === "\n") i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += ch;
  }
  if (cell !== "" || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** report.csv → { lines: [{row, identifier, file, student_id, status, code, message}], byStatus, byCode: {failed:{}, skipped:{}} } */
export function summarizeReport(csvText) {
  const [header, ...records] = parseCsv(csvText).filter((r) => r.length > 1 || r[0] !== "");
  const cols = header ?? [];
  const lines = records.map((r) => Object.fromEntries(cols.map((c, i) => [c, r[i] ?? ""])));
  const byStatus = {};
  const byCode = {};
  for (const l of lines) {
    byStatus[l.status] = (byStatus[l.status] ?? 0) + 1;
    if (l.code) {
      byCode[l.status] ??= {};
      byCode[l.status][l.code] = (byCode[l.status][l.code] ?? 0) + 1;
    }
  }
  return { lines, byStatus, byCode };
}

// ───────────────────────────── HTTP ─────────────────────────────

const isAuthError = (e) => e instanceof ApiError && (e.status === 401 || e.status === 403);

function authFailure(e) {
  return new UploadFailure(
    `Your token is invalid/expired or not an admin token (the server said: ${e.status} ${e.code ?? ""}${e.apiMessage ? `, “${e.apiMessage}”` : ""}).`,
    { hint: "Ask for a new admin token for your school and run the command again." },
  );
}

/** The most telling reason in an error's cause chain: a code like ECONNREFUSED, else the innermost message. */
export function causeText(e) {
  let c = e;
  for (let depth = 0; c && depth < 6; depth++) {
    if (typeof c.code === "string") return c.code;
    const inner = Array.isArray(c.errors) ? c.errors.find((x) => typeof x?.code === "string") : null;
    if (inner) return inner.code;
    if (!c.cause) break;
    c = c.cause;
  }
  return c?.message || String(c ?? "no answer");
}

function connectionFailure(url, e) {
  return new UploadFailure(`Could not reach the passpix service at ${url} (${causeText(e)}).`, {
    hint: "Check the --url (copy it from the passpix admin page), your network connection, and that the service is running.",
  });
}

/** Turns the errors of a step the run cannot go on without into plain failures. */
function explain(e, url, what) {
  if (e instanceof UploadFailure) return e;
  if (isAuthError(e)) return authFailure(e);
  if (e instanceof ConnectionError) return connectionFailure(url, e);
  if (e instanceof ApiError) {
    if (e.status === 404 && what.includes("upload")) return new UploadFailure(`${what} failed: that upload was not found (it may belong to another school, or --url points at the wrong service).`);
    return new UploadFailure(`${what} failed: ${e.apiMessage ?? "the server gave no reason"} (${e.status}${e.code ? ` ${e.code}` : ""}).`);
  }
  return new UploadFailure(`${what} failed: ${e?.message ?? e}`);
}

// ───────────────────────────── the run ─────────────────────────────

const FINAL = new Set(["completed", "completed_with_errors", "failed", "cancelled", "reverted"]);

/**
 * Runs one bulk upload end to end. `options` from parseUploadArgs; `io` = { out, err, tty, cwd,
 * pollMs, stallMs } (defaults: process streams, stdout's TTY-ness, process.cwd(), 1 s, 10 min).
 * Resolves to the exit code.
 */
export async function runUpload(options, io = {}) {
  const out = io.out ?? process.stdout;
  const errOut = io.err ?? process.stderr;
  const tty = io.tty ?? Boolean(out.isTTY);
  const cwd = io.cwd ?? process.cwd();
  const pollMs = io.pollMs ?? 1000;
  const stallMs = io.stallMs ?? 10 * 60_000;
  const say = (line = "") => out.write(`${line}\n`);
  const state = { uploadId: options.uploadId ?? null, submitted: false };

  // Ctrl-C while sending: say how to continue instead of leaving the admin guessing.
  const onSigint = () => {
    out.write(tty ? "\r\x1b[2K" : "");
    if (state.uploadId && !state.submitted) {
      errOut.write(`\nInterrupted. Upload ${state.uploadId} was not submitted. To continue it, run the same command with --upload ${state.uploadId}\n(drafts are deleted after 7 days).\n`);
    } else if (state.uploadId) {
      errOut.write(`\nInterrupted. Upload ${state.uploadId} was submitted and keeps processing on the server; see ${options.url}/admin/profile-pictures\n`);
    } else errOut.write("\nInterrupted.\n");
    process.exit(130);
  };
  if (io.handleSigint !== false) process.once("SIGINT", onSigint);

  try {
    return await run(options, { out, errOut, tty, cwd, pollMs, stallMs, say, state });
  } catch (e) {
    if (tty) out.write("\r\x1b[2K");
    const f = explain(e, options.url, "The upload");
    errOut.write(`\nError: ${f.message}\n`);
    if (f.hint) errOut.write(`${f.hint}\n`);
    if (state.uploadId && !state.submitted && !f.hint && !isAuthError(e)) {
      errOut.write(`Nothing was submitted. Upload ${state.uploadId} stays a draft; continue it with --upload ${state.uploadId}.\n`);
    }
    return f.exitCode;
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
}

async function run(options, ctx) {
  const { out, tty, cwd, pollMs, stallMs, say, state } = ctx;
  const { url, token, concurrency } = options;
  const times = {};
  const tStart = Date.now();
  let retries = 0;
  const client = createClient({ baseUrl: url, token, retries: 5, timeoutMs: 120_000, log: () => retries++ });
  // The first call fails fast when the URL is wrong.
  const probe = createClient({ baseUrl: url, token, retries: 2, timeoutMs: 20_000 });

  say(`passpix bulk upload → ${url}`);

  // 1. What will be sent.
  let scan = null;
  if (options.sourceKind === "folder") {
    scan = await scanFolder(options.source);
    if (options.mapping) {
      // The mapping goes separately; do not also send it (or other candidate tables) as files.
      scan.files = scan.files.filter((f) => f.kind !== "mapping" || path.resolve(f.abs) !== options.mapping);
      const extraTables = scan.files.filter((f) => f.kind === "mapping");
      scan.files = scan.files.filter((f) => f.kind !== "mapping");
      scan.skippedTables = extraTables.map((f) => f.rel);
    }
    const photos = scan.files.filter((f) => f.kind !== "mapping");
    const mappings = scan.files.filter((f) => f.kind === "mapping");
    const bytes = scan.files.reduce((n, f) => n + f.size, 0);
    say(`Folder ${options.source}`);
    say(`  ${plural(photos.length, "photo")} to send (${formatBytes(bytes)})` + (scan.junk.length ? `, ${scan.junk.length} system files skipped (.DS_Store, ._*, Thumbs.db…)` : ""));
    if (scan.other.length) say(`  Not sent (not photos): ${scan.other.slice(0, 5).join(", ")}${scan.other.length > 5 ? ` and ${scan.other.length - 5} more` : ""}`);
    if (scan.skippedTables?.length) say(`  Not sent (the mapping file is given separately): ${scan.skippedTables.join(", ")}`);
    if (!options.mapping) {
      if (mappings.length) say(`  Mapping found in the folder: ${mappings.map((m) => m.rel).join(", ")}`);
      const tables = mappings.filter((m) => /\.(csv|tsv)$/i.test(m.rel));
      const pspa = mappings.filter((m) => !/\.(csv|tsv)$/i.test(m.rel));
      if (!pspa.length && tables.length > 1) {
        say(`  Note: the folder holds ${tables.length} CSV files; passpix uses one only when it is alone. Pass the mapping file as the second argument.`);
      }
      if (!mappings.length) say("  No mapping file: photos are matched by file name (e.g. 001234.jpg or the student's email).");
    }
    if (!photos.length) throw new UploadFailure(`No photos (.jpg, .jpeg, .png, .webp) were found in ${options.source}.`);
  } else {
    const zipSize = (await fsp.stat(options.source)).size;
    say(`Zip file ${options.source} (${formatBytes(zipSize)}): unpacked here, its photos sent one by one`);
  }
  if (options.mapping) say(`Mapping file ${options.mapping}`);

  // 2. The upload (a new draft, or the one to continue).
  let upload;
  try {
    if (state.uploadId) {
      upload = (await probe.get(`/v1/uploads/${state.uploadId}`)).body;
      if (upload.status !== "draft") {
        throw new UploadFailure(`Upload ${state.uploadId} is ${upload.status.replaceAll("_", " ")}, so files can no longer be added. Run the command without --upload to start a new upload.`);
      }
      say(`Continuing draft upload ${upload.id}`);
    } else {
      upload = (await probe.post("/v1/uploads", { expect: [201] })).body.upload;
      state.uploadId = upload.id;
      say(`Created upload ${upload.id}`);
    }
  } catch (e) {
    throw explain(e, url, state.uploadId ? `Opening upload ${state.uploadId}` : "Creating the upload");
  }
  const id = upload.id;

  if (options.mapping) {
    const name = path.basename(options.mapping);
    const bytes = await fsp.readFile(options.mapping);
    try {
      await client.put(`/v1/uploads/${id}/mapping?name=${encodeURIComponent(name)}`, {
        body: bytes,
        headers: { "content-type": /\.csv$/i.test(name) ? "text/csv" : "text/plain" },
      });
    } catch (e) {
      throw explain(e, url, `Sending the mapping file ${name}`);
    }
  }

  // 3. Send the delivery: a folder's files, or a zip's entries unpacked here one by one (never the
  // zip whole: Cloudflare refuses request bodies over 100 MB on Free and Pro plans).
  let received;
  try {
    received = options.uploadId ? await receivedFiles(client, id) : new Map();
  } catch (e) {
    throw explain(e, url, "Reading the files the upload holds");
  }
  const common = { client, url, id, concurrency, out, tty, say, received, retriesRef: () => retries };
  const t = Date.now();
  const sent =
    options.sourceKind === "folder"
      ? await sendFiles({ ...common, files: scan.files, total: scan.files.length, totalBytes: scan.files.reduce((n, f) => n + f.size, 0) })
      : await sendZip({ ...common, file: options.source, mappingGiven: Boolean(options.mapping) });
  times.upload = Math.max(1, Date.now() - t);
  const failedToSend = sent.failed;
  const mb = sent.bytes / 1048576;
  say(
    `Sent ${sent.sent}/${sent.sent + failedToSend.length} files in ${seconds(times.upload)} (${((sent.sent * 1000) / times.upload).toFixed(1)} files/s, ${((mb * 1000) / times.upload).toFixed(1)} MB/s${retries ? `, ${plural(retries, "retry", "retries")}` : ""})` +
      (sent.already ? `; ${plural(sent.already, "file")} the upload already held ${sent.already === 1 ? "was" : "were"} not sent again` : ""),
  );
  if (failedToSend.length) {
    say("");
    say(`${plural(failedToSend.length, "file")} could not be sent:`);
    for (const f of failedToSend.slice(0, 30)) say(`  ✗ ${f.rel}: ${f.reason}`);
    if (failedToSend.length > 30) say(`  … and ${failedToSend.length - 30} more`);
  }
  const transient = failedToSend.filter((f) => f.transient);
  if (transient.length) {
    throw new UploadFailure(`${plural(transient.length, "file")} could not be sent because of network or server trouble, so nothing was submitted.`, {
      hint: `Run the same command again with --upload ${id} to send the missing files into this upload (files it already holds are not sent again).`,
    });
  }
  if (sent.zipFailure) {
    throw new UploadFailure(`${sent.zipFailure} ${plural(sent.sent + sent.already, "file")} read before the problem ${sent.sent + sent.already === 1 ? "is" : "are"} in the upload, so nothing was submitted.`, {
      hint: `Get a complete zip file, then run the same command with --upload ${id} (files the upload already holds are not sent again).`,
    });
  }
  if (failedToSend.length) say("These files were refused by the server; their rows will show as missing files. Fix them and re-run to add them.");

  // 4. The preview.
  const t3 = Date.now();
  let preview;
  try {
    preview = (await client.get(`/v1/uploads/${id}`)).body;
  } catch (e) {
    throw explain(e, url, "Reading the preview");
  }
  times.preview = Date.now() - t3;
  printPreview(preview, say);

  // 5. Submit.
  const t4 = Date.now();
  let submitted;
  try {
    submitted = await client.post(`/v1/uploads/${id}/submit`, { expect: [202, 409] });
  } catch (e) {
    throw explain(e, url, "Submitting the upload");
  }
  if (submitted.status === 409) {
    const code = submitted.body?.error?.code;
    const message = submitted.body?.error?.message ?? "The upload cannot be submitted.";
    if (code === "nothing_to_process") {
      say("");
      say("Nothing can be processed: no row has both a matched student and its photo. The problems are listed above.");
      await saveReport({ client, id, cwd, say: (l) => say(`${l} (the preview's verdict for every row)`) }).catch(() => {});
      throw new UploadFailure(message, { hint: `Nothing was submitted. Fix the mapping or the files and run again (add --upload ${id} to reuse this draft).` });
    }
    throw new UploadFailure(`Submitting failed: ${message} (${code ?? 409})`);
  }
  state.submitted = true;
  const ready = submitted.body?.upload?.counts?.pending ?? null;
  say("");
  say(`Submitted${ready != null ? `: ${plural(ready, "photo")} to process` : ""}.`);
  if (!options.wait) {
    say(`Processing continues on the server. Follow it on ${url}/admin/profile-pictures or with GET /v1/uploads/${id}.`);
    say(`Total time ${seconds(Date.now() - tStart)}.`);
    return 0;
  }

  // 6. Processing.
  const final = await waitForProcessing({ client, url, id, out, tty, pollMs, stallMs, start: t4 });
  times.processing = Date.now() - t4;

  // 7. The report.
  const t5 = Date.now();
  const report = await saveReport({ client, id, cwd, say: () => {} });
  times.report = Date.now() - t5;
  const total = Date.now() - tStart;
  printSummary({ final, report, say, url, id });

  say("");
  const phases = [`upload ${seconds(times.upload)}`];
  phases.push(`preview ${seconds(times.preview)}`, `processing ${seconds(times.processing)}`, `report ${seconds(times.report)}`);
  const processed = final.counts?.processed ?? 0;
  say(`Time: ${phases.join(" · ")} · total ${seconds(total)} (${((processed * 1000) / total).toFixed(1)} photos/s overall)`);

  // 8. Optionally turn photos on.
  if (options.enable) {
    if (final.status === "completed" && !failedToSend.length) {
      try {
        await client.post("/v1/integration/enable", { expect: [200] });
        say("Photos are now enabled: teachers see them on hall passes.");
      } catch (e) {
        const f = explain(e, url, "Enabling photos");
        say(`Could not enable photos: ${f.message}`);
        return 1;
      }
    } else {
      say(`Photos were not enabled because the upload ${final.status === "completed" ? "had files that could not be sent" : `ended ${final.status.replaceAll("_", " ")}`}. Review the report, then enable them on ${url}/admin/profile-pictures.`);
    }
  }
  return final.status === "completed" || final.status === "completed_with_errors" ? 0 : 1;
}

/** What the upload already holds, by name → bytes (GET /v1/uploads/:id/files, page by page). */
async function receivedFiles(client, id) {
  const out = new Map();
  let cursor = null;
  do {
    const page = (await client.get(`/v1/uploads/${id}/files?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)).body;
    for (const f of page.files) out.set(f.name, f.bytes);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

/**
 * A queue between the zip reader and the senders: `push` waits while `limit` entries are waiting,
 * so the zip is read no faster than its photos are sent (memory holds a few photos, never the zip).
 */
function entryQueue(limit) {
  const items = [];
  let closed = false;
  let wakeReader = null;
  let wakeWriter = null;
  const wake = (fn) => fn?.();
  return {
    async push(item) {
      items.push(item);
      wake(wakeReader);
      while (items.length >= limit && !closed) await new Promise((r) => (wakeWriter = r));
    },
    close() {
      closed = true;
      wake(wakeReader);
      wake(wakeWriter);
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (items.length) {
          const item = items.shift();
          wake(wakeWriter);
          yield item;
        } else if (closed) return;
        else await new Promise((r) => (wakeReader = r));
      }
    },
  };
}

/** How many of the zip's entries will be sent, from its central directory (null when it cannot be read). */
async function zipEntriesToSend(file, mappingGiven) {
  const fh = await fsp.open(file, "r");
  try {
    const { size } = await fh.stat();
    const tail = Buffer.alloc(Math.min(size, ZIP_TAIL_BYTES));
    await fh.read(tail, 0, tail.length, size - tail.length);
    const at = zipDirectoryLocation(tail);
    if (!at || at.offset + at.size > size) return null;
    const directory = Buffer.alloc(at.size);
    await fh.read(directory, 0, at.size, at.offset);
    return entriesToUnpack(zipDirectoryNames(directory)).filter((e) => e.use === "photo" || !mappingGiven).length;
  } catch {
    return null;
  } finally {
    await fh.close();
  }
}

const SKIP_REASONS = {
  not_needed: "not a photo or a mapping file",
  too_large: `larger than ${MAX_UNPACKED_ENTRY_BYTES / 1048576} MB`,
  unsupported_compression: "compressed in a way that cannot be read (zip the folder again with your computer's built-in zip tool)",
};

/**
 * Unpacks the zip here, entry by entry as it is read from disk, and sends each photo (and a
 * mapping file or INDEX.TXT inside, unless one is given separately) as a file of the upload,
 * exactly as the server names them when it unpacks a zip. Returns sendFiles' result plus
 * `zipFailure` when the zip could not be read to its end.
 */
async function sendZip({ file, mappingGiven, say, ...common }) {
  const total = await zipEntriesToSend(file, mappingGiven);
  const queue = entryQueue(UNPACK_AHEAD);
  let stop = false;
  const tables = [];
  const stream = createReadStream(file, { highWaterMark: 1024 * 1024 });
  const chunks = stream[Symbol.asyncIterator]();
  const unpacking = unpackZip(
    { read: () => chunks.next() },
    {
      maxEntryBytes: MAX_UNPACKED_ENTRY_BYTES,
      shouldStop: () => stop,
      onEntry: async (e) => {
        if (e.use === "table" && mappingGiven) tables.push(e.name);
        else await queue.push({ rel: e.name, size: e.bytes.byteLength, bytes: e.bytes });
      },
    },
  ).finally(() => queue.close());
  let result;
  try {
    result = await sendFiles({ ...common, say, files: queue, total, totalBytes: null });
  } finally {
    stop = true;
    queue.close();
    stream.destroy();
  }
  const unpacked = await unpacking;
  if (unpacked.junk) say(`  ${plural(unpacked.junk, "system file")} in the zip skipped (.DS_Store, ._*, Thumbs.db…)`);
  if (tables.length) say(`  Not sent (the mapping file is given separately): ${tables.join(", ")}`);
  if (unpacked.skipped.length) {
    say(`  Not sent from the zip:`);
    for (const f of unpacked.skipped.slice(0, 10)) say(`    ${f.name}: ${SKIP_REASONS[f.reason]}`);
    if (unpacked.skipped.length > 10) say(`    … and ${unpacked.skipped.length - 10} more`);
  }
  return { ...result, zipFailure: unpacked.failure };
}

/**
 * Sends files with bounded parallelism: `files` is an array (a folder) or an async iterable (a
 * zip being unpacked), each { rel, size } with `abs` (read from disk) or `bytes`. Files the
 * upload already holds with the same size (`received`) are not sent again. `total` may be null
 * (a zip whose directory could not be read): the bar then counts what was found.
 * Returns { failed: [{ rel, reason, transient }], sent, already, bytes }.
 */
async function sendFiles({ client, url, id, files, total, totalBytes, received, concurrency, out, tty, say, retriesRef }) {
  const progress = createProgress({ out, tty, label: "Uploading", total: total ?? 0, unit: "files", totalBytes });
  const failed = [];
  let done = 0;
  let found = 0;
  let doneBytes = 0;
  let sent = 0;
  let sentBytes = 0;
  let already = 0;
  let fatal = null;
  let transientStreak = 0;
  let withProblems = 0;
  const source = (async function* () {
    yield* files;
  })();

  const tick = () => {
    if (total == null || found > total) progress.setTotal(found);
    progress.update(done, doneBytes, retriesRef() ? `${plural(retriesRef(), "retry", "retries")}` : "");
  };

  async function sendOne(f) {
    if (f.size === 0) {
      failed.push({ rel: f.rel, reason: "the file is empty (0 bytes)", transient: false });
      return;
    }
    if (received.get(normalizeEntryName(f.rel)) === f.size) {
      already++;
      return;
    }
    let bytes = f.bytes;
    if (!bytes) {
      try {
        bytes = await fsp.readFile(f.abs);
      } catch (e) {
        failed.push({ rel: f.rel, reason: `could not read it from disk (${e.code ?? e.message})`, transient: false });
        return;
      }
    }
    try {
      const res = await client.put(`/v1/uploads/${id}/files/${encodeURIComponent(f.rel)}`, { body: bytes, headers: { "content-type": contentTypeFor(f.rel) } });
      transientStreak = 0;
      sent++;
      sentBytes += f.size;
      if (res.body?.file?.problem) withProblems++;
    } catch (e) {
      if (isAuthError(e)) throw authFailure(e);
      if (e instanceof ApiError && (e.status === 404 || (e.status === 409 && e.code === "upload_not_draft"))) {
        throw new UploadFailure(`Upload ${id} can no longer take files (${e.apiMessage}).`);
      }
      if (e instanceof ConnectionError) {
        failed.push({ rel: f.rel, reason: "the server could not be reached", transient: true });
        throw connectionFailure(url, e);
      }
      if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 429 && e.status !== 408) {
        failed.push({ rel: f.rel, reason: `${e.apiMessage ?? "refused"} (${e.status}${e.code ? ` ${e.code}` : ""})`, transient: false });
        return;
      }
      failed.push({ rel: f.rel, reason: e instanceof ApiError ? `the server answered ${e.status} after several tries` : (e?.message ?? String(e)), transient: true });
      if (++transientStreak >= 10) throw new UploadFailure("The server keeps failing (10 files in a row after retries); stopping the upload.", { hint: "Try again later." });
    }
  }

  async function worker() {
    while (!fatal) {
      const { value: f, done: end } = await source.next();
      if (end) return;
      found++;
      try {
        await sendOne(f);
      } catch (e) {
        fatal ??= e;
        return;
      }
      done++;
      doneBytes += f.size;
      tick();
    }
  }
  tick();
  await Promise.all(Array.from({ length: concurrency }, worker));
  progress.finish();
  if (fatal) {
    if (fatal instanceof UploadFailure && total != null && done < total) {
      fatal.message += ` ${total - done} files were not sent.`;
    }
    throw fatal;
  }
  if (withProblems) say(`  ${plural(withProblems, "file")} arrived with a problem (see the preview below).`);
  return { failed, sent, already, bytes: sentBytes };
}

async function waitForProcessing({ client, url, id, out, tty, pollMs, stallMs, start }) {
  let progress = null;
  let lastDone = -1;
  let lastChange = Date.now();
  for (;;) {
    let u;
    try {
      u = (await client.get(`/v1/uploads/${id}`)).body;
    } catch (e) {
      progress?.finish();
      throw explain(e, url, "Following the processing");
    }
    const c = u.counts ?? {};
    const done = (c.processed ?? 0) + (c.failed ?? 0);
    const total = done + (c.pending ?? 0);
    progress ??= createProgress({ out, tty, label: "Processing", total, unit: "photos", start });
    progress.setTotal(total);
    progress.update(done, 0, c.failed ? `${c.failed} failed` : "");
    if (FINAL.has(u.status)) {
      progress.finish();
      return u;
    }
    if (done !== lastDone) {
      lastDone = done;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > stallMs) {
      progress.finish();
      throw new UploadFailure(`Processing made no progress for ${formatDuration(stallMs)} (${done}/${total} done).`, {
        hint: `The server finishes every row eventually; check ${url}/admin/profile-pictures later for the result and the report.`,
      });
    }
    await sleep(pollMs);
  }
}

function printPreview(u, say) {
  const c = u.counts ?? {};
  say("");
  const source = u.mapping_file
    ? `the mapping file ${u.mapping_file}`
    : { file_names: "photos matched by their file names", pspa: "the PSPA index in the delivery" }[u.format] ?? (u.format ? `the ${u.format.toUpperCase()} mapping in the delivery` : null);
  say(`Preview of upload ${u.id}${source ? ` (${source})` : ""}`);
  const rows = [
    ["Rows in the mapping", c.rows],
    ["Matched students", c.matched],
    ["Unmatched rows", c.unmatched],
    ["Files received", c.files_received],
    ["Missing files", c.missing_files],
    ["Unreferenced files", c.unreferenced_files],
  ];
  for (const [k, v] of rows) say(`  ${k.padEnd(20)} ${String(v ?? 0).padStart(6)}`);
  const problems = u.problems ?? [];
  if (problems.length) {
    say(`Problems${u.problems_truncated ? " (the first 1000)" : ""}:`);
    for (const l of describeProblems(problems, { limit: 15, truncated: u.problems_truncated })) say(l);
  } else say("  No problems found.");
}

async function saveReport({ client, id, cwd, say }) {
  const res = await client.get(`/v1/uploads/${id}/report.csv`, { headers: { accept: "text/csv" } });
  const text = Buffer.isBuffer(res.body) ? res.body.toString("utf8") : String(res.body);
  const file = path.join(cwd, `passpix-report-${id}.csv`);
  await fsp.writeFile(file, text);
  say(`Report saved to ${file}`);
  return { file, ...summarizeReport(text) };
}

function printSummary({ final, report, say, url }) {
  const c = final.counts ?? {};
  const by = report.byStatus;
  const codes = (status) =>
    Object.entries(report.byCode[status] ?? {})
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `${code} ${n}`)
      .join(", ");
  say("");
  say(`Result: ${final.status.replaceAll("_", " ")}`);
  say(`  Processed ${String(c.processed ?? by.processed ?? 0).padStart(6)}  photos now on students' profiles`);
  say(`  Failed    ${String(c.failed ?? by.failed ?? 0).padStart(6)}${by.failed ? `  (${codes("failed")})` : ""}`);
  say(`  Skipped   ${String(by.skipped ?? 0).padStart(6)}${by.skipped ? `  (${codes("skipped")})` : ""}`);
  const failures = report.lines.filter((l) => l.status === "failed").slice(0, 10);
  if (failures.length) {
    say("  First failures:");
    for (const l of failures) say(`    row ${l.row}, ${l.file || l.identifier}: ${l.message || plainWords(l.code)}`);
  }
  say(`Full report (one line per mapping row): ${report.file}`);
  say(`Review, undo or enable photos on ${url}/admin/profile-pictures`);
}
