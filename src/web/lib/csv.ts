// Showing the API's CSV cells on the pages. Reading the CSV itself is src/shared/report-csv.ts
// (papaparse), shared with the upload CLI.

/** Undoes the API's spreadsheet-formula guard (a leading ' before = + - @) for display. */
export const displayCell = (s: string) => (/^'[=+\-@\t\r]/.test(s) ? s.slice(1) : s);
