// src/shared: the one copy of each rule the server, the pages and the upload CLI import. These
// check the rules themselves and that each client reads them rather than a copy of its own.
import { describe, expect, it } from "vitest";
import { base64urlToBytes, bytesToBase64url } from "../src/shared/base64url";
import { timeSortableId } from "../src/shared/ids";
import { MAPPING_WARNING_CODES, problemWording } from "../src/shared/problem-codes";
import { parseCsvObjects } from "../src/shared/report-csv";
import { isWarning, problemInfo } from "../src/web/lib/problems";
// @ts-expect-error: the CLI is plain JavaScript without type declarations
import { describeProblems, plainWords } from "../scripts/upload/summary.mjs";

describe("problem codes and their wording (src/shared/problem-codes.ts)", () => {
  it("the server's warnings are the ones the pages and the CLI show as warnings", () => {
    expect([...MAPPING_WARNING_CODES].sort()).toEqual([
      "blank_image",
      "duplicate_student",
      "file_extension_assumed",
      "grade_not_checked",
      "leading_zeros_ignored",
      "low_resolution",
      "not_a_portrait",
      "not_a_student",
      "opted_out",
      "possible_duplicate",
      "too_bright",
      "too_dark",
      "unreferenced_file",
    ]);
    for (const code of ["unknown_student", "missing_file", "duplicate_file", ...MAPPING_WARNING_CODES]) {
      const warning = MAPPING_WARNING_CODES.has(code);
      expect(isWarning(code)).toBe(warning);
      expect(problemInfo(code).severity).toBe(warning ? "warning" : "blocking");
      const [line] = describeProblems([{ code, row: 2, message: "m" }]) as string[];
      expect(line).toBe(`  ${warning ? "!" : "✗"} 1 × ${code}: ${problemWording(code).brief}`);
    }
  });

  it("the pages and the CLI say what the server does with a repeated student or photo", () => {
    // The server keeps the first row of a repeated student and gives a repeated photo to nobody.
    expect(problemInfo("duplicate_student").explain).toMatch(/first row/);
    expect(plainWords("duplicate_student")).toMatch(/first row/);
    expect(problemInfo("duplicate_file").explain).toMatch(/none of these students gets it/);
    expect(plainWords("duplicate_file")).toMatch(/none of them gets it/);
    // Every code the pages explain has a CLI phrase too (the CLI had none for these).
    for (const code of ["ambiguous_file", "too_many_rows", "image_processing_failed", "server_error"]) {
      expect(plainWords(code)).not.toBe(code.replaceAll("_", " "));
    }
  });

  it("a code the table does not know still reads as words and needs attention", () => {
    expect(problemInfo("new_kind_of_problem")).toEqual({ title: "New kind of problem", explain: "See the details below.", severity: "blocking" });
    expect(plainWords("new_kind_of_problem")).toBe("new kind of problem");
    expect(isWarning(null)).toBe(false);
  });
});

describe("base64url (src/shared/base64url.ts)", () => {
  it("matches RFC 4648 §10 without padding, both ways", () => {
    const vectors: Array<[string, string]> = [
      ["", ""],
      ["f", "Zg"],
      ["fo", "Zm8"],
      ["foo", "Zm9v"],
      ["foob", "Zm9vYg"],
      ["fooba", "Zm9vYmE"],
      ["foobar", "Zm9vYmFy"],
    ];
    for (const [plain, encoded] of vectors) {
      expect(bytesToBase64url(new TextEncoder().encode(plain))).toBe(encoded);
      expect(new TextDecoder().decode(base64urlToBytes(encoded)!)).toBe(plain);
    }
    expect(bytesToBase64url(Uint8Array.of(0xfb, 0xff, 0xfe))).toBe("-__-");
    expect(Array.from(base64urlToBytes("-__-=")!)).toEqual([0xfb, 0xff, 0xfe]);
  });

  it("round-trips large inputs (no call-stack overflow) and refuses what is not base64url", () => {
    const big = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7919) & 0xff);
    expect(base64urlToBytes(bytesToBase64url(big))).toEqual(big);
    for (const bad of ["a+b/", "Zm9v!", "Z", "Zm9vY", " Zm9v"]) expect(base64urlToBytes(bad)).toBeNull();
  });
});

describe("ids (src/shared/ids.ts)", () => {
  it("sort by creation time and carry the asked random bytes", () => {
    const a = timeSortableId(6, 1_700_000_000_000);
    const b = timeSortableId(6, 1_700_000_000_001);
    expect(a).toMatch(/^[0-9a-z]{21}$/);
    expect(a < b).toBe(true);
    expect(timeSortableId(5)).toHaveLength(19);
    // Same instant, same length: the random tail still tells them apart.
    expect(timeSortableId(6, 5)).not.toBe(timeSortableId(6, 5));
  });
});

describe("reading the API's CSV on the clients (src/shared/report-csv.ts)", () => {
  it("handles a BOM, quotes, doubled quotes, line breaks in cells, blank lines and short rows", () => {
    const text = '\uFEFFrow,file,status,message\r\n2,"Grade 9/a, b.jpg",failed,"said ""no""\r\nthen stopped"\r\n\r\n3,c.jpg\r\n,,,\r\n';
    expect(parseCsvObjects(text)).toEqual([
      { row: "2", file: "Grade 9/a, b.jpg", status: "failed", message: 'said "no"\r\nthen stopped' },
      { row: "3", file: "c.jpg", status: "", message: "" },
    ]);
    expect(parseCsvObjects("")).toEqual([]);
  });
});
