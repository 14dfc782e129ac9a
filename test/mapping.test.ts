import { describe, it, expect } from "vitest";
import { classifyFileName, findMappingInArchive, findPspaIndex, isJunkEntry } from "../src/shared/delivery";
import {
  decodeMappingText,
  looksLikePspa,
  mappingSourceFor,
  MappingError,
  matchMappingRows,
  MAX_MAPPING_ROWS,
  parseMappingTable,
  parsePspaIndex,
  readMappingText,
  type MappingPreview,
  type MappingSource,
  type RosterStudent,
} from "../src/mapping";
import { normalizeGrade, normalizeHomeroom, normalizeName } from "../src/mapping/pspa";
import { toApiError } from "../src/http/errors";

// ─── helpers ───

const utf8 = (s: string) => new TextEncoder().encode(s);
const table = (s: string | Uint8Array, fileName = "mapping.csv"): MappingSource => ({
  kind: "table",
  fileName,
  bytes: typeof s === "string" ? utf8(s) : s,
});
const pspa = (s: string, fileName = "INDEX.TXT"): MappingSource => ({ kind: "pspa", fileName, bytes: utf8(s) });
const NONE: MappingSource = { kind: "none" };

function student(p: Partial<RosterStudent> & { id: string }): RosterStudent {
  return {
    email: null,
    sis_id: null,
    first_name: null,
    last_name: null,
    grade: null,
    homeroom: null,
    photo_opt_out: false,
    ...p,
  };
}

const roster: RosterStudent[] = [
  student({ id: "s1", email: "jane.doe@school.org", sis_id: "001234", first_name: "Jane", last_name: "Doe", grade: "9", homeroom: "101" }),
  student({ id: "s2", email: "john.roe@school.org", sis_id: "5678", first_name: "John", last_name: "Roe", grade: "10", homeroom: "202" }),
  student({ id: "s3", email: "amy.opt@school.org", sis_id: "9999", first_name: "Amy", last_name: "Opt", grade: "11", photo_opt_out: true }),
  student({ id: "s4", email: "li.wei@school.org", sis_id: "0042", first_name: "Wei", last_name: "Li", grade: "12" }),
  student({ id: "s5", email: "lee.wei@school.org", sis_id: "042", first_name: "Wei", last_name: "Lee", grade: "12" }),
];

/** Problem codes per row number, as the admin's preview shows them. */
function codesByRow(p: MappingPreview): Record<number, string[]> {
  const out: Record<number, string[]> = {};
  for (const r of p.rows) out[r.row] = r.problems.map((x) => x.code);
  return out;
}
function fileLevel(p: MappingPreview) {
  return p.problems.filter((x) => x.row === null);
}
function rowAt(p: MappingPreview, row: number) {
  const r = p.rows.find((x) => x.row === row);
  if (!r) throw new Error(`no row ${row}`);
  return r;
}

// ─── table formats ───

describe("mapping table formats", () => {
  it("reads an Excel CSV with BOM, CRLF and a header row", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8("Email,File Name\r\njane.doe@school.org,IMG_0001.JPG\r\njohn.roe@school.org,IMG_0002.JPG\r\n")]);
    const p = matchMappingRows(table(bytes), roster, ["IMG_0001.JPG", "IMG_0002.JPG"]);
    expect(p.format).toBe("csv");
    expect(p.problems).toEqual([]);
    expect(p.rows.map((r) => [r.row, r.student_id, r.matched_file, r.status])).toEqual([
      [2, "s1", "IMG_0001.JPG", "ready"],
      [3, "s2", "IMG_0002.JPG", "ready"],
    ]);
    expect(p.counts).toEqual({
      rows: 2,
      matched: 2,
      unmatched: 0,
      skipped: 0,
      ready: 2,
      files_received: 2,
      missing_files: 0,
      unreferenced_files: 0,
    });
    expect(rowAt(p, 2).student_name).toBe("Jane Doe");
  });

  it("reads a headerless file and matches IDs whose leading zeros Excel stripped, with a warning", () => {
    const p = matchMappingRows(table("1234,a.jpg\n5678,b.jpg\n"), roster, ["a.jpg", "b.jpg"]);
    const r1 = rowAt(p, 1);
    expect(r1.student_id).toBe("s1");
    expect(r1.status).toBe("ready");
    expect(r1.problems.map((x) => x.code)).toEqual(["leading_zeros_ignored"]);
    expect(r1.problems[0]!.message).toContain('"001234"');
    expect(r1.problems[0]!.message).toMatch(/Text/);
    expect(rowAt(p, 2).problems).toEqual([]);
    expect(p.counts.ready).toBe(2);
  });

  it("reports an ID that matches two students once leading zeros are ignored as ambiguous", () => {
    // "42" matches "0042" (s4) and "042" (s5) after stripping zeros: never guess.
    const p = matchMappingRows(table("42,a.jpg\n0042,b.jpg\n"), roster, ["a.jpg", "b.jpg"]);
    expect(codesByRow(p)).toEqual({ 1: ["ambiguous_student"], 2: [] });
    expect(rowAt(p, 2).student_id).toBe("s4");
    expect(rowAt(p, 1).problems[0]!.message).toContain("Wei Li");
  });

  it("detects semicolons (European Excel)", () => {
    const p = matchMappingRows(table("jane.doe@school.org;IMG 1,final.jpg\n5678;b.jpg"), roster, ["IMG 1,final.jpg", "b.jpg"]);
    expect(p.format).toBe("semicolon");
    expect(p.rows.map((r) => r.status)).toEqual(["ready", "ready"]);
  });

  it("detects tabs, including UTF-16 'Unicode text' from Excel", () => {
    const text = "student id\tphoto\r\n001234\tGrade 9/IMG_1.jpg\r\n";
    expect(matchMappingRows(table(text, "m.txt"), roster, ["Grade 9/IMG_1.jpg"]).format).toBe("tsv");
    const le = new Uint8Array(2 + text.length * 2);
    le[0] = 0xff;
    le[1] = 0xfe;
    for (let i = 0; i < text.length; i++) le[2 + i * 2] = text.charCodeAt(i);
    const p = matchMappingRows(table(le, "m.txt"), roster, ["Grade 9/IMG_1.jpg"]);
    expect(p.format).toBe("tsv");
    expect(p.problems).toEqual([]);
    expect(rowAt(p, 2).status).toBe("ready");
    const be = new Uint8Array(2 + text.length * 2);
    be[0] = 0xfe;
    be[1] = 0xff;
    for (let i = 0; i < text.length; i++) be[3 + i * 2] = text.charCodeAt(i);
    expect(matchMappingRows(table(be), roster, ["Grade 9/IMG_1.jpg"]).counts.ready).toBe(1);
  });

  it("accepts swapped columns when file names are clearly in column 1", () => {
    const p = matchMappingRows(table("IMG_1.jpg,jane.doe@school.org\nphotos/IMG_2.png,5678\n"), roster, ["IMG_1.jpg", "photos/IMG_2.png"]);
    expect(p.rows.map((r) => [r.identifier, r.file, r.status])).toEqual([
      ["jane.doe@school.org", "IMG_1.jpg", "ready"],
      ["5678", "photos/IMG_2.png", "ready"],
    ]);
    expect(parseMappingTable(utf8("IMG_1.jpg,jane.doe@school.org")).swapped).toBe(true);
  });

  it("uses header labels for the column order when file names have no extension", () => {
    const r = parseMappingTable(utf8("Photo,Student ID\nIMG_1,001234\n"));
    expect(r.header).toBe(true);
    expect(r.swapped).toBe(true);
    expect(r.rows).toEqual([{ row: 2, identifier: "001234", file: "IMG_1", problem: null }]);
  });

  it("handles quoted cells with delimiters and line breaks, and counts rows as a spreadsheet does", () => {
    const csv = 'email,file\n"jane.doe@school.org","Doe, Jane.jpg"\n"john.roe@school.org","notes\nline 2.jpg"\n\n5678,"x.jpg",extra,"more, stuff"\n';
    const r = parseMappingTable(utf8(csv));
    expect(r.rows.map((x) => [x.row, x.identifier, x.file])).toEqual([
      [2, "jane.doe@school.org", "Doe, Jane.jpg"],
      [3, "john.roe@school.org", "notes\nline 2.jpg"],
      [5, "5678", "x.jpg"],
    ]);
  });

  it("matches emails case-insensitively after trimming", () => {
    const p = matchMappingRows(table("  Jane.DOE@School.org , a.jpg \n\u00a0JOHN.roe@SCHOOL.ORG\u00a0,b.jpg"), roster, ["a.jpg", "b.jpg"]);
    expect(p.rows.map((r) => r.student_id)).toEqual(["s1", "s2"]);
    expect(p.problems).toEqual([]);
  });

  it("reports a row with more fields than the header as bad_row with both counts; the other rows still match", () => {
    const csv = "email;file\njane.doe@school.org;a.jpg\njohn.roe@school.org;b;c.jpg\n5678;d.jpg;\n";
    const r = parseMappingTable(utf8(csv));
    expect(r.header).toBe(true);
    expect(r.rows.map((x) => [x.row, x.problem?.code ?? null])).toEqual([
      [2, null],
      [3, "bad_row"],
      [4, null],
    ]);
    expect(r.rows[1]!.problem!.message).toMatch(/Row 3 has 3 fields but the header has 2/);
    expect(r.rows[1]!.problem!.message).toMatch(/semicolon/);
    const p = matchMappingRows(table(csv), roster, ["a.jpg", "b", "c.jpg", "d.jpg"]);
    expect(p.rows.map((x) => x.status)).toEqual(["ready", "unmatched", "ready"]);
  });

  it("ignores blank lines and extra columns, and detects no header in plain data", () => {
    const r = parseMappingTable(utf8("\n\njane.doe@school.org,a.jpg,Jane,Doe\n\n,,,\n5678,b.jpg\n"));
    expect(r.header).toBe(false);
    expect(r.rows.map((x) => [x.row, x.identifier, x.file])).toEqual([
      [3, "jane.doe@school.org", "a.jpg"],
      [6, "5678", "b.jpg"],
    ]);
  });
});

// ─── students ───

describe("student matching", () => {
  it("flags unknown, opted-out and repeated students in words an admin understands", () => {
    const csv = "nobody@school.org,a.jpg\n9999,b.jpg\njane.doe@school.org,c.jpg\n001234,d.jpg\n7777,e.jpg\n";
    const p = matchMappingRows(table(csv), roster, ["a.jpg", "b.jpg", "c.jpg", "d.jpg"]);
    expect(codesByRow(p)).toEqual({
      1: ["unknown_student"],
      2: ["opted_out"],
      3: [],
      4: ["duplicate_student"],
      5: ["unknown_student", "missing_file"],
    });
    expect(p.rows.map((r) => r.status)).toEqual(["unmatched", "skipped", "ready", "skipped", "unmatched"]);
    expect(rowAt(p, 1).problems[0]!.message).toMatch(/No student with the email "nobody@school.org".*import the student/);
    expect(rowAt(p, 2).problems[0]!.message).toMatch(/Amy Opt has opted out/);
    expect(rowAt(p, 4).problems[0]!.message).toMatch(/already gets a photo from row 3.*only once/);
    const later = matchMappingRows(table("001234,missing.jpg\njane.doe@school.org,c.jpg\n"), roster, ["c.jpg"]);
    expect(codesByRow(later)).toEqual({ 1: ["missing_file"], 2: ["duplicate_student"] });
    expect(rowAt(later, 2).problems[0]!.message).toMatch(/remove row 1 so that this row is used/);
    expect(rowAt(p, 4).student_id).toBe("s1");
    // rows = matched + unmatched + skipped
    expect(p.counts).toMatchObject({ rows: 5, matched: 1, unmatched: 2, skipped: 2, ready: 1, missing_files: 1 });
    // a referenced file is never also "unreferenced", even when its row failed
    expect(fileLevel(p)).toEqual([]);
  });

  it("reports a roster with two students sharing an ID as ambiguous", () => {
    const dup = [...roster, student({ id: "s9", sis_id: "5678", first_name: "Other", last_name: "Kid" })];
    const p = matchMappingRows(table("5678,a.jpg"), dup, ["a.jpg"]);
    expect(codesByRow(p)).toEqual({ 1: ["ambiguous_student"] });
    expect(rowAt(p, 1).student_id).toBeNull();
  });

  it("hints at Excel's scientific notation", () => {
    const p = matchMappingRows(table("1.23E+05,a.jpg"), roster, ["a.jpg"]);
    expect(rowAt(p, 1).problems[0]!.message).toMatch(/scientific notation/);
  });

  it("flags one file used for two different students on every such row", () => {
    const p = matchMappingRows(table("jane.doe@school.org,a.jpg\njohn.roe@school.org,A.JPG\n"), roster, ["a.jpg"]);
    expect(codesByRow(p)).toEqual({ 1: ["duplicate_file"], 2: ["duplicate_file"] });
    expect(p.counts).toMatchObject({ matched: 2, ready: 0 });
    expect(rowAt(p, 1).problems[0]!.message).toMatch(/one student only/);
  });

  it("reports bad rows", () => {
    const csv = "jane.doe@school.org\n,a.jpg\n5678,\n" + `${"x".repeat(400)},b.jpg\n` + 'john.roe@school.org,"unclosed\n';
    const p = matchMappingRows(table(csv), roster, ["a.jpg"]);
    expect(codesByRow(p)).toEqual({ 1: ["bad_row"], 2: ["bad_row"], 3: ["bad_row"], 4: ["bad_row"], 5: ["bad_row"] });
    expect(rowAt(p, 1).problems[0]!.message).toMatch(/only one value.*a comma/);
    expect(rowAt(p, 2).problems[0]!.message).toMatch(/no student email or school ID/);
    expect(rowAt(p, 3).problems[0]!.message).toMatch(/no photo file name/);
    expect(rowAt(p, 5).problems[0]!.message).toMatch(/quote/);
    expect(p.counts).toMatchObject({ rows: 5, unmatched: 5 });
    // a.jpg is referenced by the bad row 2, so it is not also reported as unreferenced
    expect(fileLevel(p)).toEqual([]);
  });
});

// ─── files ───

describe("file matching", () => {
  it("matches exactly, then case-insensitively, then by base name", () => {
    const csv = "001234,IMG_1.jpg\n5678,img_2.jpg\n0042,IMG_3.JPG\n";
    const p = matchMappingRows(table(csv), roster, ["IMG_1.jpg", "img_1.JPG", "IMG_2.JPG", "Grade 12/IMG_3.JPG"]);
    expect(p.rows.map((r) => r.matched_file)).toEqual(["IMG_1.jpg", "IMG_2.JPG", "Grade 12/IMG_3.JPG"]);
    expect(p.counts.ready).toBe(3);
    expect(fileLevel(p).map((x) => [x.code, x.file])).toEqual([["unreferenced_file", "img_1.JPG"]]);
  });

  it("reports an ambiguous base name instead of guessing, and uses folders to tell them apart", () => {
    const files = ["Grade 9/IMG_1.jpg", "Grade 10/IMG_1.jpg"];
    const p = matchMappingRows(table("001234,IMG_1.jpg\n"), roster, files);
    expect(codesByRow(p)).toEqual({ 1: ["ambiguous_file"] });
    expect(rowAt(p, 1).problems[0]!.message).toMatch(/Grade 9\/IMG_1.jpg.*folder/);
    expect(rowAt(p, 1).status).toBe("unmatched");
    // both candidates count as referenced: they are not also "unreferenced"
    expect(fileLevel(p)).toEqual([]);
    const q = matchMappingRows(table("001234,Photos\\Grade 9\\IMG_1.jpg\n"), roster, files);
    expect(rowAt(q, 1).matched_file).toBe("Grade 9/IMG_1.jpg");
  });

  it("matches an extension-less name to a unique image with a warning", () => {
    const p = matchMappingRows(table("001234,IMG_1\n"), roster, ["IMG_1.JPG"]);
    expect(rowAt(p, 1).matched_file).toBe("IMG_1.JPG");
    expect(rowAt(p, 1).status).toBe("ready");
    expect(codesByRow(p)).toEqual({ 1: ["file_extension_assumed"] });
  });

  it("reports missing and unreferenced files, ignores junk, and flags unsupported types", () => {
    const csv = "001234,a.jpg\n5678,b.heic\n0042,notes.pdf\n042,gone.jpg\n";
    const received = [
      "a.jpg",
      "b.heic",
      "notes.pdf",
      "extra.png",
      "other.gif",
      "readme.txt",
      "__MACOSX/._a.jpg",
      "photos/.DS_Store",
      "Thumbs.db",
      "Photos/desktop.ini",
      "._extra.png",
    ];
    const p = matchMappingRows(table(csv), roster, received);
    expect(codesByRow(p)).toEqual({ 1: [], 2: ["unsupported_type"], 3: ["unsupported_type"], 4: ["missing_file"] });
    expect(rowAt(p, 2).problems[0]!.message).toMatch(/HEIC image.*Convert it to JPEG or PNG/);
    expect(rowAt(p, 3).problems[0]!.message).toMatch(/not a photo/);
    expect(rowAt(p, 4).problems[0]!.message).toMatch(/"gone.jpg" was not uploaded/);
    expect(fileLevel(p).map((x) => [x.code, x.file])).toEqual([
      ["unreferenced_file", "extra.png"],
      ["unsupported_type", "other.gif"],
    ]);
    expect(p.counts).toEqual({
      rows: 4,
      matched: 4,
      unmatched: 0,
      skipped: 0,
      ready: 1,
      files_received: 4,
      missing_files: 1,
      unreferenced_files: 1,
    });
  });

  it("does not count the mapping file itself as a photo", () => {
    const p = matchMappingRows(table("001234,a.jpg", "photos/map.csv"), roster, ["photos/map.csv", "a.jpg"]);
    expect(p.counts.files_received).toBe(1);
    expect(p.problems).toEqual([]);
  });

  it("classifies names", () => {
    expect(["__MACOSX/x/a.jpg", "a/._b.jpg", ".DS_Store", "x/Thumbs.db", "DESKTOP.INI", "folder/", ".hidden/a.jpg"].every(isJunkEntry)).toBe(true);
    expect(["a.jpg", "Grade 9/IMG.JPG", "x\\y.png"].some(isJunkEntry)).toBe(false);
    expect(classifyFileName("A.JPEG")).toBe("image");
    expect(classifyFileName("a.webp")).toBe("image");
    expect(classifyFileName("scan")).toBe("image"); // no extension: content decides later
    expect(classifyFileName("a.HEIC")).toBe("unsupported_image");
    expect(classifyFileName("a.txt")).toBe("other");
  });
});

// ─── PSPA ───

const PSPA_HEADER = "Volume\tImage Folder\tImage File Name\tGrade\tLast Name\tFirst Name\tHomeroom\tPeriod\tTeacher\tTrack\tDepartment\tTitle\tImage Size\n";
const line = (folder: string, file: string, grade: string, last: string, first: string, homeroom = "", dept = "", title = "") =>
  `Fall 2024\t${folder}\t${file}\t${grade}\t${last}\t${first}\t${homeroom}\t\tMr T\t\t${dept}\t${title}\t640x800\n`;

const pspaRoster: RosterStudent[] = [
  student({ id: "p1", first_name: "Seán", last_name: "O'Brien", grade: "9", homeroom: "101" }),
  student({ id: "p2", first_name: "Maria", last_name: "Garcia", grade: "10", homeroom: "201" }),
  student({ id: "p3", first_name: "Maria", last_name: "Garcia", grade: "10", homeroom: "202" }),
  student({ id: "p4", first_name: "Ana", last_name: "Smith", grade: "K", homeroom: "K1" }),
  student({ id: "p5", first_name: "Ana", last_name: "Smith", grade: "K", homeroom: "K1" }),
  student({ id: "p6", first_name: "Tom", last_name: "Brown", grade: "11" }),
  student({ id: "p7", first_name: "Obi", last_name: "Ren", grade: "11" }),
];

describe("PSPA index", () => {
  it("matches by name and grade (accents and punctuation tolerant), with homeroom breaking ties", () => {
    const idx =
      PSPA_HEADER +
      line("Images\\Gr09", "0001.jpg", "09", "OBrien", "Sean", "101") +
      line("Images\\Gr10", "0002.jpg", "10", "Garcia", "Maria", "Rm 202") +
      line("Images\\GrK", "0003.jpg", "KG", "Smith", "Ana", "K1") +
      line("Images\\Gr11", "0004.jpg", "11", "Brown", "Tom", "") +
      line("Images\\Gr11", "0005.jpg", "11", "Nobody", "Here", "") +
      line("", "0006.jpg", "", "Teacher", "Ms", "", "", "Principal") +
      line("Staff", "0007.jpg", "", "Cook", "Bob", "", "Food Service") +
      line("Images\\Gr10", "0008.jpg", "12", "Brown", "Tom", "");
    const files = [
      "pkg/Images/Gr09/0001.jpg",
      "pkg/Images/Gr10/0002.jpg",
      "pkg/Images/GrK/0003.jpg",
      "pkg/Images/Gr11/0004.jpg",
      "pkg/0006.jpg",
      "pkg/Staff/0007.jpg",
    ];
    const p = matchMappingRows(pspa(idx, "pkg/INDEX.TXT"), pspaRoster, [...files, "pkg/INDEX.TXT"]);
    expect(p.format).toBe("pspa");
    expect(p.rows.map((r) => [r.row, r.student_id, r.matched_file, r.status])).toEqual([
      [2, "p1", "pkg/Images/Gr09/0001.jpg", "ready"],
      [3, "p3", "pkg/Images/Gr10/0002.jpg", "ready"],
      [4, null, "pkg/Images/GrK/0003.jpg", "unmatched"],
      [5, "p6", "pkg/Images/Gr11/0004.jpg", "ready"],
      [6, null, null, "unmatched"],
      [7, null, "pkg/0006.jpg", "skipped"],
      [8, null, "pkg/Staff/0007.jpg", "skipped"],
      [9, null, null, "unmatched"],
    ]);
    expect(codesByRow(p)).toEqual({
      2: [],
      3: [],
      4: ["ambiguous_student"],
      5: [],
      6: ["unknown_student", "missing_file"],
      7: ["not_a_student"],
      8: ["not_a_student"],
      9: ["unknown_student", "missing_file"],
    });
    expect(rowAt(p, 4).problems[0]!.message).toMatch(/2 students named "Ana Smith".*by hand/);
    expect(rowAt(p, 7).problems[0]!.message).toMatch(/staff member \(Principal\)/);
    expect(rowAt(p, 9).problems[0]!.message).toMatch(/in grade 11, not grade 12/);
    expect(p.counts).toMatchObject({ rows: 8, matched: 3, skipped: 2, unmatched: 3, ready: 3, files_received: 6, unreferenced_files: 0 });
  });

  it("reads an index without a header, and does not create false name matches", () => {
    const idx = line("", "a.jpg", "11", "Ren", "Obi") + line("", "b.jpg", "11", "Obi", "Ren") + line("", "c.jpg", "9", "O Brien", "Séan");
    const p = matchMappingRows(pspa(idx), pspaRoster, ["a.jpg", "b.jpg", "c.jpg"]);
    expect(p.rows.map((r) => [r.row, r.student_id])).toEqual([
      [1, "p7"],
      [2, null],
      [3, "p1"],
    ]);
    expect(codesByRow(p)[2]).toEqual(["unknown_student"]);
  });

  it("leaves two same-named students in the same homeroom as a problem, never a guess", () => {
    const p = matchMappingRows(pspa(line("", "x.jpg", "K", "Smith", "Ana", "K1")), pspaRoster, ["x.jpg"]);
    expect(rowAt(p, 1).student_id).toBeNull();
    expect(codesByRow(p)).toEqual({ 1: ["ambiguous_student"] });
  });

  it("warns when the grade could not be checked", () => {
    const r = [student({ id: "q1", first_name: "Zoë", last_name: "Ng" })];
    const p = matchMappingRows(pspa(line("", "z.jpg", "7", "Ng", "Zoe")), r, ["z.jpg"]);
    expect(rowAt(p, 1).status).toBe("ready");
    expect(codesByRow(p)).toEqual({ 1: ["grade_not_checked"] });
  });

  it("prefers MASTER.TXT over INDEX.TXT and ignores junk", () => {
    expect(findPspaIndex(["a/INDEX.TXT", "a/Master.txt", "__MACOSX/a/._MASTER.TXT"])).toBe("a/Master.txt");
    expect(findPspaIndex(["deep/x/index.txt", "top/INDEX.TXT"])).toBe("top/INDEX.TXT");
    expect(findPspaIndex(["a.jpg", "__MACOSX/._INDEX.TXT"])).toBeNull();
    expect(findMappingInArchive(["p/INDEX.TXT", "map.csv"])).toEqual({ kind: "pspa", path: "p/INDEX.TXT" });
    expect(findMappingInArchive(["map.csv", "a.jpg"])).toEqual({ kind: "table", path: "map.csv" });
    expect(findMappingInArchive(["a.csv", "b.csv"])).toBeNull();
  });

  it("recognises a PSPA index uploaded as the mapping file", () => {
    const idx = line("Images", "0001.jpg", "9", "Doe", "Jane") + line("Images", "0002.jpg", "9", "Roe", "John");
    expect(looksLikePspa("export.txt", utf8(idx))).toBe(true);
    expect(mappingSourceFor("INDEX.TXT", utf8("anything")).kind).toBe("pspa");
    expect(looksLikePspa("map.tsv", utf8("001234\ta.jpg\n5678\tb.jpg\n"))).toBe(false);
    expect(mappingSourceFor("map.csv", utf8("001234,a.jpg")).kind).toBe("table");
  });

  it("parses rows and reports short lines", () => {
    const r = parsePspaIndex(utf8(PSPA_HEADER + line("Images\\A\\", "1.jpg", "9", "Doe", "Jane") + "only\tthree\tcells\n"));
    expect(r.header).toBe(true);
    expect(r.rows[0]).toMatchObject({ row: 2, folder: "Images/A", file: "Images/A/1.jpg", grade: "9", last_name: "Doe", problem: null });
    expect(r.rows[1]!.problem?.code).toBe("bad_row");
  });

  it("normalises names, grades and homerooms", () => {
    expect(normalizeName("O'Brien")).toBe(normalizeName("OBrien"));
    expect(normalizeName("José-María")).toBe("josemaria");
    expect(normalizeName("Strauß")).toBe("strauss");
    expect(normalizeName("Ann")).not.toBe(normalizeName("Anne"));
    expect(["09", "9", "9th", "Grade 9", "Gr. 9"].map(normalizeGrade)).toEqual(["9", "9", "9", "9", "9"]);
    expect(["K", "KG", "Kindergarten", "0"].map(normalizeGrade)).toEqual(["K", "K", "K", "K"]);
    expect(["PK", "Pre-K", "pre-kindergarten"].map(normalizeGrade)).toEqual(["PK", "PK", "PK"]);
    expect(normalizeHomeroom("Rm 101")).toBe(normalizeHomeroom("101"));
    expect(normalizeHomeroom("Rmartin")).toBe("rmartin");
  });
});

// ─── no mapping ───

describe("without a mapping file", () => {
  it("matches files named after school IDs or emails", () => {
    const files = [
      "Grade 9/001234.jpg",
      "john.roe@school.org.JPG",
      "42.png",
      "0042.png",
      "stranger.jpg",
      "9999.jpg",
      "readme.txt",
      "._001234.jpg",
      "5678.heic",
    ];
    const p = matchMappingRows(NONE, roster, files);
    expect(p.format).toBe("file_names");
    // rows are numbered by the received names sorted, so arrival order does not matter
    expect(p.rows.map((r) => [r.row, r.file, r.student_id, r.status])).toEqual([
      [1, "0042.png", "s4", "ready"],
      [2, "42.png", null, "unmatched"],
      [3, "5678.heic", "s2", "unmatched"],
      [4, "9999.jpg", "s3", "skipped"],
      [5, "Grade 9/001234.jpg", "s1", "ready"],
      [6, "john.roe@school.org.JPG", "s2", "skipped"],
      [7, "stranger.jpg", null, "unmatched"],
    ]);
    expect(codesByRow(p)).toEqual({
      1: [],
      2: ["ambiguous_student"],
      3: ["unsupported_type"],
      4: ["opted_out"],
      5: [],
      6: ["duplicate_student"],
      7: ["unreferenced_file"],
    });
    expect(rowAt(p, 7).problems[0]!.message).toMatch(/Rename it.*001234.jpg.*mapping file/);
    expect(p.counts.files_received).toBe(7);
    expect(matchMappingRows(NONE, roster, [...files].reverse())).toEqual(p);
  });

  it("matches an ID with stripped zeros in a file name, with a warning", () => {
    const p = matchMappingRows(NONE, roster, ["1234.jpg"]);
    expect(rowAt(p, 1).student_id).toBe("s1");
    expect(codesByRow(p)).toEqual({ 1: ["leading_zeros_ignored"] });
    expect(rowAt(p, 1).status).toBe("ready");
  });
});

// ─── hostile input ───

describe("hostile input gives problems, not exceptions", () => {
  const only = (p: MappingPreview) => p.problems.map((x) => [x.row, x.code]);

  it("empty and whitespace-only files", () => {
    expect(only(matchMappingRows(table(""), roster, ["a.jpg"]))).toEqual([[null, "bad_mapping"]]);
    expect(only(matchMappingRows(table(" \r\n\n"), roster, []))).toEqual([[null, "bad_mapping"]]);
    expect(only(matchMappingRows(table("email,file\n"), roster, []))).toEqual([[null, "bad_mapping"]]);
    expect(only(matchMappingRows(pspa(""), roster, []))).toEqual([[null, "bad_mapping"]]);
  });

  it("binary garbage, workbooks and images", () => {
    let seed = 7;
    const garbage = new Uint8Array(4096).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0), seed >>> 24));
    const g = matchMappingRows(table(garbage), roster, ["a.jpg"]);
    expect(only(g)).toEqual([[null, "bad_mapping"]]);
    expect(g.counts.unreferenced_files).toBe(1);
    const xlsx = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]);
    expect(matchMappingRows(table(xlsx), roster, []).problems[0]!.message).toMatch(/CSV/);
    expect(matchMappingRows(table(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0])), roster, []).problems[0]!.message).toMatch(/image/);
    expect(only(matchMappingRows(pspa("\u0000\u0001\u0002\u0003"), roster, []))).toEqual([[null, "bad_mapping"]]);
  });

  it("UTF-16 without a BOM is detected", () => {
    const text = "001234,a.jpg\n5678,b.jpg\n";
    const le = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) le[i * 2] = text.charCodeAt(i);
    expect(matchMappingRows(table(le), roster, ["a.jpg", "b.jpg"]).counts.ready).toBe(2);
  });

  it("a broken quote makes a bad row, not a crash; a quote inside a plain cell is kept", () => {
    const p = matchMappingRows(table('5678,b"c.jpg\n001234,"a.jpg"x\n0042,d.jpg\n'), roster, ["a.jpg", 'b"c.jpg', "d.jpg"]);
    // papaparse reads everything after the broken quote as one cell: the row says so
    expect(codesByRow(p)).toEqual({ 1: [], 2: ["bad_row"] });
    expect(rowAt(p, 1).matched_file).toBe('b"c.jpg');
    expect(rowAt(p, 2).problems[0]!.message).toMatch(/never closed.*rest of the file/);
  });

  it("Windows-1252 text is read", () => {
    const d = decodeMappingText(new Uint8Array([0x4a, 0x6f, 0x73, 0xe9, 0x2c, 0x61])); // "José,a"
    expect(d).toEqual({ ok: true, text: "José,a", encoding: "windows-1252" });
  });

  it("10,000-column rows and a 1 MB cell", () => {
    const wide = `jane.doe@school.org,a.jpg${",x".repeat(10_000)}\n${"y,".repeat(10_000)}\n`;
    const p = matchMappingRows(table(wide), roster, ["a.jpg"]);
    expect(rowAt(p, 1).status).toBe("ready");
    expect(codesByRow(p)[2]).toEqual(["unknown_student", "missing_file"]);
    const huge = `001234,${"z".repeat(1_048_576)}.jpg\n5678,b.jpg\n`;
    const h = matchMappingRows(table(huge), roster, ["b.jpg"]);
    expect(codesByRow(h)).toEqual({ 1: ["bad_row"], 2: [] });
    expect(JSON.stringify(h).length).toBeLessThan(5_000);
  });

  it("caps the number of rows", () => {
    const lines = Array.from({ length: MAX_MAPPING_ROWS + 5 }, (_, i) => `${i},f${i}.jpg`).join("\n");
    const p = matchMappingRows(table(lines), roster, []);
    expect(p.rows.length).toBe(MAX_MAPPING_ROWS);
    expect(fileLevel(p).map((x) => x.code)).toEqual(["too_many_rows"]);
  });
});

// ─── scale and determinism ───

describe("scale and determinism", () => {
  it("matches 5,000 rows against 5,000 students and files", () => {
    const big = Array.from({ length: 5000 }, (_, i) =>
      student({ id: `b${i}`, email: `kid${i}@school.org`, sis_id: String(100000 + i), first_name: `K${i}`, last_name: "X", grade: "9" }),
    );
    const csv = "sis,file\n" + big.map((s, i) => `${s.sis_id},photos/IMG_${i}.jpg`).join("\n");
    const files = big.map((_, i) => `photos/IMG_${i}.jpg`);
    const p = matchMappingRows(table(csv), big, files);
    expect(p.counts).toMatchObject({ rows: 5000, matched: 5000, ready: 5000, files_received: 5000, unreferenced_files: 0 });
    expect(p.problems).toEqual([]);
  });

  it("gives the same output for the same input, whatever the file arrival order", () => {
    const csv = "001234,a.jpg\n5678,b.jpg\nnobody,c.jpg\n";
    const files = ["a.jpg", "b.jpg", "z.jpg", "y.png", "q.heic"];
    const a = matchMappingRows(table(csv), roster, files);
    const b = matchMappingRows(table(csv), [...roster].reverse(), [...files].reverse());
    expect(b).toEqual(a);
    expect(JSON.stringify(matchMappingRows(table(csv), roster, files))).toBe(JSON.stringify(a));
    expect(fileLevel(a).map((x) => x.file)).toEqual(["q.heic", "y.png", "z.jpg"]);
  });
});

describe("MappingError: a body refused outright", () => {
  it("names what the body is (code + facts) and becomes the contract's 415 or 422 in toApiError", () => {
    const refused = (bytes: Uint8Array, mediaType = "") => {
      try {
        readMappingText(bytes, "mapping file", mediaType);
      } catch (err) {
        return err;
      }
      throw new Error("not refused");
    };
    const pdf = refused(utf8("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"));
    expect(pdf).toBeInstanceOf(MappingError);
    expect(pdf).toMatchObject({ code: "not_text", facts: { detected: "pdf" } });
    expect(toApiError(pdf)).toMatchObject({ status: 415, code: "unsupported_media_type", details: { detected: "pdf" } });

    const json = refused(utf8('[{"student": "001234"}]'), "application/json");
    expect(json).toMatchObject({ code: "not_a_table", facts: { detected: "json" } });
    expect(toApiError(json)).toMatchObject({ status: 422, code: "bad_mapping", message: (json as Error).message, details: { detected: "json" } });

    expect(readMappingText(utf8("001234,IMG_1.jpg\n"))).toBe("001234,IMG_1.jpg\n");
    expect(toApiError(new Error("a bug"))).toBeNull();
  });
});
