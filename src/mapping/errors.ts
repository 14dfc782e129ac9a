/**
 * What bad mapping input becomes. Parsing and matching never throw on bad input: each problem
 * comes back as a `MappingProblem` the preview shows against its row. Only a caller that must
 * refuse a body outright (PUT …/mapping) turns a decoding failure into a `MappingError`, which
 * src/http/errors.ts (toApiError) maps to the contract's error, the one place that knows HTTP.
 */

/** One problem. `row` is a spreadsheet row number (or null for file-level problems). */
export type MappingProblem = { row: number | null; file: string | null; code: string; message: string };

export function badMapping(message: string): MappingProblem {
  return { row: null, file: null, code: "bad_mapping", message };
}

/**
 * A mapping body that cannot be read as a table. `not_text`: its bytes are not text at all (a
 * workbook, an image, a zip, binary bytes); `not_a_table`: text, but not a table (empty, JSON,
 * a web page, XML). `detected` names what the bytes are when known (`xlsx`, `json`…).
 */
export class MappingError extends Error {
  constructor(
    readonly code: "not_text" | "not_a_table",
    message: string,
    readonly facts: { detected: string | null },
  ) {
    super(message);
    this.name = "MappingError";
  }
}
