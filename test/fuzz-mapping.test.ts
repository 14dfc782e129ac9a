import fc from "fast-check";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { matchMappingRows, parseMappingTable, parsePspaIndex, type RosterStudent } from "../src/mapping";

const roster: RosterStudent[] = [
  { id: "s1", email: "ada@x.test", sis_id: "001234", first_name: "Ada", last_name: "Lovelace", grade: "9", homeroom: "101", photo_opt_out: false },
  { id: "s2", email: "alan@x.test", sis_id: "1235", first_name: "Alan", last_name: "Turing", grade: "10", homeroom: "102", photo_opt_out: false },
  { id: "s3", email: null, sis_id: "00099", first_name: "Seán", last_name: "O'Brien", grade: "K", homeroom: null, photo_opt_out: true },
];
const files = ["IMG_1.jpg", "Grade 9/IMG_2.JPG", "a/b/c.png", "001234.jpg", "ada@x.test.jpeg", "notes.txt"];

const enc = (s: string) => new TextEncoder().encode(s);
const utf16le = (s: string) => {
  const out = new Uint8Array(2 + s.length * 2);
  out.set([0xff, 0xfe]);
  for (let i = 0; i < s.length; i++) {
    out[2 + i * 2] = s.charCodeAt(i) & 0xff;
    out[3 + i * 2] = s.charCodeAt(i) >> 8;
  }
  return out;
};

/** Cells built from the characters that break naive CSV parsers. */
const cell = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom("", '"', '""', "a,b", "a;b", "a\tb", "line\nbreak", "\r\n", "\uFEFF", "ada@x.test", "001234", "1234", "IMG_1.jpg", "=cmd()", "é", "🙂"),
  fc.string({ unit: "binary", maxLength: 20 }),
);
const table = fc
  .tuple(
    fc.array(fc.array(cell, { minLength: 0, maxLength: 6 }), { maxLength: 40 }),
    fc.constantFrom(",", ";", "\t"),
    fc.constantFrom("\n", "\r\n"),
    fc.boolean(),
  )
  .map(
    ([rows, sep, eol, bom]) =>
      (bom ? "\uFEFF" : "") +
      rows.map((r) => r.map((c) => (c.includes(sep) || c.includes('"') || /[\r\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(sep)).join(eol),
  );

const allCodes = new Set([
  "unknown_student",
  "ambiguous_student",
  "duplicate_student",
  "missing_file",
  "unreferenced_file",
  "unsupported_type",
  "bad_row",
  "bad_mapping",
  "leading_zeros_ignored",
  "image_unreadable",
  "image_too_large",
  "opted_out",
  "duplicate_file",
  "ambiguous_file",
  "not_a_student",
  "file_extension_assumed",
  "grade_not_checked",
  "too_many_rows",
]);

function checkPreview(source: Parameters<typeof matchMappingRows>[0]) {
  const a = matchMappingRows(source, roster, files);
  const b = matchMappingRows(source, roster, [...files].reverse());
  expect(JSON.stringify(a)).toBe(JSON.stringify(b)); // deterministic, whatever order files arrived in
  const c = a.counts;
  expect(c.matched + c.unmatched + c.skipped).toBe(c.rows);
  expect(a.rows).toHaveLength(c.rows);
  for (const p of a.problems) {
    expect(allCodes.has(p.code), p.code).toBe(true);
    expect(p.message.length).toBeGreaterThan(10);
  }
  for (const r of a.rows) if (r.status === "ready") expect(r.student_id && r.matched_file).toBeTruthy();
}

describe("mapping parser and matcher under random input", () => {
  it("never throws on random CSV/TSV, and matching is deterministic", () => {
    fc.assert(
      fc.property(table, (text) => {
        checkPreview({ kind: "table", fileName: "mapping.csv", bytes: enc(text) });
      }),
      { numRuns: 300 },
    );
  });

  it("never throws on random bytes, UTF-16 text or PSPA-shaped lines", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.boolean(), (bytes, pspa) => {
        checkPreview(pspa ? { kind: "pspa", fileName: "INDEX.TXT", bytes } : { kind: "table", fileName: "m.csv", bytes });
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(table, (text) => {
        checkPreview({ kind: "table", fileName: "m.txt", bytes: utf16le(text) });
      }),
      { numRuns: 100 },
    );
    const pspaLine = fc.array(cell, { minLength: 0, maxLength: 15 }).map((c) => c.map((x) => x.replace(/[\t\r\n]/g, " ")).join("\t"));
    fc.assert(
      fc.property(fc.array(pspaLine, { maxLength: 30 }), (lines) => {
        const bytes = enc(lines.join("\r\n"));
        checkPreview({ kind: "pspa", fileName: "INDEX.TXT", bytes });
        expect(() => parsePspaIndex(bytes)).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });

  it("survives pathological shapes: empty, 10,000 columns, a megabyte cell, a zip or an image as mapping", () => {
    const cases: Uint8Array[] = [
      new Uint8Array(),
      enc("\uFEFF"),
      enc("\n\n\r\n"),
      enc(Array.from({ length: 10_000 }, (_, i) => `c${i}`).join(",") + "\n" + "ada@x.test,IMG_1.jpg\n"),
      enc(`ada@x.test,"${"x".repeat(1_048_576)}"\n`),
      enc('"unclosed,quote\nada@x.test,IMG_1.jpg\n'),
      zipSync({ "a.txt": enc("hello") }),
      Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]),
      Uint8Array.from([0xfe, 0xff, 0, 0x61, 0, 0x2c, 0, 0x62]),
    ];
    for (const bytes of cases) {
      checkPreview({ kind: "table", fileName: "mapping.csv", bytes });
      expect(() => parseMappingTable(bytes)).not.toThrow();
    }
  });
});
