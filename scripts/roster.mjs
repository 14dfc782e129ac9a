#!/usr/bin/env node
// npm run roster -- <users.csv-or-oneroster.zip> --url <service> --token <admin token>
//                   [--school <orgSourcedId>] [--dry-run]
//
// Imports a roster into passpix: a OneRoster CSV zip from the student information system (or
// its users.csv), or a roster CSV in passpix's own columns. Prints what was created, updated,
// left unchanged and skipped, and every problem. The arguments and the HTTP client are the upload
// CLI's (scripts/upload/args.mjs, scripts/lib/http.mjs).
import { readFile, stat } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { ApiError, ConnectionError, createClient } from "./lib/http.mjs";
import { isZipFile, parseCommandLine, runCommand, serviceArgs, UsageError } from "./upload/args.mjs";

export const USAGE = `Usage: npm run roster -- <file> --url <service> --token <admin token> [--school <orgSourcedId>] [--dry-run]

  <file>       a OneRoster CSV zip (users.csv, orgs.csv, …), a OneRoster users.csv, or a roster
               CSV with the columns id,email,sis_id,first_name,last_name,grade,homeroom,photo_opt_out
  --url        the passpix service, e.g. https://passpix.example.org (or $PASSPIX_URL)
  --token      an admin token for your school (or $PASSPIX_TOKEN)
  --school     the school to import from a district file (its sourcedId in orgs.csv)
  --dry-run    show what would change without changing anything
  --help       this text

Exit codes: 0 imported (rows with problems are listed), 1 refused or an error, 2 bad arguments.`;

export async function parseRosterArgs(argv, env = process.env) {
  const { values, positionals } = parseCommandLine(argv, {
    school: { type: "string" },
    "dry-run": { type: "boolean", default: false },
  });
  if (values.help) return { help: true };
  if (positionals.length !== 1) throw new UsageError(positionals.length ? "Give one roster file." : "Say which roster file to import.");
  const { url, token } = serviceArgs(values, env);
  const file = positionals[0];
  const st = await stat(file).catch(() => null);
  if (!st?.isFile()) throw new UsageError(`${file} is not a file.`);
  return { help: false, file, url, token, school: values.school ?? null, dryRun: values["dry-run"] };
}

export async function runRoster({ file, url, token, school, dryRun }, out = process.stdout) {
  const zip = await isZipFile(file);
  const q = new URLSearchParams();
  if (school) q.set("school", school);
  if (dryRun) q.set("dry_run", "true");
  const client = createClient({ baseUrl: url, token, log: (m) => out.write(`${m}\n`) });
  try {
    const { body } = await client.post(`/v1/students/import${q.size ? `?${q}` : ""}`, {
      body: await readFile(file),
      headers: { "content-type": zip ? "application/zip" : "text/csv" },
    });
    const verb = dryRun ? "would be " : "";
    out.write(
      `${dryRun ? "Dry run (nothing changed): " : ""}${body.created} ${verb}created, ${body.updated} ${verb}updated, ${body.unchanged} unchanged` +
        `${body.skipped !== undefined ? `, ${body.skipped} skipped` : ""}, ${body.problems.length} problem${body.problems.length === 1 ? "" : "s"}\n`,
    );
    for (const p of body.problems) out.write(`  row ${p.row} ${p.code}: ${p.message}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ApiError) {
      out.write(`error: ${err.apiMessage ?? err.message}\n`);
      for (const s of err.details?.schools ?? []) out.write(`  --school ${s.sourcedId}${s.name ? `  (${s.name})` : ""}\n`);
      return 1;
    }
    if (err instanceof ConnectionError) {
      out.write(`error: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

// Run as a command (not when a test imports it).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runCommand({ parse: parseRosterArgs, run: runRoster, usage: USAGE });
}
