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
