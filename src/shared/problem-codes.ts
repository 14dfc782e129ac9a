/**
 * Upload problem codes and what each means, in the words of the person doing the upload: the one
 * table the server (which codes are warnings), the pages (a heading and an explanation) and the
 * upload CLI (one short phrase after the code) all read.
 *
 * Pure TypeScript with no imports, so esbuild bundles it into the pages, the Worker imports it and
 * the CLI imports it through Node's type stripping (no enums or other syntax Node cannot strip).
 *
 * A warning does not stop anything the admin asked for (the row still goes ahead, or was
 * deliberately left out); every other code needs the admin's attention.
 *
 * Where the pages' and the CLI's earlier copies disagreed, the wording kept is the one that says
 * what the server does (src/mapping/match.ts): `duplicate_student` uses the FIRST row (the CLI
 * said so, the pages only "one photo"); `duplicate_file` gives the photo to NONE of the rows (the
 * CLI said so, the pages only "check which student"); `file_extension_assumed` matched a name
 * without its extension (the pages said so, the CLI "a slightly different file name").
 */

export type ProblemWording = {
  /** Does not stop anything: the row goes ahead or was deliberately left out. */
  warning: boolean;
  /** The pages' heading for a group of these problems. */
  title: string;
  /** The pages' explanation: what happened and what to do. */
  explain: string;
  /** The CLI's one line after the code, lower case. */
  brief: string;
};

const PROBLEMS: Readonly<Record<string, ProblemWording>> = {
  unknown_student: {
    warning: false,
    title: "Student not found",
    explain:
      "These rows name an email or school ID that is not in your roster. Check the spelling, or add the student to the roster, then upload the mapping file again.",
    brief: "no student in your roster has this email or school ID (import the roster first, or fix the mapping)",
  },
  ambiguous_student: {
    warning: false,
    title: "More than one student could match",
    explain: "We never guess who is in a photo. Use the student's email or school ID in the mapping file instead of a name.",
    brief: "more than one student could be meant, so none was picked",
  },
  duplicate_student: {
    warning: true,
    title: "Student listed more than once",
    explain: "The same student appears on several rows. Only the first row's photo is used; check that it is the right one.",
    brief: "the same student is on more than one row; only the first row is used",
  },
  missing_file: {
    warning: false,
    title: "Photo file not found",
    explain: "The mapping file names a picture that is not among the files you added. Check the file name, or add the missing pictures.",
    brief: "the mapping names a photo that was not received",
  },
  unreferenced_file: {
    warning: true,
    title: "Pictures not named in the mapping file",
    explain:
      "These pictures were added but no row of the mapping file mentions them (without a mapping file: they are not named after a student's email or school ID), so they will be left out. That is fine if they are extras.",
    brief: "a photo was received but no mapping row uses it (or, without a mapping, it is named after nobody)",
  },
  unsupported_type: {
    warning: false,
    title: "File type not supported",
    explain: "Only JPEG, PNG and WebP pictures can be used. Open these in a photo app, save them as JPEG, and add them again.",
    brief: "not a JPEG, PNG or WebP photo",
  },
  bad_row: {
    warning: false,
    title: "Row cannot be read",
    explain:
      "These rows of the mapping file are missing the student or the file name. Column 1 holds the student's email or school ID, column 2 the picture's file name.",
    brief: "a row of the mapping file could not be read",
  },
  bad_mapping: {
    warning: false,
    title: "Mapping file cannot be read",
    explain: "Save the spreadsheet as CSV (in Excel: File › Save As › CSV UTF-8) and upload it again.",
    brief: "the mapping file could not be read",
  },
  too_many_rows: {
    warning: false,
    title: "Mapping file too long",
    explain: "Split the delivery into several uploads.",
    brief: "the mapping file has more rows than one upload takes (split the delivery)",
  },
  leading_zeros_ignored: {
    warning: true,
    title: "School ID matched without its leading zeros",
    explain: "These rows matched a student only once leading zeros were ignored. Check they are the right students.",
    brief: "the school ID matched only after ignoring leading zeros (check it is the right student)",
  },
  file_extension_assumed: {
    warning: true,
    title: "File name matched without its extension",
    explain: "The mapping file left out the extension (such as .jpg), and exactly one picture fits. Nothing to do unless it is the wrong picture.",
    brief: "the mapping left out the file's extension and exactly one photo fits",
  },
  grade_not_checked: {
    warning: true,
    title: "Grade not checked",
    explain: "The student was matched by name; the grade in the index could not be compared.",
    brief: "the grade could not be checked when matching by name",
  },
  image_unreadable: {
    warning: false,
    title: "Picture cannot be opened",
    explain: "The file seems damaged or is not really a picture. Export it again from the original and add it again.",
    brief: "the photo is damaged or could not be read",
  },
  image_too_large: {
    warning: false,
    title: "Picture too large",
    explain: "This picture is bigger than passpix accepts. Resize it (2000 pixels on the long side is plenty) and add it again.",
    brief: "the photo is larger than passpix accepts",
  },
  opted_out: {
    warning: true,
    title: "Family opted out of photos",
    explain: "These students' families asked for no photo, so their pictures are skipped. Nothing to do.",
    brief: "the student opted out of photos, so the row is skipped",
  },
  not_a_student: {
    warning: true,
    title: "Not a student",
    explain: "Staff or placeholder entries in the index were skipped.",
    brief: "a staff line in the photographer's index, skipped",
  },
  ambiguous_file: {
    warning: false,
    title: "More than one picture could match",
    explain: "Several added pictures fit the file name in the mapping file. Use the full file name, including its folder.",
    brief: "more than one received photo fits the file name (use the full name, with its folder)",
  },
  duplicate_file: {
    warning: false,
    title: "Picture used for more than one student",
    explain: "The same picture is named on several rows, so none of these students gets it. Check which student it belongs to.",
    brief: "the same photo is named for different students; none of them gets it",
  },
  archive_incomplete: {
    warning: false,
    title: "Zip file incomplete or damaged",
    explain: "Part of the zip file could not be read, so some pictures never arrived. Download the zip again (or ask for a new copy) and add it again.",
    brief: "part of the zip could not be read, so some photos never arrived (download it again)",
  },
  nested_archive: {
    warning: false,
    title: "Zip file inside the zip file",
    explain: "Zip files inside a zip file are not unpacked. Unzip the inner one first and add its pictures, or its folder.",
    brief: "a zip inside the zip is not unpacked (unzip it first)",
  },
  image_processing_failed: {
    warning: false,
    title: "Picture could not be processed",
    explain: "Something went wrong while preparing this picture. Try adding it again; if it keeps failing, save it as JPEG first.",
    brief: "the photo could not be processed (try again; if it keeps failing, save it as JPEG)",
  },
  // The photo checks (src/imaging/checks.ts measures, src/features/photos/checks.service.ts decides).
  possible_duplicate: {
    warning: true,
    title: "Same picture as another student's",
    explain: "This picture is the same as, or nearly the same as, another student's photo. Check that each student has their own picture.",
    brief: "the same or a nearly identical picture is another student's photo",
  },
  low_resolution: {
    warning: true,
    title: "Picture too small",
    explain: "This picture is smaller than the ID card size (320 × 400 pixels), so it will look blurry. Use the original, larger picture if you have it.",
    brief: "the picture is smaller than the card size (320 × 400), so it would be enlarged",
  },
  too_dark: {
    warning: true,
    title: "Picture too dark",
    explain: "This picture is very dark; the student may be hard to recognise. Check it, and retake it if needed.",
    brief: "the picture is very dark",
  },
  too_bright: {
    warning: true,
    title: "Picture too bright",
    explain: "This picture is very bright (washed out); the student may be hard to recognise. Check it, and retake it if needed.",
    brief: "the picture is very bright (washed out)",
  },
  blank_image: {
    warning: true,
    title: "Picture almost blank",
    explain: "This picture is almost one colour: there may be no one in it. Check that it is the right file.",
    brief: "the picture is almost one colour (blank)",
  },
  not_a_portrait: {
    warning: true,
    title: "Not a portrait",
    explain: "This picture is wider than it is tall, like a group photo or a scanned page. Check that it shows just this student.",
    brief: "the picture is wider than tall (a group photo or a scanned page?)",
  },
  server_error: {
    warning: false,
    title: "Picture could not be processed",
    explain: "Something went wrong on our side while preparing these pictures. Upload them again later.",
    brief: "something went wrong on the server while preparing the photo (try again later)",
  },
};

/** The codes that do not stop anything (the server stores this list with each submitted upload). */
export const MAPPING_WARNING_CODES: ReadonlySet<string> = new Set(Object.keys(PROBLEMS).filter((code) => PROBLEMS[code]?.warning));

/** The wording of any code; one the table does not know (a newer server) still reads as words and needs attention. */
export function problemWording(code: string): ProblemWording {
  const known = PROBLEMS[code];
  if (known) return known;
  const words = code.replaceAll("_", " ");
  return { warning: false, title: words.charAt(0).toUpperCase() + words.slice(1), explain: "See the details below.", brief: words };
}

/**
 * Problems of a zip archive itself rather than of a row: photos the admin sent never arrived
 * (cut short or damaged, a zip inside the zip), so an upload carrying one can end
 * `completed_with_errors` at best, however well its rows went.
 */
export const ARCHIVE_PROBLEM_CODES: ReadonlySet<string> = new Set(["archive_incomplete", "nested_archive"]);
