#!/usr/bin/env node
// npm run upload -- <folder-or-zip> [mapping.csv] --url <service> --token <admin token>
//                   [--concurrency 6] [--no-wait] [--enable] [--upload <id>]
//
// Sends a photographer's delivery to passpix as one bulk upload: creates the upload, sends the
// photos (or streams the zip), shows the preview, submits, follows processing and saves the
// report as ./passpix-report-<id>.csv. Plain Node 20+; the logic lives in scripts/lib/uploader.mjs.
import { parseUploadArgs, runUpload, USAGE, UsageError } from "./lib/uploader.mjs";

let options;
try {
  options = await parseUploadArgs(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  process.stderr.write(`error: ${e.message}\n\n${USAGE}\n`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
process.exitCode = await runUpload(options);
