// What each problem code of an upload means, in the words of the person doing the upload.
// The API's own message (one per row or file) is shown under these headings.

import { MAPPING_WARNING_CODES as WARNINGS } from "../../schemas/problem-codes";

export type Severity = "blocking" | "warning";
export type ProblemInfo = { title: string; explain: string; severity: Severity };


const INFO: Record<string, Omit<ProblemInfo, "severity">> = {
  unknown_student: {
    title: "Student not found",
    explain: "These rows name an email or school ID that is not in your roster. Check the spelling, or add the student to the roster, then upload the mapping file again.",
  },
  ambiguous_student: {
    title: "More than one student could match",
    explain: "We never guess who is in a photo. Use the student's email or school ID in the mapping file instead of a name.",
  },
  duplicate_student: {
    title: "Student listed more than once",
    explain: "The same student appears on several rows. Only one photo is used; check that it is the right one.",
  },
  missing_file: {
    title: "Photo file not found",
    explain: "The mapping file names a picture that is not among the files you added. Check the file name, or add the missing pictures.",
  },
  unreferenced_file: {
    title: "Pictures not named in the mapping file",
    explain: "These pictures were added but no row of the mapping file mentions them (without a mapping file: they are not named after a student's email or school ID), so they will be left out. That is fine if they are extras.",
  },
  unsupported_type: {
    title: "File type not supported",
    explain: "Only JPEG, PNG and WebP pictures can be used. Open these in a photo app, save them as JPEG, and add them again.",
  },
  bad_row: {
    title: "Row cannot be read",
    explain: "These rows of the mapping file are missing the student or the file name. Column 1 holds the student's email or school ID, column 2 the picture's file name.",
  },
  bad_mapping: {
    title: "Mapping file cannot be read",
    explain: "Save the spreadsheet as CSV (in Excel: File › Save As › CSV UTF-8) and upload it again.",
  },
  too_many_rows: {
    title: "Mapping file too long",
    explain: "Split the delivery into several uploads.",
  },
  leading_zeros_ignored: {
    title: "School ID matched without its leading zeros",
    explain: "These rows matched a student only once leading zeros were ignored. Check they are the right students.",
  },
  file_extension_assumed: {
    title: "File name matched without its extension",
    explain: "The mapping file left out the extension (such as .jpg), and exactly one picture fits. Nothing to do unless it is the wrong picture.",
  },
  grade_not_checked: {
    title: "Grade not checked",
    explain: "The student was matched by name; the grade in the index could not be compared.",
  },
  image_unreadable: {
    title: "Picture cannot be opened",
    explain: "The file seems damaged or is not really a picture. Export it again from the original and add it again.",
  },
  image_too_large: {
    title: "Picture too large",
    explain: "This picture is bigger than passpix accepts. Resize it (2000 pixels on the long side is plenty) and add it again.",
  },
  opted_out: {
    title: "Family opted out of photos",
    explain: "These students' families asked for no photo, so their pictures are skipped. Nothing to do.",
  },
  not_a_student: {
    title: "Not a student",
    explain: "Staff or placeholder entries in the index were skipped.",
  },
  ambiguous_file: {
    title: "More than one picture could match",
    explain: "Several added pictures fit the file name in the mapping file. Use the full file name, including its folder.",
  },
  duplicate_file: {
    title: "Picture used for more than one student",
    explain: "The same picture is named on several rows. Check which student it belongs to.",
  },
  archive_incomplete: {
    title: "Zip file incomplete or damaged",
    explain: "Part of the zip file could not be read, so some pictures never arrived. Download the zip again (or ask for a new copy) and add it again.",
  },
  nested_archive: {
    title: "Zip file inside the zip file",
    explain: "Zip files inside a zip file are not unpacked. Unzip the inner one first and add its pictures, or its folder.",
  },
  image_processing_failed: {
    title: "Picture could not be processed",
    explain: "Something went wrong while preparing this picture. Try adding it again; if it keeps failing, save it as JPEG first.",
  },
  server_error: {
    title: "Picture could not be processed",
    explain: "Something went wrong on our side while preparing these pictures. Upload them again later.",
  },
};

export function problemInfo(code: string): ProblemInfo {
  const known = INFO[code];
  const severity: Severity = WARNINGS.has(code) ? "warning" : "blocking";
  if (known) return { ...known, severity };
  const words = code.replaceAll("_", " ");
  return { title: words.charAt(0).toUpperCase() + words.slice(1), explain: "See the details below.", severity };
}

export const isWarning = (code: string | null | undefined) => Boolean(code && WARNINGS.has(code));

/** Upload statuses as a person says them, with the badge tone to use. */
export function statusLabel(status: string): { text: string; tone: "neutral" | "info" | "success" | "warning" | "danger" } {
  switch (status) {
    case "draft":
      return { text: "Not submitted", tone: "info" };
    case "processing":
      return { text: "Processing", tone: "info" };
    case "completed":
      return { text: "Completed", tone: "success" };
    case "completed_with_errors":
      return { text: "Completed with problems", tone: "warning" };
    case "failed":
      return { text: "Failed", tone: "danger" };
    case "cancelled":
      return { text: "Cancelled", tone: "neutral" };
    case "reverted":
      return { text: "Undone", tone: "neutral" };
    default:
      return { text: status.replaceAll("_", " "), tone: "neutral" };
  }
}
