// The command line of `npm run upload`: the usage text, parsing and checking the arguments.
import { promises as fsp } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

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
  if (positionals.length > 2)
    throw new UsageError(
      `Too many arguments: ${positionals
        .slice(2)
        .map((p) => JSON.stringify(p))
        .join(" ")}. Put quotes around paths with spaces.`,
    );

  const url = values.url ?? env.PASSPIX_URL;
  const token = values.token ?? env.PASSPIX_TOKEN;
  if (!url) throw new UsageError("--url is required (the passpix service, e.g. https://passpix.example.org).");
  let base;
  try {
    base = new URL(url);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(url)} is not a web address (it should look like https://passpix.example.org).`);
  }
  if (!["http:", "https:"].includes(base.protocol))
    throw new UsageError(`--url must start with https:// (or http:// for a local server); got ${JSON.stringify(url)}.`);
  if (!token) throw new UsageError("--token is required (an admin token for your school).");
  if (/\s/.test(token.trim()) || token.trim().split(".").length !== 3) {
    throw new UsageError("--token does not look like a token (three parts separated by dots). Copy it again, without quotes or line breaks.");
  }
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32)
    throw new UsageError(`--concurrency must be a whole number from 1 to 32; got ${JSON.stringify(values.concurrency)}.`);
  if (values.upload !== undefined && !/^[a-z0-9]{8,40}$/.test(values.upload))
    throw new UsageError(`--upload ${JSON.stringify(values.upload)} is not an upload id.`);

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
    if (/\.(xlsx|xls|numbers|ods)$/i.test(mapping))
      throw new UsageError(`${positionals[1]} is a spreadsheet workbook; save it as CSV first (in Excel: File › Save As › CSV UTF-8).`);
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
