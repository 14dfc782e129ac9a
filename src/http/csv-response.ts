/**
 * CSV answers of the API (missing-photos list, upload reports). Reading CSV that people send lives
 * follows src/shared/csv-rows.ts, not this file.
 */
import Papa from "papaparse";

/** CSV for spreadsheets: BOM so Excel reads UTF-8, CRLF, and cells that start like formulas neutralised. */
export function toCsv(header: readonly string[], rows: Array<ReadonlyArray<unknown>>) {
  const safe = (v: unknown) => {
    const s = v === null || v === undefined ? "" : String(v);
    return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  };
  return `\uFEFF${Papa.unparse({ fields: [...header], data: rows.map((r) => r.map(safe)) }, { newline: "\r\n" })}\r\n`;
}

export function csvResponse(body: string, fileName: string) {
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${fileName}"`,
      "Cache-Control": "no-store",
    },
  });
}
