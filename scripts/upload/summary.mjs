// The admin's summaries: the preview's problems grouped and in plain words, and the final result.
// The codes and their wording come from src/shared/problem-codes.ts (one table with the server
// and the pages).
import { problemWording } from "../../src/shared/problem-codes.ts";

export const plainWords = (code) => problemWording(code).brief;
const isWarning = (code) => problemWording(code).warning;

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
  const ordered = [...groups.entries()].sort(([a, pa], [b, pb]) => Number(isWarning(a)) - Number(isWarning(b)) || pb.length - pa.length || (a < b ? -1 : 1));
  const lines = [];
  let shown = 0;
  const perGroup = Math.max(2, Math.ceil(limit / ordered.length));
  for (const [code, list] of ordered) {
    const mark = isWarning(code) ? "!" : "✗";
    lines.push(`  ${mark} ${list.length}${truncated ? "+" : ""} × ${code}: ${plainWords(code)}`);
    // Warnings do not stop anything: a few examples are enough.
    const cap = isWarning(code) ? Math.min(3, perGroup) : perGroup;
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

export function printPreview(u, say) {
  const c = u.counts ?? {};
  say("");
  const source = u.mapping_file
    ? `the mapping file ${u.mapping_file}`
    : ({ file_names: "photos matched by their file names", pspa: "the PSPA index in the delivery" }[u.format] ??
      (u.format ? `the ${u.format.toUpperCase()} mapping in the delivery` : null));
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

export function printSummary({ final, report, say, url }) {
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
  // The photo checks' warnings (the only problems with details): the photo was stored, the admin should look.
  const checks = (final.problems ?? []).filter((p) => p.details);
  // The upload lists 1,000 problems at most (the photo warnings keep at least half of them): past
  // that the count is a floor, never a silent 0, and report.csv has every row.
  const partial = final.problems_truncated ? "+" : "";
  const floorNote = partial && `; counted from the first problems listed, ${report.file} has every row`;
  if (!checks.length && partial) say(`  Warnings  ${"0".padStart(6)}+  photos to look at${floorNote}`);
  if (checks.length) {
    const byCode = new Map();
    for (const p of checks) byCode.set(p.code, (byCode.get(p.code) ?? 0) + 1);
    const list = [...byCode.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `${code} ${n}`)
      .join(", ");
    say(`  Warnings  ${String(new Set(checks.map((p) => p.row)).size).padStart(6)}${partial}  photos to look at (${list})${floorNote}`);
    for (const p of checks.slice(0, 10))
      say(`    row ${p.row}, ${p.file ?? ""}: ${plainWords(p.code)}${p.details.student_id ? ` (same as ${p.details.student_id})` : ""}`);
  }
  const failures = report.lines.filter((l) => l.status === "failed").slice(0, 10);
  if (failures.length) {
    say("  First failures:");
    for (const l of failures) say(`    row ${l.row}, ${l.file || l.identifier}: ${l.message || plainWords(l.code)}`);
  }
  say(`Full report (one line per mapping row): ${report.file}`);
  say(`Review, undo or enable photos on ${url}/admin/profile-pictures`);
}
