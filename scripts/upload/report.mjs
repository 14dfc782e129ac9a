// The upload's report.csv: saved beside the admin, and counted by status and code.
import { promises as fsp } from "node:fs";
import path from "node:path";
import { parseCsvObjects } from "../../src/shared/report-csv.ts";

/** report.csv → { lines: [{row, identifier, file, student_id, status, code, message}], byStatus, byCode: {failed:{}, skipped:{}} } */
export function summarizeReport(csvText) {
  const lines = parseCsvObjects(csvText);
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

export async function saveReport({ client, id, cwd, say }) {
  const res = await client.get(`/v1/uploads/${id}/report.csv`, { headers: { accept: "text/csv" } });
  const text = Buffer.isBuffer(res.body) ? res.body.toString("utf8") : String(res.body);
  const file = path.join(cwd, `passpix-report-${id}.csv`);
  await fsp.writeFile(file, text);
  say(`Report saved to ${file}`);
  return { file, ...summarizeReport(text) };
}
