/**
 * Reading the API's CSV downloads (an upload's report.csv) on the clients: the pages and the
 * upload CLI. papaparse does the RFC 4180 work (quoted cells, doubled quotes, line breaks inside
 * quotes, CRLF or LF, a leading BOM), as it does on the server.
 *
 * Imports only papaparse: esbuild bundles it into the pages and the CLI imports it through Node's
 * type stripping.
 */
import Papa from "papaparse";

/** Rows as objects keyed by the header row; blank lines are skipped and missing cells read as "". */
export function parseCsvObjects(text: string): Record<string, string>[] {
  // The API writes commas; naming the delimiter keeps papaparse from guessing on a one-column file.
  const { data } = Papa.parse<string[]>(text, { delimiter: ",", skipEmptyLines: false });
  const [header, ...rows] = data;
  if (!header) return [];
  return rows.filter((r) => r.some((c) => c !== "")).map((r) => Object.fromEntries(header.map((k, i) => [k, r[i] ?? ""])));
}
