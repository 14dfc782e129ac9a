/**
 * Rules for reading CSV rows people send (rosters, mapping files). Pure TS: no Worker, DOM, node or
 * HTTP imports, so the server, the pages and the CLI can share it.
 */

/** The delimiter in words, for messages: "a comma", "a semicolon", "a tab". */
export function delimiterName(delimiter: string): string {
  return delimiter === "," ? "a comma" : delimiter === ";" ? "a semicolon" : delimiter === "\t" ? "a tab" : `"${delimiter}"`;
}

/** Fields up to the last one that holds something: empty fields after it (a trailing delimiter) carry nothing. */
export function filledFieldCount(cells: readonly string[]): number {
  let n = cells.length;
  while (n > 0 && cells[n - 1]!.trim() === "") n--;
  return n;
}

/**
 * The one rule for imported CSV rows (roster and mapping files): a row with more fields than its
 * header has a value with an unquoted delimiter ("Smith, Jr."), which shifts every later value
 * into the wrong column, so the row is reported as `bad_row` rather than read as something it
 * does not say. `fields` counts up to the last filled one (filledFieldCount). Returns that
 * message, or null when the row fits its header.
 */
export function extraFieldsMessage(row: number, fields: number, headerFields: number, delimiter: string): string | null {
  if (fields <= headerFields) return null;
  return (
    `Row ${row} has ${fields} fields but the header has ${headerFields}: a value probably holds ${delimiterName(delimiter)} without quotes, ` +
    `so the values no longer line up with the columns. Put that value in double quotes (or remove the extra fields); this row was left out.`
  );
}
