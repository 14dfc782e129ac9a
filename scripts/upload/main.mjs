// scripts/upload/: the bulk-upload client behind `npm run upload`, one file per job (args, scan,
// send, progress, summary, report, failures; main runs them in order). Plain Node 22.18+ ESM: the
// rules it shares with the server and the pages (junk files, zip reading, problem codes and their
// wording, CSV reading) are imported from src/shared/*.ts through Node's type stripping and never
// copied here; nothing here is imported by the Worker or the pages.
//
//   import { runUpload, parseUploadArgs } from "./scripts/upload/main.mjs";
//   const code = await runUpload(await parseUploadArgs(process.argv.slice(2)));
//
// Everything the admin sees is written to `out` (stdout); errors to `err` (stderr). runUpload
// never calls process.exit: it resolves to the exit code (0 ok, 1 failed, 2 bad arguments).
import { promises as fsp } from "node:fs";
import path from "node:path";
import { createClient } from "../lib/http.mjs";
import { explain, isAuthError, UploadFailure } from "./failures.mjs";
import { createProgress, formatBytes, formatDuration, plural, seconds } from "./progress.mjs";
import { saveReport } from "./report.mjs";
import { scanFolder } from "./scan.mjs";
import { receivedFiles, sendFiles, sendZip } from "./send.mjs";
import { printPreview, printSummary } from "./summary.mjs";

export { parseUploadArgs, USAGE, UsageError } from "./args.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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
      errOut.write(
        `\nInterrupted. Upload ${state.uploadId} was not submitted. To continue it, run the same command with --upload ${state.uploadId}\n(drafts are deleted after 7 days).\n`,
      );
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
    say(
      `  ${plural(photos.length, "photo")} to send (${formatBytes(bytes)})` +
        (scan.junk.length ? `, ${scan.junk.length} system files skipped (.DS_Store, ._*, Thumbs.db…)` : ""),
    );
    if (scan.other.length)
      say(`  Not sent (not photos): ${scan.other.slice(0, 5).join(", ")}${scan.other.length > 5 ? ` and ${scan.other.length - 5} more` : ""}`);
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
        throw new UploadFailure(
          `Upload ${state.uploadId} is ${upload.status.replaceAll("_", " ")}, so files can no longer be added. Run the command without --upload to start a new upload.`,
        );
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
    throw new UploadFailure(
      `${sent.zipFailure} ${plural(sent.sent + sent.already, "file")} read before the problem ${sent.sent + sent.already === 1 ? "is" : "are"} in the upload, so nothing was submitted.`,
      {
        hint: `Get a complete zip file, then run the same command with --upload ${id} (files the upload already holds are not sent again).`,
      },
    );
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
      say(
        `Photos were not enabled because the upload ${final.status === "completed" ? "had files that could not be sent" : `ended ${final.status.replaceAll("_", " ")}`}. Review the report, then enable them on ${url}/admin/profile-pictures.`,
      );
    }
  }
  return final.status === "completed" || final.status === "completed_with_errors" ? 0 : 1;
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
