#!/usr/bin/env node
// npm run upload -- <folder-or-zip> [mapping.csv] --url <service> --token <admin token>
//                   [--concurrency 6] [--no-wait] [--enable] [--upload <id>]
//
// Sends a photographer's delivery to passpix as one bulk upload: creates the upload, sends the
// photos (or streams the zip), shows the preview, submits, follows processing and saves the
// report as ./passpix-report-<id>.csv. Node 22.18+ (`npm run upload` brings the project's Node 24);
// the logic lives in scripts/upload/ (main.mjs runs it).

// The uploader imports the server's rules from src/shared/*.ts, which needs Node's type
// stripping (22.18+): say so instead of failing with an unknown-extension error.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `error: this command needs Node 22.18 or newer (this is ${process.version}). Run it as \`npm run upload -- …\`, which uses the project's own Node.\n`,
  );
  process.exit(2);
}
const { parseUploadArgs, runUpload, USAGE, UsageError } = await import("./upload/main.mjs");

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
