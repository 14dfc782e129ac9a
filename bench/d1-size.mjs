#!/usr/bin/env node
// npm run bench -- d1-size [--schools 10] [--students 500]
//
// D1 bytes per student, the input that sets how many students a 10 GB home holds
// (docs/SCALE.md). D1 is SQLite: this builds a database from schema.sql with node:sqlite, fills
// it with a school year per student as the code writes it (roster row, 1.2 photo versions, the
// bulk upload's file, row and occasional warning, audit events), and divides the file's size
// by the number of students. Records the result in bench/results/measured.json.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../scripts/lib/paths.mjs";
import { recordMeasured } from "./lib/measured.mjs";

const { values } = parseArgs({ options: { schools: { type: "string", default: "10" }, students: { type: "string", default: "500" } } });
const SCHOOLS = Number(values.schools);
const PER_SCHOOL = Number(values.students);
if (!(SCHOOLS > 0 && PER_SCHOOL > 0)) {
  console.error("usage: npm run bench -- d1-size [--schools 10] [--students 500]");
  process.exit(2);
}
let DatabaseSync;
try {
  ({ DatabaseSync } = await import("node:sqlite"));
} catch {
  console.error(`d1-size needs node:sqlite (node ≥ 22.5); this is ${process.version}. Run it through npm.`);
  process.exit(2);
}

const db = new DatabaseSync(":memory:");
db.exec(readFileSync(path.join(ROOT, "schema.sql"), "utf8"));

const iso = (d) => new Date(Date.UTC(2026, 8, 1) + d * 60_000).toISOString();
const version = (n) => `0m${(1e15 + n * 7919).toString(36)}`; // the shape of src/shared ids (19 chars)
const FIRST = ["Amara", "Wei", "Kenji", "Isabella", "Mei Lin", "Aaliyah", "Diego", "Olivia", "Noah", "Sofia"];
const LAST = ["Okafor", "Chen", "Tanaka", "Rossi", "Wong", "Johnson", "Ramírez", "Martin", "Schmidt", "Nguyen"];

const ins = {
  student:
    db.prepare(`INSERT INTO students (org, id, email, email_lower, sis_id, first_name, last_name, grade, homeroom, photo_opt_out, photo_version, restore_version, photo_updated_at, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)`),
  version: db.prepare(
    `INSERT INTO photo_versions (org, student_id, version, source, upload_id, width, height, bytes, created_at, retired_at) VALUES (?, ?, ?, 'upload', ?, 800, 1000, 61234, ?, ?)`,
  ),
  audit: db.prepare(`INSERT INTO audit_events (org, at, actor, action, student_id, upload_id, details) VALUES (?, ?, 'admin-7f3a9c', ?, ?, ?, ?)`),
  upload:
    db.prepare(`INSERT INTO uploads (org, id, status, created_by, created_at, submitted_at, completed_at, format, mapping_name, frozen_counts, frozen_problems)
    VALUES (?, ?, 'completed', 'admin-7f3a9c', ?, ?, ?, 'csv', 'mapping.csv', ?, '[]')`),
  file: db.prepare(`INSERT INTO upload_files (org, upload_id, name, bytes, type, received_at) VALUES (?, ?, ?, 412345, 'jpeg', ?)`),
  row: db.prepare(`INSERT INTO upload_rows (org, upload_id, row, identifier, file, student_id, matched_file, status, previous_version, new_version, attempts, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'processed', ?, ?, 1, ?)`),
  warning: db.prepare(`INSERT INTO upload_row_warnings (org, upload_id, row, seq, code, message, details) VALUES (?, ?, ?, 0, 'leading_zeros_ignored', ?, ?)`),
  org: db.prepare(`INSERT INTO orgs (org, photos_enabled, updated_at) VALUES (?, 1, ?)`),
};

let n = 0;
db.exec("BEGIN");
for (let s = 0; s < SCHOOLS; s++) {
  const org = `district-${1000 + s}-high`;
  const upload = `upl_${version(s)}`;
  ins.org.run(org, iso(0));
  ins.upload.run(org, upload, iso(1), iso(2), iso(3), JSON.stringify({ rows: PER_SCHOOL, matched: PER_SCHOOL, unmatched: 0, files_received: PER_SCHOOL }));
  ins.audit.run(org, iso(0), "roster.import", null, null, JSON.stringify({ created: PER_SCHOOL, updated: 0, unchanged: 0 }));
  for (let i = 0; i < PER_SCHOOL; i++, n++) {
    const id = `stu_${String(100000 + n)}`;
    const first = FIRST[n % 10];
    const last = LAST[(n * 7) % 10];
    const email = `${first.toLowerCase().replace(" ", "")}.${last.toLowerCase()}${n}@students.district${s}.example.org`;
    const v1 = version(n * 2);
    const v2 = version(n * 2 + 1);
    const retake = n % 5 === 0; // 1.2 photos per student a year: every fifth has a retake
    const file = `Grade ${9 + (n % 4)}/IMG_${String(n).padStart(5, "0")}.jpg`;
    ins.student.run(
      org,
      id,
      email,
      email.toLowerCase(),
      String(n).padStart(6, "0"),
      first,
      last,
      String(9 + (n % 4)),
      `H-${n % 30}`,
      retake ? v2 : v1,
      retake ? v1 : null,
      iso(4),
      iso(0),
      iso(4),
    );
    ins.version.run(org, id, v1, upload, iso(3), retake ? iso(5) : null);
    ins.file.run(org, upload, file, iso(2));
    ins.row.run(org, upload, i + 1, email, file, id, file, null, v1, iso(3));
    ins.audit.run(org, iso(3), "photo.set", id, upload, JSON.stringify({ version: v1, source: "upload" }));
    if (n % 10 === 0) ins.warning.run(org, upload, i + 1, "School ID 012345 matched 12345 after ignoring leading zeros.", JSON.stringify({ student_id: id }));
    if (retake) {
      ins.version.run(org, id, v2, null, iso(5), null);
      ins.audit.run(org, iso(5), "photo.replace", id, null, JSON.stringify({ version: v2, previous: v1, source: "single" }));
    }
  }
}
db.exec("COMMIT");
db.exec("VACUUM");
const { page_count } = db.prepare("PRAGMA page_count").get();
const { page_size } = db.prepare("PRAGMA page_size").get();
const bytes = page_count * page_size;
const perStudent = bytes / n;
console.log(
  `d1-size: ${n} students in ${SCHOOLS} schools → ${(bytes / 1e6).toFixed(2)} MB (${page_count} pages of ${page_size} B) = ${perStudent.toFixed(0)} bytes a student`,
);
console.log(`a 10 GB home holds ${Math.floor(10e9 / perStudent).toLocaleString("en-US")} students at this size`);
recordMeasured("d1-size", {
  d1_bytes_per_student: {
    value: perStudent,
    how: `schema.sql in SQLite (node:sqlite), ${n} students: roster row, 1.2 photo versions, upload file/row, 1 in 10 with a warning, audit events; VACUUMed file ÷ students`,
  },
});
console.log("recorded in bench/results/measured.json");
