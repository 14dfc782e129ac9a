/**
 * Upload problem codes that do not stop anything the admin asked for (the row still goes ahead,
 * or the row was deliberately left out). Every other code needs the admin's attention.
 * Dependency-free so the pages' bundle shares the one list with the server.
 */
export const MAPPING_WARNING_CODES: ReadonlySet<string> = new Set([
  "leading_zeros_ignored",
  "file_extension_assumed",
  "grade_not_checked",
  "unreferenced_file",
  "opted_out",
  "duplicate_student",
  "not_a_student",
]);

/**
 * Problems of a zip archive itself rather than of a row: photos the admin sent never arrived
 * (cut short or damaged, a zip inside the zip), so an upload carrying one can end
 * `completed_with_errors` at best, however well its rows went.
 */
export const ARCHIVE_PROBLEM_CODES: ReadonlySet<string> = new Set(["archive_incomplete", "nested_archive"]);
