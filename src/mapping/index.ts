/**
 * src/mapping/: bulk-upload mapping, pure. A mapping file (CSV/TSV), a photographer's PSPA
 * index (INDEX.TXT / MASTER.TXT) or no mapping at all (files named after students), matched
 * against the school's roster and the received file names into the upload's preview.
 *
 *   text.ts        bytes → text, what a body that is not a table is; limits; message helpers
 *   table.ts       CSV/TSV dialects (papaparse), header and swapped columns
 *   pspa.ts        the PSPA layout, name/grade normalisation
 *   file-names.ts  a row's file name → the received file
 *   roster.ts      a row's student → the roster's student
 *   match.ts       rows → preview (statuses, repeated students, shared files, counts)
 *   errors.ts      MappingProblem (what bad input becomes) and MappingError
 *
 * No D1, no R2, no HTTP (nothing from src/http or hono), no clock, no randomness: the same
 * input always gives the same preview. Nothing throws on bad input: it comes back as problems
 * `{row, file, code, message}` whose message tells a school admin what to do; only
 * readMappingText throws, a MappingError that src/http/errors.ts turns into the contract's error.
 * Which names are photos, junk or the mapping is shared with the pages and the CLI and lives
 * in src/shared/delivery.ts.
 */
export { MappingError, type MappingProblem } from "./errors";
export { decodeMappingText, readMappingText, MAX_MAPPING_BYTES, MAX_MAPPING_ROWS, type DecodedText } from "./text";
export { parseMappingTable, parseMappingTableText, type TableParseResult, type TableRow } from "./table";
export { looksLikePspa, normalizeGrade, normalizeHomeroom, normalizeName, parsePspaIndex, type PspaRow } from "./pspa";
export type { RosterStudent } from "./roster";
export {
  mappingSourceFor,
  matchMappingRows,
  type MappingCounts,
  type MappingFormat,
  type MappingPreview,
  type MappingRow,
  type MappingRowStatus,
  type MappingSource,
} from "./match";
